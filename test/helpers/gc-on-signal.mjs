// Preloaded into a gateway process started with --expose-gc by heap-growth.test.ts: SIGUSR2 runs a full
// collection, so the test sees the limit V8 sets after one without waiting for load to cause it.
process.on('SIGUSR2', () => {
  globalThis.gc();
  process.stdout.write('switchyard-test: collected\n');
});
