// One gateway build under load, with what a side-by-side rig does not show: its idle and peak RSS (sampled every
// 100 ms) and the CPU ticks of each of its threads (the main thread, V8's GC helpers, libuv's pool).
//
//   node benchmarks/probe-gateway.mjs [CHECKOUT] [json|stream] [CONNECTIONS] [SECONDS] [EXTRA_YAML_FILE]
//
// The mock (../shared/bench/peer-bench, or RIG=) on CPU 0 with the load generator (this process, autocannon from
// the rig's node_modules: run the rig once first), the gateway pinned to CPU 1. RATE=N sends N requests a second in
// all (autocannon's overallRate) instead of as many as the connections can. NODE_ARGS passes flags to the
// gateway's node (--cpu-prof, --trace-gc-nvp); GW_OUT names a file for its stdout; BARE=1 loads the rig's bare
// pass-through instead of the gateway. Ports 18011 and 18014.
import { spawn, execSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
const RIG = process.env.RIG ?? new URL('../../shared/bench/peer-bench/', import.meta.url).pathname;
const require = createRequire(`${RIG}/package.json`);
const autocannon = require('autocannon');
const [dir = '.', mode = 'json', conns = '50', secs = '10', extra = ''] = process.argv.slice(2);
const work = fs.mkdtempSync('/tmp/probe.');
const sha = execSync("printf %s sk-bench | sha256sum | cut -d' ' -f1").toString().trim();
fs.writeFileSync(
  `${work}/sy.yaml`,
  `server: { host: 127.0.0.1, port: 18014 }
routes:
  - { id: direct, kind: direct, base_url: "http://127.0.0.1:18011/v1", api_key: sk-upstream, clearance: confidential, models: [gpt-4o-mini] }
tenants:
  - { id: bench, api_keys: ["sha256:${sha}"] }
log: { dir: "${work}/log" }
${extra ? fs.readFileSync(extra, 'utf8') : ''}`,
);
const mock = spawn('taskset', ['-c', '0', 'node', `${RIG}/mock-upstream.mjs`], {
  env: { ...process.env, PORT: '18011' },
  stdio: 'ignore',
});
const nodeArgs = (process.env.NODE_ARGS || '').split(' ').filter(Boolean);
// BARE=1: the rig's bare pass-through in the gateway's place, for its CPU per request and RSS under the same load.
const target = process.env.BARE
  ? [`${RIG}/bare-proxy.mjs`]
  : [`${dir}/bin/switchyard.js`, 'serve', '-c', `${work}/sy.yaml`];
const gw = spawn('taskset', ['-c', '1', 'node', ...nodeArgs, ...target], {
  env: { ...process.env, PORT: '18014', UPSTREAM: 'http://127.0.0.1:18011' },
  stdio: ['ignore', process.env.GW_OUT ? fs.openSync(process.env.GW_OUT, 'w') : 'ignore', 'inherit'],
});
const wait = async (url) => {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('no ' + url);
};
await wait('http://127.0.0.1:18011/health');
await wait('http://127.0.0.1:18014/health');
const gpid = gw.pid;
const body = JSON.stringify({
  model: 'gpt-4o-mini',
  temperature: 0.2,
  max_tokens: 256,
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Summarise: ' + 'lorem ipsum '.repeat(34).slice(0, 400) },
  ],
  ...(mode === 'stream' ? { stream: true, stream_options: { include_usage: true } } : {}),
});
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${gpid}/status`, 'utf8'))[1]) / 1024;
const ticks = () =>
  Object.fromEntries(
    fs.readdirSync(`/proc/${gpid}/task`).map((t) => {
      const s = fs.readFileSync(`/proc/${gpid}/task/${t}/stat`, 'utf8');
      const name = /\((.*)\)/.exec(s)[1];
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      return [`${t}:${name}`, Number(f[11]) + Number(f[12])];
    }),
  );
const run = (d) =>
  autocannon({
    url: 'http://127.0.0.1:18014/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body,
    connections: Number(conns),
    duration: d,
    ...(process.env.RATE ? { overallRate: Number(process.env.RATE) } : {}),
  });
await run(2);
const idle = rss();
let peak = idle;
const t0 = ticks();
const timer = setInterval(() => {
  peak = Math.max(peak, rss());
}, 100);
const res = await run(Number(secs));
clearInterval(timer);
const t1 = ticks();
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
const exited = new Promise((r) => gw.once('exit', r));
gw.kill();
await exited;
mock.kill();
setTimeout(() => process.exit(0), 300);
