import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Kills the child processes and removes the temporary folders each test file leaves.
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites start real servers and child processes; two cores, so two forks.
    pool: 'forks',
    maxWorkers: 2,
    // Each fork runs its files one after another in one module graph instead of a new one per file: loading the
    // project's modules for each of the 74 files was 62 s of a 322 s run on two cores; without it 274–282 s over three
    // runs (two in shuffled file order), every test passing (2026-12-07). Each file still gets
    // `test/setup.ts`'s clean-up of its child processes and folders.
    isolate: false,
  },
});
