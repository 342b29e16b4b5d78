/**
 * The local gateway alone in its own process, for the export bench: its memory is what is measured,
 * apart from the bench's (which seeds and reads). It samples its own peak RSS and heap and answers
 * the parent over IPC: `{ url }` once listening, then `reset` and `report`.
 */
import '#infra/local/polyfills.ts';
import { startGateway } from '#infra/local/gateway.ts';

const gateway = await startGateway({ port: 0 });
let rss = 0;
let heap = 0;
const sample = () => {
  const m = process.memoryUsage();
  rss = Math.max(rss, m.rss);
  heap = Math.max(heap, m.heapUsed);
};
setInterval(sample, 10).unref();
process.on('message', (msg: string) => {
  if (msg === 'reset') {
    global.gc?.();
    rss = 0;
    heap = 0;
    sample();
    process.send!({ reset: true });
  } else if (msg === 'report') {
    sample();
    process.send!({ rss, heap });
  } else if (msg === 'stop') {
    void gateway.stop().then(() => process.exit(0));
  }
});
process.send!({ url: gateway.url });
