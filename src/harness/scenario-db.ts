import type { DuckDBAppender, DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import {
  BOOLEAN,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBInstance,
  INTEGER,
  SMALLINT,
  USMALLINT,
  UTINYINT,
  VARCHAR,
} from '../duckdb/duckdb-api.js';

/**
 * The scenario database: one narrow row per replayed request (small integer ids, exact pico-dollar cost),
 * dimension tables for the names, and a `requests_named` view that joins them for people writing SQL.
 */
const DDL = `
CREATE TABLE options (option_id UTINYINT PRIMARY KEY, option VARCHAR, label VARCHAR);
CREATE TABLE volumes (point USMALLINT PRIMARY KEY, tokens_per_day DOUBLE, source VARCHAR);
CREATE TABLE models (model_id UTINYINT PRIMARY KEY, model VARCHAR);
CREATE TABLE tenants (tenant_id UTINYINT PRIMARY KEY, tenant VARCHAR);
CREATE TABLE tagsets (tagset_id UTINYINT PRIMARY KEY, tags VARCHAR[]);
CREATE TABLE routes (option_id UTINYINT, route_id SMALLINT, route VARCHAR, kind VARCHAR, PRIMARY KEY (option_id, route_id));
CREATE TABLE requests (
  option_id UTINYINT, point USMALLINT, day USMALLINT, hour UTINYINT,
  model_id UTINYINT, tenant_id UTINYINT, tagset_id UTINYINT,
  route_id SMALLINT,            -- NULL: the planner denied the request
  sensitive BOOLEAN,            -- the request needed the top sensitivity level
  input_tokens INTEGER, output_tokens INTEGER,
  -- Pico-dollars (1e-12 USD): whole numbers below 2^53, which a DOUBLE holds exactly; sums are taken as
  -- HUGEINT (exact). No BigInt per row: replay went from 0.86 M to 1.04 M requests/s.
  cost_pico DOUBLE,
  served_model_id UTINYINT,     -- the model that served it (a rule's, a downgrade's or a fallback's); NULL: denied
  denial VARCHAR,               -- why the planner denied it (its code); NULL: served
  saved_pico DOUBLE             -- answered from the response cache: what it would have cost (cost_pico is 0); NULL: not
);
CREATE VIEW requests_named AS
  SELECT o.option, v.tokens_per_day, r.day, r.hour, m.model, sm.model AS served_model, t.tenant, g.tags, rt.route, rt.kind,
         r.sensitive, r.input_tokens, r.output_tokens, r.cost_pico::HUGEINT / 1e12 AS cost_usd, r.denial,
         r.saved_pico IS NOT NULL AS cached, r.saved_pico::HUGEINT / 1e12 AS saved_usd
    FROM requests r
    JOIN options o USING (option_id) JOIN volumes v USING (point) JOIN models m USING (model_id)
    JOIN tenants t USING (tenant_id) JOIN tagsets g USING (tagset_id)
    LEFT JOIN models sm ON sm.model_id = r.served_model_id
    LEFT JOIN routes rt ON rt.option_id = r.option_id AND rt.route_id = r.route_id;
`;

export const REQUEST_TYPES: readonly DuckDBType[] = [
  UTINYINT,
  USMALLINT,
  USMALLINT,
  UTINYINT,
  UTINYINT,
  UTINYINT,
  UTINYINT,
  SMALLINT,
  BOOLEAN,
  INTEGER,
  INTEGER,
  DOUBLE,
  UTINYINT,
  VARCHAR,
  DOUBLE,
];
/** DuckDB's vector size: a data chunk holds at most this many rows. */
export const CHUNK_ROWS = 2048;

/** One data chunk of request rows, column by column, in the order of `REQUEST_TYPES`; refilled chunk by chunk. */
export function newRequestColumns() {
  const n = CHUNK_ROWS;
  return {
    option: new Array<number>(n),
    point: new Array<number>(n),
    day: new Array<number>(n),
    hour: new Array<number>(n),
    model: new Array<number>(n),
    tenant: new Array<number>(n),
    tagset: new Array<number>(n),
    route: new Array<number | null>(n),
    sensitive: new Array<boolean>(n),
    input: new Array<number>(n),
    output: new Array<number>(n),
    cost: new Array<number>(n),
    served: new Array<number | null>(n),
    denial: new Array<string | null>(n),
    saved: new Array<number | null>(n),
  };
}
export type RequestColumns = ReturnType<typeof newRequestColumns>;

/** A value as a SQL literal: strings quoted, lists as VARCHAR[] (DuckDB's appender has no list type). */
function literal(v: string | number | boolean | null | string[]): string {
  if (v === null) return 'NULL';
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]::VARCHAR[]`;
  return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
}

export class ScenarioDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly appender: DuckDBAppender,
  ) {}

  /** A new database at `path` (`:memory:` for none). */
  static async create(path: string): Promise<ScenarioDb> {
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(DDL);
    return new ScenarioDb(instance, connection, await connection.createAppender('requests'));
  }

  /** Appends the first `rows` rows of `columns`. */
  appendColumns(columns: RequestColumns, rows: number): void {
    const values = Object.values(columns);
    const chunk = DuckDBDataChunk.create(REQUEST_TYPES, rows);
    chunk.setColumns((rows === CHUNK_ROWS ? values : values.map((c) => c.slice(0, rows))) as never);
    this.appender.appendDataChunk(chunk);
  }

  flush(): void {
    this.appender.flushSync();
  }

  async insert(
    table: string,
    rows: readonly (readonly (string | number | boolean | null | string[])[])[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.connection.run(
      `INSERT INTO ${table} VALUES ${rows.map((r) => `(${r.map(literal).join(', ')})`).join(', ')}`,
    );
  }

  close(): void {
    this.appender.closeSync();
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
