import '#infra/local/polyfills.ts';
import { startLocalRuntime } from '#infra/local/runtime.ts';
import { startDemo } from '#infra/local/demo/start.ts';
const persist = '/tmp/persist-demo-test';
for (const round of [1, 2]) {
  const runtime = await startLocalRuntime({ port: 0, persist });
  try {
    const demo = await startDemo(runtime, { crmPort: 0, customers: 10, persist });
    console.log(round, demo.summary, demo.seeded, JSON.stringify(demo.crm.store.get('CRM-2')));
    if (round === 1) {
      const res = await fetch(`${runtime.apiUrl}/v1/privacy-requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: demo.customers[1].email } }) });
      const { id } = await res.json() as any;
      await runtime.sfn.waitForExecution(`${runtime.env.STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${id}`);
    }
    await demo.stop();
  } finally { await runtime.stop(); }
}
