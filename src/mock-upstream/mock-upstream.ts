import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real upstream on loopback, standing in for a provider, an aggregator or an on-prem model server. It
 * speaks OpenAI's format (chat completions as JSON and SSE with the usage chunk when asked, embeddings) or
 * Anthropic's Messages API (JSON and its event stream). It counts what it receives, so tests can prove
 * that a route received not one byte.
 */

export interface MockBehavior {
  /** Answer with this HTTP status and an OpenAI error body instead of a completion. */
  status?: number;
  /** The error body's message, with `status`. */
  errorMessage?: string;
  /** Milliseconds before the response headers. */
  delayMs?: number;
  /** Milliseconds before the response headers, drawn uniformly from this range per request (a latency profile). */
  latencyMs?: { min: number; max: number };
  /** Milliseconds between stream chunks. */
  chunkDelayMs?: number;
  /** Destroy the connection after this many stream chunks (a reset mid-stream). */
  resetAfterChunks?: number;
  /** Report no usage at all (some servers don't). */
  omitUsage?: boolean;
  /** Answer 200 with a body that is not the format's JSON (a broken server or a proxy's error page). */
  malformed?: boolean;
  /** Prompt tokens served from the cache, reported in `prompt_tokens_details.cached_tokens`. */
  cachedTokens?: number;
  /** The assistant's reply; words become stream chunks and completion tokens. */
  reply?: string;
  /** Report exactly these token counts instead of estimating them. */
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export interface MockUpstream {
  /** Base URL including `/v1`, as a route's `base_url`. */
  readonly url: string;
  readonly name: string;
  /** Requests and bytes received; a route that must not be used must keep both at zero. */
  readonly stats: { requests: number; bytes: number; closedEarly: number };
  readonly received: ReceivedRequest[];
  behave(behavior: MockBehavior): void;
  /** Resolves when a client has hung up on an unfinished response. */
  nextEarlyClose(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const words = (text: string) => text.split(/(?<= )/);
const approxTokens = (value: unknown) => Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));

function completionText(body: Record<string, unknown>, behavior: MockBehavior, name: string): { text?: string; toolCall?: { name: string; arguments: string } } {
  const messages = (body.messages as { role: string; content?: unknown }[] | undefined) ?? [];
  const last = messages[messages.length - 1];
  const tools = body.tools as { function: { name: string } }[] | undefined;
  if (tools?.length && last?.role !== 'tool') return { toolCall: { name: tools[0]!.function.name, arguments: '{"city":"Paris"}' } };
  if (last?.role === 'tool') return { text: `The tool said: ${String(last.content)}` };
  return { text: behavior.reply ?? `Hello from ${name}.` };
}

function usageOf(body: Record<string, unknown>, completionTokens: number, behavior: MockBehavior) {
  if (behavior.usage) {
    const { prompt_tokens, completion_tokens } = behavior.usage;
    return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens, ...(behavior.cachedTokens ? { prompt_tokens_details: { cached_tokens: behavior.cachedTokens } } : {}) };
  }
  const prompt = approxTokens(body.messages ?? body.input);
  return {
    prompt_tokens: prompt,
    completion_tokens: completionTokens,
    total_tokens: prompt + completionTokens,
    ...(behavior.cachedTokens ? { prompt_tokens_details: { cached_tokens: behavior.cachedTokens } } : {}),
  };
}

/** Writes stream events with the behaviour's pacing, or resets the connection part way. */
async function writeEvents(res: ServerResponse, events: readonly string[], behavior: MockBehavior): Promise<void> {
  for (let i = 0; i < events.length; i++) {
    if (behavior.resetAfterChunks !== undefined && i >= behavior.resetAfterChunks) {
      res.socket?.destroy();
      return;
    }
    if (res.destroyed) return;
    res.write(events[i]);
    if (behavior.chunkDelayMs) await sleep(behavior.chunkDelayMs);
  }
  res.end();
}

async function answerChat(res: ServerResponse, body: Record<string, unknown>, behavior: MockBehavior, name: string): Promise<void> {
  const id = `chatcmpl-${name}-${Date.now().toString(36)}`;
  const model = String(body.model);
  const created = Math.floor(Date.now() / 1000);
  const { text, toolCall } = completionText(body, behavior, name);
  const pieces = text === undefined ? [] : words(text);
  const usage = usageOf(body, Math.max(1, pieces.length), behavior);
  const finish = toolCall ? 'tool_calls' : 'stop';
  const toolCalls = toolCall ? [{ id: 'call_1', type: 'function', function: toolCall }] : undefined;

  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text ?? null, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, finish_reason: finish }],
        ...(behavior.omitUsage ? {} : { usage }),
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: object, finishReason: string | null) => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '' }, null)];
  if (toolCalls) events.push(chunk({ tool_calls: [{ index: 0, ...toolCalls[0] }] }, null));
  for (const piece of pieces) events.push(chunk({ content: piece }, null));
  events.push(chunk({}, finish));
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  if (includeUsage && !behavior.omitUsage) events.push(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
  events.push('data: [DONE]\n\n');
  await writeEvents(res, events, behavior);
}

function answerEmbeddings(res: ServerResponse, body: Record<string, unknown>) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const prompt = approxTokens(body.input);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      object: 'list',
      model: body.model,
      data: inputs.map((_, index) => {
        const vector = Array.from({ length: 8 }, (_, i) => (index + 1) / (i + 2));
        // The openai SDK asks for base64 (little-endian float32) unless told otherwise.
        const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
        return { object: 'embedding', index, embedding };
      }),
      usage: { prompt_tokens: prompt, total_tokens: prompt },
    }),
  );
}

/** Anthropic's Messages API: the same replies, tool calls and usage as the OpenAI answers, in its shapes. */
async function answerMessages(res: ServerResponse, body: Record<string, unknown>, behavior: MockBehavior, name: string): Promise<void> {
  const id = `msg_${name}_${Date.now().toString(36)}`;
  const model = String(body.model);
  // Reuse the OpenAI decision (reply or tool call) on an OpenAI view of the last turn.
  const messages = (body.messages as { role: string; content: unknown }[]) ?? [];
  const last = messages[messages.length - 1];
  const lastBlocks = Array.isArray(last?.content) ? (last.content as { type: string; content?: unknown }[]) : [];
  const result = lastBlocks.find((b) => b.type === 'tool_result');
  const view = { ...body, messages: [result ? { role: 'tool', content: typeof result.content === 'string' ? result.content : JSON.stringify(result.content) } : { role: 'user' }], tools: (body.tools as { name: string }[] | undefined)?.map((t) => ({ function: { name: t.name } })) };
  const { text, toolCall } = completionText(view, behavior, name);
  const pieces = text === undefined ? [] : words(text);
  const u = usageOf(body, Math.max(1, pieces.length), behavior);
  const usage = { input_tokens: u.prompt_tokens - (behavior.cachedTokens ?? 0), output_tokens: u.completion_tokens, cache_read_input_tokens: behavior.cachedTokens ?? 0, cache_creation_input_tokens: 0 };
  const stop = toolCall ? 'tool_use' : 'end_turn';
  const toolBlock = toolCall ? { type: 'tool_use', id: 'toolu_1', name: toolCall.name, input: JSON.parse(toolCall.arguments) as unknown } : undefined;
  if (body.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content: toolBlock ? [toolBlock] : [{ type: 'text', text }], stop_reason: stop, stop_sequence: null, usage }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const ev = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
  const events = [ev('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }), ev('ping', {})];
  if (toolBlock) {
    events.push(ev('content_block_start', { index: 0, content_block: { ...toolBlock, input: {} } }));
    events.push(ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(toolBlock.input) } }));
  } else {
    events.push(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
    for (const piece of pieces) events.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }));
  }
  events.push(ev('content_block_stop', { index: 0 }), ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }), ev('message_stop', {}));
  await writeEvents(res, events, behavior);
}

export type MockFormat = 'openai' | 'anthropic';

/** Starts a mock upstream on 127.0.0.1 (a free port unless `port` is given). */
export async function startMockUpstream(name: string, initial: MockBehavior = {}, port = 0, format: MockFormat = 'openai'): Promise<MockUpstream> {
  let behavior = initial;
  const stats = { requests: 0, bytes: 0, closedEarly: 0 };
  const received: ReceivedRequest[] = [];
  let earlyCloseWaiters: (() => void)[] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      stats.bytes += c.length;
      chunks.push(c);
    });
    res.on('close', () => {
      if (!res.writableFinished) {
        stats.closedEarly++;
        for (const w of earlyCloseWaiters) w();
        earlyCloseWaiters = [];
      }
    });
    req.on('end', () => {
      stats.requests++;
      void (async () => {
        const path = req.url ?? '/';
        let body: Record<string, unknown> = {};
        try {
          body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'invalid JSON', type: 'invalid_request_error', code: null, param: null } }));
          return;
        }
        received.push({ path, headers: req.headers, body });
        // A request may carry its own behaviour in a `mock` field (tests mixing outcomes in one burst).
        const b: MockBehavior = { ...behavior, ...(body.mock as MockBehavior | undefined) };
        const delay = (b.delayMs ?? 0) + (b.latencyMs ? b.latencyMs.min + Math.random() * (b.latencyMs.max - b.latencyMs.min) : 0);
        if (delay > 0) await sleep(delay);
        if (res.destroyed) return;
        if (b.status && b.status >= 400) {
          const message = b.errorMessage ?? `${name} says ${b.status}`;
          res.writeHead(b.status, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify(
              format === 'anthropic'
                ? { type: 'error', error: { type: b.status >= 500 ? 'api_error' : 'invalid_request_error', message } }
                : { error: { message, type: b.status >= 500 ? 'server_error' : 'invalid_request_error', code: null, param: null } },
            ),
          );
          return;
        }
        if (b.malformed) res.writeHead(200, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
        else if (format === 'anthropic' && path === '/v1/messages') await answerMessages(res, body, b, name);
        else if (format === 'openai' && path.endsWith('/chat/completions')) await answerChat(res, body, b, name);
        else if (format === 'openai' && path.endsWith('/embeddings')) answerEmbeddings(res, body);
        else res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${path}`, type: 'invalid_request_error', code: null, param: null } }));
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    // OpenAI-format routes take the `/v1` base; Anthropic-format routes the origin (the adapter adds /v1/messages).
    url: format === 'anthropic' ? `http://127.0.0.1:${bound}` : `http://127.0.0.1:${bound}/v1`,
    name,
    stats,
    received,
    behave(next) {
      behavior = next;
    },
    nextEarlyClose: () => new Promise<void>((resolve) => earlyCloseWaiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
