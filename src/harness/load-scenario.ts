import { dirname, relative, resolve } from 'node:path';
import { loadConfig, loadConfigObject } from '../config/load-config.js';
import { readDataFile } from '../config/read-data-file.js';
import { hashApiKey } from '../config/tenant-keys.js';
import { ConfigError } from '../engine/errors.js';
import { windowStart } from '../duckdb/log-window.js';
import { usdToPico } from '../engine/money.js';
import { SchemaValidator, type SchemaProblem } from '../engine/schema-errors.js';
import type { RecordedRequests } from './generate-traffic.js';
import type { PreparedOption } from './prepared-option.js';
import { ScenarioSchema, type ScenarioFile, type Traffic } from './scenario-schema.js';
import { readLoggedTraffic } from './traffic-from-log.js';
import { baseCapacity, middle, uncertainInputs, type UncertainInput } from './uncertain-inputs.js';

export interface Scenario {
  readonly path: string;
  readonly file: ScenarioFile;
  /** The traffic profile: the file's, or the one fitted to a decision log (`traffic.from_log`). */
  readonly traffic: Traffic;
  /** With `traffic.from_log`: the logged requests, replayed scaled to each volume. */
  readonly recorded?: RecordedRequests;
  /** Tokens per day at each sweep point, ascending. */
  readonly volumes: readonly number[];
  readonly options: readonly PreparedOption[];
  /** The inputs given as ranges (the options above use their middles). */
  readonly uncertain: readonly UncertainInput[];
}

const validator = new SchemaValidator(ScenarioSchema);

/** The sweep's points: the list as given, or `points` values from `from` to `to` on a log or linear scale. */
export function sweepVolumes(v: ScenarioFile['volume']): number[] {
  if (v.tokens_per_day) return [...v.tokens_per_day].sort((a, b) => a - b);
  const { from = 0, to = 0, points = 2, scale = 'log' } = v;
  return Array.from({ length: points }, (_, i) => {
    const t = i / (points - 1);
    return Math.round(scale === 'log' ? from * (to / from) ** t : from + (to - from) * t);
  });
}

function checkMeaning(file: ScenarioFile): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const v = file.volume;
  if (!v.tokens_per_day && (v.from === undefined || v.to === undefined || v.points === undefined)) {
    problems.push({ path: 'volume', message: 'give tokens_per_day: [..] or a sweep with from, to and points' });
  }
  if (v.from !== undefined && v.to !== undefined && v.from >= v.to)
    problems.push({ path: 'volume.to', message: 'must be greater than from' });
  const positive = (shares: Record<string, number>) => Object.values(shares).some((s) => s > 0);
  if ('from_log' in file.traffic) return problems;
  if (!positive(file.traffic.models))
    problems.push({ path: 'traffic.models', message: 'needs at least one model with a share above 0' });
  if (file.traffic.tenants && !positive(file.traffic.tenants))
    problems.push({ path: 'traffic.tenants', message: 'needs at least one tenant with a share above 0' });
  const tagShare = (file.traffic.tags ?? []).reduce((s, t) => s + t.share, 0);
  if (tagShare > 1 + 1e-9)
    problems.push({ path: 'traffic.tags', message: `shares add up to ${tagShare}, more than 1` });
  const ids = file.options.map((o) => o.id);
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) problems.push({ path: `options[${i}].id`, message: `option id '${id}' is used twice` });
  });
  file.options.forEach((o, i) =>
    (o.capacity ?? []).forEach((c, j) => {
      if ((c.unit_per_day_usd === undefined) === (c.unit_per_hour_usd === undefined))
        problems.push({
          path: `options[${i}].capacity[${j}]`,
          message: 'give exactly one of unit_per_day_usd or unit_per_hour_usd',
        });
      if (c.per_unit === 'measured' && (c.metric !== 'tokens_per_second' || !c.route))
        problems.push({
          path: `options[${i}].capacity[${j}].per_unit`,
          message: "'measured' is a route's tokens per second: give metric: tokens_per_second and the route",
        });
    }),
  );
  return problems;
}

/** Inline option configs name no tenants: the traffic's tenants are added, with no budgets. */
function withTenants(config: Record<string, unknown>, tenants: readonly string[]): Record<string, unknown> {
  if (config.tenants) return config;
  return {
    ...config,
    tenants: tenants.map((id) => ({ id, api_keys: [`sha256:${hashApiKey(`scenario-tenant:${id}`)}`] })),
  };
}

/**
 * Reads and checks a scenario file, and loads every option's config through the same loader and checks as
 * `switchyard.yaml` (so an option is exactly what the gateway would run). Every problem is reported with
 * its path; relative paths are relative to the scenario file.
 */
export async function loadScenario(path: string): Promise<Scenario> {
  const absolute = resolve(path);
  const source = relative(process.cwd(), absolute) || absolute;
  const raw = await readDataFile(absolute, source);
  const problems = validator.problems(raw);
  if (problems.length === 0) problems.push(...checkMeaning(raw as ScenarioFile));
  if (problems.length > 0) throw new ConfigError(source, problems);
  const file = raw as ScenarioFile;
  // Recorded traffic: the log's requests, and a profile fitted to them for everything that reads a profile.
  let traffic: Traffic;
  let recorded: RecordedRequests | undefined;
  if ('from_log' in file.traffic) {
    const { from_log, since, slo_ms } = file.traffic;
    const sinceMs = since === undefined ? undefined : windowStart(since, Date.now());
    if (Number.isNaN(sinceMs))
      throw new ConfigError(source, [
        { path: 'traffic.since', message: `must be like 7d, 12h or an ISO date, not '${since}'` },
      ]);
    try {
      const logged = await readLoggedTraffic(resolve(dirname(absolute), from_log), sinceMs);
      traffic = { ...logged.traffic, ...(slo_ms === undefined ? {} : { slo_ms }) };
      recorded = logged.recorded;
    } catch (err) {
      throw new ConfigError(source, [{ path: 'traffic.from_log', message: (err as Error).message }]);
    }
  } else traffic = file.traffic;
  const tenants = Object.keys(traffic.tenants ?? { scenario: 1 });

  const options: PreparedOption[] = [];
  for (const [i, o] of file.options.entries()) {
    let loaded;
    try {
      loaded =
        typeof o.config === 'string'
          ? await loadConfig(resolve(dirname(absolute), o.config))
          : await loadConfigObject(withTenants(o.config, tenants), absolute);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      throw new ConfigError(
        source,
        err.problems.map((p) => ({ path: `options[${i}].config.${p.path}`, message: p.message })),
      );
    }
    const routing = loaded.routing;
    const missing = tenants.filter((t) => !routing.tenants.has(t));
    if (missing.length > 0)
      throw new ConfigError(source, [
        { path: `options[${i}].config`, message: `has no tenant ${missing.join(', ')} that the traffic uses` },
      ]);
    (o.capacity ?? []).forEach((c, j) => {
      if (c.route && !routing.routes.some((r) => r.id === c.route))
        throw new ConfigError(source, [
          { path: `options[${i}].capacity[${j}].route`, message: `no route '${c.route}' in this option` },
        ]);
    });
    const prepared: PreparedOption = {
      id: o.id,
      label: o.label ?? o.id,
      routing,
      file: loaded.file,
      configPath: loaded.path,
      // A range's middle is the base run's value.
      fixedPerDay: Object.entries(o.fixed_per_day_usd ?? {}).map(([name, usd]) => ({
        name,
        pico: usdToPico(middle(usd)),
      })),
      capacity: baseCapacity(o.capacity),
    };
    options.push(prepared);
  }
  const uncertain = uncertainInputs(file);
  for (const input of uncertain.filter((u) => u.reroutes))
    options[input.option] = await input.apply(options[input.option] as PreparedOption, input.base);
  const days = file.days ?? 1;
  (file.outages ?? []).forEach((o, j) => {
    if (!options.some((opt) => opt.routing.routes.some((r) => r.id === o.route)))
      throw new ConfigError(source, [{ path: `outages[${j}].route`, message: `no option has a route '${o.route}'` }]);
    if (o.from_hour >= days * 24)
      throw new ConfigError(source, [
        { path: `outages[${j}].from_hour`, message: `the replay has ${days * 24} hours (days: ${days})` },
      ]);
  });
  return {
    path: absolute,
    file,
    traffic,
    ...(recorded ? { recorded } : {}),
    volumes: sweepVolumes(file.volume),
    options,
    uncertain,
  };
}
