import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';

/**
 * `@duckdb/node-api`, loaded with `require`. Imported as an ES module, node first reads each of its 124 CommonJS files
 * with its export lexer to learn their names: 0.36–0.48 s before DuckDB does anything, against 0.14–0.18 s with
 * `require`. Every log job (a process each, on the gateway's core) and every CLI command that opens DuckDB pays it.
 * Code takes DuckDB's values from here; its types, which cost nothing at run time, from the package.
 */
const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;

export const { BOOLEAN, DOUBLE, INTEGER, SMALLINT, USMALLINT, UTINYINT, VARCHAR, listValue } = duckdb;
export const { DuckDBDataChunk, DuckDBDecimalValue, DuckDBInstance, DuckDBTimestampTZValue } = duckdb;
export type DuckDBInstance = DuckDB.DuckDBInstance;
