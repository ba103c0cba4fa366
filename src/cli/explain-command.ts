import { loadConfig } from '../config/load-config.js';
import { decisionToJson } from '../engine/decision-view.js';
import { formatUsd } from '../engine/money.js';
import { planRoute } from '../engine/planner.js';
import { detectInBody } from '../engine/detect-sensitive.js';
import { redactBody } from '../engine/redact-body.js';
import type { Masking } from '../engine/redaction.js';
import { buildFacts, NO_SPEND, parseTagList } from '../engine/request-facts.js';
import { ChatCompletionRequestSchema } from '../engine/request-schema.js';
import { parsePositiveInt, UsageError } from './cli-error.js';
import { readRequestBody } from './read-request.js';
import { createTable, renderTable } from './table.js';
import type { Decision } from '../engine/decision.js';

export interface ExplainOptions {
  config: string;
  tenant: string;
  tags?: string;
  sloMs?: string;
  at?: string;
  json?: boolean;
}

function renderDecision(d: Decision, tenant: string, inputTokens: number): string {
  const lines = [
    `tenant ${tenant} · model ${d.model} · tags ${d.tags.join(',') || '(none)'} → ${d.sensitivity}${d.residency ? ` · stays in ${d.residency.join(' and ')}` : ''} · ~${inputTokens} input tokens`,
    `rules fired: ${d.rulesFired.join(', ') || '(none)'}`,
  ];
  if (d.notes.length > 0) lines.push(`notes: ${d.notes.join(', ')}`);
  if (d.denial) lines.push(`DENIED ${d.denial.code}: ${d.denial.message}`);
  if (d.candidates.length > 0) {
    const routes = createTable(['#', 'route', 'kind', 'upstream model', 'expected $', 'max $', 'p95 ms']);
    d.candidates.forEach((c, i) =>
      routes.push([
        i + 1,
        c.route,
        c.kind,
        c.upstreamModel,
        formatUsd(c.expectedCostPico),
        formatUsd(c.maxCostPico),
        c.latencyMs ?? '-',
      ]),
    );
    lines.push('', renderTable(routes));
  }
  if (d.excluded.length > 0) {
    const excluded = createTable(['excluded', 'kind', 'reason', 'why']);
    for (const e of d.excluded) excluded.push([e.route, e.kind, e.reason, e.detail]);
    lines.push('', renderTable(excluded));
  }
  return lines.join('\n');
}

/** "2 spans redacted (person, ssn): level restricted → internal; routes now allowed: …". */
function redactionLine(masking: Masking, before: Decision, after: Decision): string {
  const routes = after.candidates.map((c) => c.route);
  return `${masking.count} span${masking.count === 1 ? '' : 's'} redacted (${[...masking.kinds].sort().join(', ')}): level ${before.sensitivity} → ${after.sensitivity}; routes now allowed: ${routes.join(', ') || 'none'}`;
}

export async function explain(file: string, options: ExplainOptions): Promise<number> {
  const nowMs = options.at === undefined ? Date.now() : Date.parse(options.at);
  if (Number.isNaN(nowMs)) throw new UsageError(`--at must be an ISO date-time, not '${options.at}'`);
  const body = await readRequestBody(file, ChatCompletionRequestSchema);
  const { routing } = await loadConfig(options.config);
  const tenant = routing.tenants.get(options.tenant);
  if (!tenant)
    throw new UsageError(`unknown tenant '${options.tenant}' (config has: ${[...routing.tenants.keys()].join(', ')})`);
  const tags = parseTagList(options.tags);
  const unknown = tags.filter((t) => !routing.knownTags.has(t));
  if (unknown.length > 0)
    throw new UsageError(
      `unknown tag${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (the config knows: ${[...routing.knownTags].sort().join(', ')})`,
    );
  const hints = {
    tags,
    ...(options.sloMs === undefined ? {} : { sloMs: parsePositiveInt(options.sloMs, '--slo-ms') }),
  };
  // No gateway is asked for the tenant's spend: the decision as for a tenant that has spent nothing today.
  const plan = (sent: unknown, scanned?: readonly string[]) => {
    const facts = buildFacts(
      { endpoint: 'chat', body, sent },
      tenant,
      hints,
      NO_SPEND,
      nowMs,
      scanned ? { scanned } : {},
    );
    return { facts, decision: planRoute(facts, routing) };
  };
  const redacted = tenant.redaction ? await redactBody(body, tenant.redaction.kinds, tenant.scanLimits) : undefined;
  const scanned = redacted?.scanned ?? (tenant.autoTag ? await detectInBody(body, tenant.scanLimits) : undefined);
  const { facts, decision } = plan(redacted?.body ?? body, scanned);
  if (decision.denial?.code === 'model_not_found') throw new UsageError(decision.denial.message);
  const unredacted = redacted && redacted.masking.count > 0 ? plan(body, redacted.before).decision : undefined;
  if (options.json)
    console.log(
      JSON.stringify(
        {
          ...decisionToJson(decision),
          ...(redacted
            ? { redacted: { count: redacted.masking.count, kinds: [...redacted.masking.kinds].sort() } }
            : {}),
        },
        null,
        2,
      ),
    );
  else {
    if (redacted && unredacted) console.log(redactionLine(redacted.masking, unredacted, decision));
    console.log(renderDecision(decision, tenant.id, facts.inputTokens));
  }
  return 0;
}
