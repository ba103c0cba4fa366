// One gateway build under load, with what a side-by-side rig does not show: its idle and peak RSS (sampled every
// 100 ms) and the CPU ticks of each of its threads (the main thread, V8's GC helpers, libuv's pool).
//
//   node benchmarks/probe-gateway.mjs [CHECKOUT] [json|stream] [CONNECTIONS] [SECONDS] [EXTRA_YAML_FILE]
//
// Placement as the rig's (`servers/pinned-target.mjs`): the gateway on CPU 1, the mock and the load on CPU 0.
// RATE=N sends N requests a second in all (autocannon's overallRate) instead of as many as the connections can.
// NODE_ARGS passes flags to the gateway's node (--cpu-prof, --trace-gc-nvp); GW_OUT names a file for its stdout;
// BARE=1 loads the rig's bare pass-through instead of the gateway.
import fs from 'node:fs';
import { startPinned } from './servers/pinned-target.mjs';

const [dir = '.', mode = 'json', conns = '50', secs = '10', extra = ''] = process.argv.slice(2);
const target = await startPinned({
  dir,
  bare: Boolean(process.env.BARE),
  nodeArgs: (process.env.NODE_ARGS || '').split(' ').filter(Boolean),
  extraYaml: extra ? fs.readFileSync(extra, 'utf8') : '',
  out: process.env.GW_OUT,
});
const rate = process.env.RATE ? Number(process.env.RATE) : undefined;
await target.load(mode, Number(conns), 2, rate);
const idle = target.rssMB();
let peak = idle;
const t0 = target.threadTicks();
const timer = setInterval(() => {
  peak = Math.max(peak, target.rssMB());
}, 100);
const res = await target.load(mode, Number(conns), Number(secs), rate);
clearInterval(timer);
const t1 = target.threadTicks();
const th = Object.entries(t1)
  .map(([k, v]) => [k, v - (t0[k] ?? 0)])
  .filter(([, v]) => v > 0)
  .sort((a, b) => b[1] - a[1]);
console.log(
  JSON.stringify({
    rps: Math.round(res.requests.average),
    p99: res.latency.p99,
    non2xx: res.non2xx,
    errors: res.errors,
    idleMB: Math.round(idle),
    peakMB: Math.round(peak),
    // The gateway's CPU (all its threads) per request served: steadier than req/s when comparing two builds,
    // and meaningful at a fixed RATE too, where req/s says nothing.
    cpuUsPerRequest: Math.round((th.reduce((sum, [, v]) => sum + v, 0) * 10_000) / res.requests.total),
    threads: th,
  }),
);
await target.stop();
setTimeout(() => process.exit(0), 300);
