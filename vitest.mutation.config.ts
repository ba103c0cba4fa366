import { defineConfig } from 'vitest/config';

// The suites `npm run test:mutation` runs against each mutant: the fast ones that exercise the mutated
// modules without starting servers (the end-to-end suites cover the same code through HTTP, too slowly
// to run once per mutant).
export default defineConfig({
  test: {
    include: [
      'test/planner-invariants.test.ts',
      'test/policy-table.test.ts',
      'test/rules-differential.test.ts',
      'test/prices.test.ts',
      'test/detector.test.ts',
      'test/formats.shared.test.ts',
      'test/spend-ledger.shared.test.ts',
      'test/circuit-breaker.test.ts',
      'test/route-health.shared.test.ts',
      'test/usage.test.ts',
      'test/planner-steps.test.ts',
      'test/money.test.ts',
      'test/request-facts.test.ts',
    ],
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
  },
});
