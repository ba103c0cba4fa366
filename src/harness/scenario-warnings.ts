import type { PointCost } from './daily-costs.js';
import type { Scenario } from './load-scenario.js';
import type { ScenarioDb } from './scenario-db.js';

/** One kind of denied traffic: which requests (their model and tags) an option refused, and why. */
export interface DeniedTraffic {
  readonly code: string;
  readonly model: string;
  readonly tags: readonly string[];
  readonly requests: number;
  /** Of the option's requests (0–1). */
  readonly share: number;
}

/** Something that changes what a comparison means: said loudly in the console, both reports and the summary. */
export interface ScenarioWarning {
  readonly kind: 'denied' | 'substituted' | 'capacity_exceeded' | 'options_differ';
  readonly option?: string;
  /** Of the option's requests (0–1), where it applies. */
  readonly share?: number;
  readonly message: string;
  /** With `denied`: the traffic missing from the option's price, by reason, model and tags. */
  readonly denied?: readonly DeniedTraffic[];
}

const pct = (share: number) => `${(share * 100).toFixed(share < 0.001 ? 3 : 1)} %`;

/** `model_not_found: mystery-model 3,767; no_eligible_route: gpt-5 [phi] 120`: the missing traffic by reason. */
function deniedList(denied: readonly DeniedTraffic[]): string {
  const byCode = new Map<string, string[]>();
  for (const d of denied) {
    const what = `${d.model}${d.tags.length > 0 ? ` [${d.tags.join(', ')}]` : ''} ${d.requests.toLocaleString('en-US')}`;
    byCode.set(d.code, [...(byCode.get(d.code) ?? []), what]);
  }
  return [...byCode].map(([code, list]) => `${code}: ${list.join(', ')}`).join('; ');
}

/**
 * What the numbers do not show by themselves, from the replayed rows of the swept volumes: requests an option
 * denied (priced at $0, so the option looks cheaper) with the reasons; requests served by another model than
 * asked (a rule's on-prem model, a downgrade, a fallback); volumes needing more capacity units than there are;
 * and options that do not serve the same thing, which makes their costs not the same comparison.
 */
export async function scenarioWarnings(
  db: ScenarioDb,
  scenario: Scenario,
  sweepPoints: readonly number[],
  costs: readonly PointCost[],
): Promise<ScenarioWarning[]> {
  const ids = scenario.options.map((o) => o.id);
  const points = sweepPoints.length > 0 ? sweepPoints.join(', ') : '-1';
  const rows = async <T>(sql: string) => (await db.connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
  const totals = new Map(
    (
      await rows<{ option_id: number; n: string }>(
        `SELECT option_id, count(*)::BIGINT AS n FROM requests WHERE point IN (${points}) GROUP BY ALL`,
      )
    ).map((r) => [r.option_id, Number(r.n)]),
  );
  const warnings: ScenarioWarning[] = [];
  const denials = await rows<{ option_id: number; denial: string; model: string; tags: string[]; n: string }>(`
    SELECT r.option_id, r.denial, m.model, g.tags, count(*)::BIGINT AS n
      FROM requests r JOIN models m ON m.model_id = r.model_id JOIN tagsets g ON g.tagset_id = r.tagset_id
     WHERE r.point IN (${points}) AND r.denial IS NOT NULL GROUP BY ALL ORDER BY r.option_id, r.denial, n DESC, m.model`);
  for (const [optionId, id] of ids.entries()) {
    const total = totals.get(optionId) ?? 1;
    const denied = denials
      .filter((d) => d.option_id === optionId)
      .map((d): DeniedTraffic => ({
        code: d.denial,
        model: d.model,
        tags: d.tags,
        requests: Number(d.n),
        share: Number(d.n) / total,
      }));
    if (denied.length === 0) continue;
    const share = denied.reduce((s, d) => s + d.requests, 0) / total;
    warnings.push({
      kind: 'denied',
      option: id,
      share,
      message: `${id} denies ${pct(share)} of requests (${deniedList(denied)}); they are priced at $0, so ${id} looks cheaper than it is`,
      denied,
    });
  }
  const subs = await rows<{ option_id: number; asked: string; served: string; n: string }>(`
    SELECT r.option_id, m.model AS asked, sm.model AS served, count(*)::BIGINT AS n
      FROM requests r JOIN models m ON m.model_id = r.model_id JOIN models sm ON sm.model_id = r.served_model_id
     WHERE r.point IN (${points}) AND r.served_model_id <> r.model_id GROUP BY ALL ORDER BY r.option_id, n DESC`);
  for (const s of subs) {
    const share = Number(s.n) / (totals.get(s.option_id) ?? 1);
    warnings.push({
      kind: 'substituted',
      option: ids[s.option_id],
      share,
      message: `${ids[s.option_id]} serves ${pct(share)} of its requests (asking for ${s.asked}) with ${s.served}`,
    });
  }
  for (const c of costs) {
    for (const u of c.capacityUnits) {
      if (u.max !== undefined && u.units > u.max) {
        warnings.push({
          kind: 'capacity_exceeded',
          option: c.option,
          message: `${c.option} needs ${u.units} × ${u.name} at ${c.tokensPerDay.toLocaleString('en-US')} tokens/day, but has at most ${u.max} (priced as if bought)`,
        });
      }
    }
  }
  // Options that serve different things: compare what each does with each requested model.
  const served = await rows<{ option_id: number; asked: string; outcome: string }>(`
    SELECT DISTINCT r.option_id, m.model AS asked, coalesce(sm.model, 'denied') AS outcome
      FROM requests r JOIN models m ON m.model_id = r.model_id LEFT JOIN models sm ON sm.model_id = r.served_model_id
     WHERE r.point IN (${points})`);
  const profile = (optionId: number) =>
    served
      .filter((s) => s.option_id === optionId)
      .map((s) => `${s.asked}→${s.outcome}`)
      .sort()
      .join(',');
  const profiles = new Set(ids.map((_, i) => profile(i)));
  if (profiles.size > 1) {
    warnings.push({
      kind: 'options_differ',
      message: `the options do not serve the same thing (${ids
        .map(
          (id, i) =>
            `${id}: ${
              served
                .filter((s) => s.option_id === i && s.asked !== s.outcome)
                .map((s) => `${s.asked} → ${s.outcome}`)
                .join(', ') || 'as asked'
            }`,
        )
        .join('; ')}): their costs compare different services`,
    });
  }
  return warnings;
}
