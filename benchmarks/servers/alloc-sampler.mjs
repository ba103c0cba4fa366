// Preloaded into a gateway process (`node --import ./alloc-sampler.mjs …`) by alloc-per-request.bench.ts: the
// first SIGUSR2 starts V8's sampling heap profiler on this process's own thread, counting objects a scavenge or
// a full GC has already freed too (so it measures what was allocated, not what is live); the next stops it and
// writes the sampled bytes, in all and by function, to $ALLOC_OUT.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const session = new Session();
session.connect();
let sampling = false;

/** Sampled self sizes by `function url:line`, and their sum. */
function totals(node, byFrame) {
  let sum = node.selfSize;
  const { functionName, url, lineNumber } = node.callFrame;
  const frame = `${functionName || '(anonymous)'} ${url.replace(/^file:\/\//, '')}:${lineNumber + 1}`;
  if (node.selfSize > 0) byFrame.set(frame, (byFrame.get(frame) ?? 0) + node.selfSize);
  for (const child of node.children) sum += totals(child, byFrame);
  return sum;
}

process.on('SIGUSR2', async () => {
  if (!sampling) {
    sampling = true;
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    writeFileSync(process.env.ALLOC_OUT, JSON.stringify({ started: true }));
    return;
  }
  sampling = false;
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const byFrame = new Map();
  const bytes = totals(profile.head, byFrame);
  const top = [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, 25);
  writeFileSync(process.env.ALLOC_OUT, JSON.stringify({ bytes, top }));
});
