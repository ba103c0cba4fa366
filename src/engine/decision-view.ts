import type { Decision } from './decision.js';
import { formatUsd } from './money.js';

/**
 * A decision as plain JSON for people and programs (`/v1/route/explain`, `switchyard explain --json`, the
 * log): costs in USD strings exact to the micro-dollar beside the exact pico-dollar integers.
 */
export function decisionToJson(decision: Decision) {
  return {
    outcome: decision.denial ? 'deny' : 'route',
    model: decision.model,
    tags: decision.tags,
    sensitivity: decision.sensitivity,
    ...(decision.residency ? { residency: decision.residency } : {}),
    rules_fired: decision.rulesFired,
    routes: decision.candidates.map((c) => ({
      route: c.route,
      kind: c.kind,
      format: c.format,
      model: c.model,
      upstream_model: c.upstreamModel,
      expected_cost_usd: formatUsd(c.expectedCostPico),
      max_cost_usd: formatUsd(c.maxCostPico),
      expected_cost_pico: c.expectedCostPico,
      ...(c.latencyMs === undefined ? {} : { p95_ms: c.latencyMs }),
    })),
    excluded: decision.excluded.map((e) => ({ route: e.route, kind: e.kind, reason: e.reason, detail: e.detail })),
    expected_cost_usd: decision.candidates[0] ? formatUsd(decision.candidates[0].expectedCostPico) : null,
    notes: decision.notes,
    ...(decision.denial ? { denial: decision.denial } : {}),
  };
}
