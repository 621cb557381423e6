import { rollup } from 'rollup';
import { XsWorker } from '/work/main/dist/host-sim/xsnap/worker.js';
const b = await rollup({ input: '/work/main/dist/test/mcapi/fixtures/xs-micro-main.js', onwarn: () => {} });
const { output } = await b.generate({ format: 'iife', strict: true });
const w = new XsWorker({ name: 'micro', stdout: 'inherit' });
await w.evaluate(output[0].code);
const N = 200;
async function measure(label, expr) {
  const r0 = await w.evaluate(expr.replace('N', '1'));
  const f0 = await w.evaluate('new TextEncoder().encode(String((globalThis.hub?.clock.fired ?? 0) + (globalThis.netClock?.fired ?? 0) + (globalThis.rawFired ?? 0))).buffer');
  const r = await w.evaluate(expr);
  const f1 = await w.evaluate('new TextEncoder().encode(String((globalThis.hub?.clock.fired ?? 0) + (globalThis.netClock?.fired ?? 0) + (globalThis.rawFired ?? 0))).buffer');
  const steps = (Number(Buffer.from(f1.reply).toString()) - Number(Buffer.from(f0.reply).toString())) / N;
  console.log(label, 'steps/RT', steps.toFixed(2), 'minus harness', Math.round(r.meter.compute / N - steps * 16 * 59));
  const e = await w.evaluate('new TextEncoder().encode(String(globalThis.err ?? "")).buffer');
  console.log(label, Math.round(r.meter.compute / N), 'XS compute per round trip', Buffer.from(e.reply).toString());
}
await measure('raw 24B  ', `rawRounds(${N}, 24)`);
await measure('raw 4KiB ', `rawRounds(${N}, 4096)`);
await measure('msg 24B  ', `msgRounds(${N})`);
await measure('pkt 24B  ', `pktRounds(${N}, 24)`);
await measure('pkt 4KiB ', `pktRounds(${N}, 4096)`);
await w.evaluate('netSetup()');
await measure('net raw 24B ', `netRawRounds(${N}, 24)`);
await measure('net raw 4KiB', `netRawRounds(${N}, 4096)`);
await measure('net msg 24B ', `netMsgRounds(${N})`);
await w.kill();
