/**
 * The local gateway alone in its own process, for the export bench: its memory is what is measured,
 * apart from the bench's (which seeds and reads). It samples its own peak RSS and heap and answers
 * the parent over IPC: `{ url }` once listening, then `reset` and `report`. Live heap is sampled after
 * a forced GC (run with --expose-gc) every 250 ms: what the process holds, not garbage awaiting GC.
 */
import '#infra/local/lambda-streaming.ts';
import { startGateway } from '#infra/local/gateway.ts';

const gateway = await startGateway({ port: 0 });
let rss = 0;
let heap = 0;
let live = 0;
const sample = () => {
  const m = process.memoryUsage();
  rss = Math.max(rss, m.rss);
  heap = Math.max(heap, m.heapUsed);
};
const sampleLive = () => {
  global.gc?.();
  live = Math.max(live, process.memoryUsage().heapUsed);
};
setInterval(sample, 10).unref();
setInterval(sampleLive, 250).unref();
process.on('message', (msg: string) => {
  if (msg === 'reset') {
    global.gc?.();
    rss = 0;
    heap = 0;
    live = 0;
    sample();
    sampleLive();
    process.send!({ reset: true });
  } else if (msg === 'report') {
    sample();
    process.send!({ rss, heap, live });
  } else if (msg === 'stop') {
    void gateway.stop().then(() => process.exit(0));
  }
});
process.send!({ url: gateway.url });
