// Dependencies point inward (docs/architecture.md): the engine needs nothing of ours; config and the DuckDB
// log build on the engine; the gateway and the harness on those; the CLI on everything. And no cycles,
// counting `import type`: a cycle through types is still one a reader has to hold in their head.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'engine-is-pure',
      comment: 'src/engine is the decision core: facts in, a decision out; it imports nothing else of ours.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/', pathNot: '^src/engine/' },
    },
    {
      name: 'config-and-log-build-on-the-engine',
      severity: 'error',
      from: { path: '^src/(config|duckdb)/' },
      to: { path: '^src/(gateway|harness|cli|mock-upstream)/' },
    },
    {
      name: 'gateway-and-harness-never-reach-out',
      comment: 'The CLI is the outermost ring; the gateway does not know the harness.',
      severity: 'error',
      from: { path: '^src/(gateway|harness|mock-upstream)/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'the-dashboard-worker-is-outside',
      comment:
        "src/dashboard is the dashboard's query worker: it reads the log and runs the harness (the crossover page). The gateway starts it by path and imports nothing of it.",
      severity: 'error',
      from: { path: '^src/(engine|config|duckdb|gateway|harness)/' },
      to: { path: '^src/dashboard/' },
    },
    {
      name: 'gateway-knows-no-harness',
      severity: 'error',
      from: { path: '^src/gateway/' },
      to: { path: '^src/harness/' },
    },
    {
      name: 'record-is-not-the-edge',
      comment: "record/, relay/ and state/ are steps and stores: they take values, never fastify's request or reply.",
      severity: 'error',
      from: { path: '^src/gateway/(record|relay|state|formats)/' },
      to: { path: '^src/gateway/http/' },
    },
    {
      name: 'a-roll-loads-no-typebox',
      comment:
        "A roll starts a new process on the gateway's core every time: the row checks (TypeBox, 150 ms of its CPU) are loaded only by the jobs that use them, with import().",
      severity: 'error',
      from: { path: '^src/gateway/record/log-jobs\\.ts$' },
      to: { path: '^src/duckdb/log-row\\.ts$', dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
    {
      name: 'duckdb-by-require',
      comment:
        "DuckDB's values come from src/duckdb/duckdb-api.ts, which loads the package with require (imported as an ES module it costs 0.2-0.3 s more in every job process and CLI command); its types may come from the package.",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/duckdb/duckdb-api\\.ts$' },
      to: { path: '@duckdb/node-api', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are edges too (TypeScript erases them; the reader does not).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
