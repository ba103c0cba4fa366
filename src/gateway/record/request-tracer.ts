import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { LogRow } from '../../duckdb/log-row.js';

export interface TelemetrySettings {
  /** The collector's OTLP/HTTP base URL; spans go to `{otlp_endpoint}/v1/traces`. */
  readonly otlp_endpoint: string;
  readonly service_name?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The wire format's provider name, as the GenAI conventions spell it. */
const PROVIDER_OF_FORMAT: Record<string, string> = { openai: 'openai', anthropic: 'anthropic' };

/**
 * One span per request, exported over OTLP/HTTP in batches off the request path: the OpenTelemetry GenAI
 * semantic conventions (`gen_ai.*`: operation, provider, request and response model, token usage) plus what
 * Switchyard decided (`switchyard.*`: tenant, route, rules, sensitivity, cost, attempts). Made from the decision
 * log row, so the trace and the log always say the same; prompts and answers are never in it.
 */
export class RequestTracer {
  private constructor(
    private readonly provider: TracerProvider,
    private readonly tracer: ReturnType<TracerProvider['getTracer']>,
  ) {}

  static create(settings: TelemetrySettings, version: string): RequestTracer {
    const exporter = new OTLPTraceExporter({
      url: `${settings.otlp_endpoint.replace(/\/$/, '')}/v1/traces`,
      headers: { ...settings.headers },
    });
    const provider = new TracerProvider({
      resource: resourceFromAttributes({
        'service.name': settings.service_name ?? 'switchyard',
        'service.version': version,
      }),
      spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
    });
    return new RequestTracer(provider, provider.getTracer('switchyard', version));
  }

  /** The span of a finished request, from its log row; `format` is the served route's wire format. */
  record(row: LogRow, format: string | undefined, endMs: number): void {
    const operation = row.endpoint === 'embeddings' ? 'embeddings' : 'chat';
    const provider = format ? PROVIDER_OF_FORMAT[format] : undefined;
    const attributes: Attributes = {
      'gen_ai.operation.name': operation,
      'gen_ai.request.model': row.requestedModel,
      'gen_ai.usage.input_tokens': row.inputTokens,
      'gen_ai.usage.output_tokens': row.outputTokens,
      'switchyard.tenant': row.tenant,
      'switchyard.sensitivity': row.sensitivity,
      'switchyard.tags': [...row.tags],
      'switchyard.rules': [...row.rules],
      'switchyard.cost_usd': Number(row.costPico) / 1e12,
      'switchyard.attempts': row.attempts.map((a) => `${a.route} ${a.status} ${a.ms}ms`),
      'switchyard.request_id': row.requestId,
      'switchyard.stream': row.stream,
      'http.response.status_code': row.status,
    };
    if (provider) attributes['gen_ai.provider.name'] = provider;
    if (row.upstreamModel) attributes['gen_ai.response.model'] = row.upstreamModel;
    if (row.route) attributes['switchyard.route'] = row.route;
    if (row.routeKind) attributes['switchyard.route_kind'] = row.routeKind;
    if (row.cachedTokens > 0) attributes['gen_ai.usage.cache_read.input_tokens'] = row.cachedTokens;
    if (row.errorCode) attributes['error.type'] = row.errorCode;
    const span = this.tracer.startSpan(`${operation} ${row.requestedModel}`, {
      kind: SpanKind.CLIENT,
      startTime: row.ts,
      attributes,
    });
    if (row.errorCode) span.setStatus({ code: SpanStatusCode.ERROR, message: row.errorCode });
    span.end(endMs);
  }

  /** Sends what is buffered and stops. */
  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}
