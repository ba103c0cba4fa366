// What one connection meets right after the load changes, as each target meets it in the rig: a heavy load (or
// none), a pause, then one connection for 6 s. Prints, every 250 ms, the CPU ticks of the target's threads and of
// its child processes (the decision log's jobs), its page faults, the answers and those over 1 ms; then the share of
// answers over 1 ms in the first 2 s and in the rest.
//
//   node benchmarks/probe-load-change.mjs [CHECKOUT]
//
// BEFORE=stream|json (50 connections for 6 s, default stream) or none; PAUSE_MS (default 500: the rig's gap; 12000
// is what a target idles between its slots); BARE=1 probes the rig's bare proxy; NODE_ARGS as probe-gateway.mjs.
// CYCLES=n runs the whole sequence (the rig's warm-up loads included) n times on one process: the first cycle is the
// rig's round 1, the later ones show what is left once the process has met every load once. Placement as the rig's
// (`servers/pinned-target.mjs`).
import { startPinned } from './servers/pinned-target.mjs';

const before = process.env.BEFORE ?? 'stream';
const pauseMs = Number(process.env.PAUSE_MS ?? 500);
const target = await startPinned({
  dir: process.argv[2] ?? '.',
  bare: Boolean(process.env.BARE),
  nodeArgs: (process.env.NODE_ARGS || '').split(' ').filter(Boolean),
});
const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
const share = (xs) => {
  const ms = xs.map(([, m]) => m).sort((a, b) => a - b);
  const over = ms.filter((m) => m > 1).length;
  return `${ms.length} answers, p99 ${ms[Math.ceil(ms.length * 0.99) - 1]?.toFixed(2)} ms, over 1 ms ${((100 * over) / ms.length).toFixed(1)} %`;
};

for (let cycle = 1; cycle <= Number(process.env.CYCLES ?? 1); cycle++) {
  // The rig's warm-up: 2 s of each mode at 50 connections.
  await target.load('json', 50, 2);
  await target.load('stream', 50, 2);

  const start = performance.now();
  const samples = [];
  const sample = () =>
    samples.push({
      at: performance.now() - start,
      threads: target.threadTicks(),
      children: target.childTicks(),
      faults: target.faults(),
    });
  const sampler = setInterval(sample, 250);
  if (before !== 'none') await target.load(before, 50, 6);
  await new Promise((r) => setTimeout(r, pauseMs));
  const resumed = performance.now() - start;
  const answers = [];
  const run = target.load('json', 1, 6);
  run.on('response', (_client, _status, _bytes, ms) => answers.push([performance.now() - start, ms]));
  await run;
  clearInterval(sampler);

  // The main thread's id is the process's.
  const mainKey = Object.keys(samples.at(-1).threads).find((k) => k.startsWith(`${target.pid}:`));
  for (let i = 1; i < samples.length; i++) {
    const [prev, cur] = [samples[i - 1], samples[i]];
    if (cur.at < resumed - 1000) continue;
    const main = cur.threads[mainKey] - prev.threads[mainKey];
    const children = Object.entries(cur.children).reduce((n, [pid, t]) => n + t - (prev.children[pid] ?? 0), 0);
    const inWindow = answers.filter(([at]) => at > prev.at && at <= cur.at);
    console.log(
      `${(cur.at / 1000).toFixed(2)} s  main ${main}  other threads ${sum(cur.threads) - sum(prev.threads) - main}` +
        `  children ${children}  minor faults ${cur.faults - prev.faults}  answers ${inWindow.length}, over 1 ms ${inWindow.filter(([, ms]) => ms > 1).length}`,
    );
  }
  console.log(
    `${process.env.BARE ? 'bare proxy' : 'switchyard'}, cycle ${cycle}: after ${before}, ${pauseMs} ms pause\n` +
      `  first 2 s: ${share(answers.filter(([at]) => at < resumed + 2000))}\n` +
      `  the rest:  ${share(answers.filter(([at]) => at >= resumed + 2000))}`,
  );
}
await target.stop();
setTimeout(() => process.exit(0), 300);
