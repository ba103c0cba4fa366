import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WIRE_FORMATS } from '../gateway/formats/registry.js';
import { SSE_FRAMING, type Json } from '../gateway/formats/wire-format.js';
import type { WireFormatId } from '../engine/config-schema.js';
import type { MockBehavior } from './mock-behavior.js';
import {
  azureRefusal,
  bedrockRefusal,
  errorBodyOf,
  geminiRefusal,
  vertexRefusal,
  type Refusal,
} from './cloud-refusals.js';

/**
 * A real upstream on loopback, standing in for a provider, an aggregator or an on-prem model server. It
 * speaks OpenAI's format (chat completions as JSON and SSE with the usage chunk when asked, embeddings) or
 * Anthropic's Messages API (JSON and its event stream). It counts what it receives, so tests can prove
 * that a route received not one byte.
 */

export type { MockBehavior } from './mock-behavior.js';

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
  readonly stats: { requests: number; bytes: number; closedEarly: number; completed: number };
  readonly received: ReceivedRequest[];
  behave(behavior: MockBehavior): void;
  /** Resolves when a client has hung up on an unfinished response. */
  nextEarlyClose(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const words = (text: string) => text.split(/(?<= )/);
/** Each piece cut in two: no word (no placeholder) arrives in one chunk. */
const halves = (pieces: readonly string[]) =>
  pieces.flatMap((p) => (p.length < 2 ? [p] : [p.slice(0, p.length >> 1), p.slice(p.length >> 1)]));
const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => String((p as { text?: unknown }).text ?? '')).join('')
      : '';
const approxTokens = (value: unknown) => Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));

function completionText(
  body: Record<string, unknown>,
  behavior: MockBehavior,
  name: string,
): { text?: string; toolCall?: { name: string; arguments: string } } {
  const messages = (body.messages as { role: string; content?: unknown }[] | undefined) ?? [];
  const last = messages[messages.length - 1];
  const tools = body.tools as { function: { name: string } }[] | undefined;
  // Echo: the last user message back, as the text or in a tool call's arguments (a model quoting its prompt).
  const said = behavior.echo ? textOf(messages.filter((m) => m.role === 'user').at(-1)?.content) : undefined;
  if (tools?.length && last?.role !== 'tool')
    return {
      toolCall: {
        name: tools[0]!.function.name,
        arguments: said === undefined ? '{"city":"Paris"}' : JSON.stringify({ note: said }),
      },
    };
  if (said !== undefined) return { text: said };
  if (last?.role === 'tool') return { text: `The tool said: ${String(last.content)}` };
  return { text: behavior.reply ?? `Hello from ${name}.` };
}

function usageOf(body: Record<string, unknown>, completionTokens: number, behavior: MockBehavior) {
  if (behavior.usage) {
    const { prompt_tokens, completion_tokens } = behavior.usage;
    return {
      prompt_tokens,
      completion_tokens,
      total_tokens: prompt_tokens + completion_tokens,
      ...(behavior.cachedTokens ? { prompt_tokens_details: { cached_tokens: behavior.cachedTokens } } : {}),
    };
  }
  const prompt = approxTokens(body.messages ?? body.input);
  return {
    prompt_tokens: prompt,
    completion_tokens: completionTokens,
    total_tokens: prompt + completionTokens,
    ...(behavior.cachedTokens ? { prompt_tokens_details: { cached_tokens: behavior.cachedTokens } } : {}),
  };
}

/**
 * Writes stream bytes with the behaviour's pacing, line ends and fragmentation, or resets the connection
 * part way. Real upstreams split events at arbitrary byte boundaries and may end lines with CRLF.
 */
async function writeEvents(res: ServerResponse, events: readonly Buffer[], behavior: MockBehavior): Promise<void> {
  for (let i = 0; i < events.length; i++) {
    if (behavior.resetAfterChunks !== undefined && i >= behavior.resetAfterChunks) {
      res.socket?.destroy();
      return;
    }
    if (res.destroyed) return;
    const bytes = events[i] as Buffer;
    const step = behavior.fragmentBytes ?? bytes.length;
    for (let at = 0; at < bytes.length; at += step) {
      res.write(bytes.subarray(at, at + step));
      // Separate writes reach the socket as separate TCP segments only if time passes between them.
      if (behavior.fragmentBytes) await new Promise((r) => setImmediate(r));
    }
    if (behavior.chunkDelayMs) await sleep(behavior.chunkDelayMs);
  }
  res.end();
}

/** The answer a chat request gets, in the gateway's own (OpenAI) shape: a completion or its chunks. */
function chatAnswer(body: Record<string, unknown>, behavior: MockBehavior, name: string, format: MockFormat) {
  const id =
    format === 'anthropic' ? `msg_${name}_${Date.now().toString(36)}` : `chatcmpl-${name}-${Date.now().toString(36)}`;
  const model = String(body.model);
  const created = Math.floor(Date.now() / 1000);
  const { text, toolCall } = completionText(body, behavior, name);
  const whole = text === undefined ? [] : words(text);
  const pieces = behavior.halves ? halves(whole) : whole;
  const usage = usageOf(body, Math.max(1, pieces.length), behavior);
  const finish = toolCall ? 'tool_calls' : 'stop';
  const toolCalls = toolCall
    ? [{ id: format === 'anthropic' ? 'toolu_1' : 'call_1', type: 'function', function: toolCall }]
    : undefined;
  const completion = {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text ?? null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        finish_reason: finish,
      },
    ],
    ...(behavior.omitUsage ? {} : { usage }),
    ...(behavior.padBytes ? { padding: 'x'.repeat(behavior.padBytes) } : {}),
  };
  const chunk = (delta: object, finishReason: string | null): Json => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const chunks = [chunk({ role: 'assistant', content: '' }, null)];
  if (toolCalls && behavior.halves) {
    const [a = '', b = ''] = halves([toolCalls[0]!.function.arguments]);
    const call = toolCalls[0]!;
    chunks.push(chunk({ tool_calls: [{ index: 0, ...call, function: { ...call.function, arguments: a } }] }, null));
    chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: b } }] }, null));
  } else if (toolCalls) chunks.push(chunk({ tool_calls: [{ index: 0, ...toolCalls[0] }] }, null));
  for (const piece of pieces) chunks.push(chunk({ content: piece }, null));
  chunks.push(chunk({}, finish));
  // Anthropic's stream always ends with its usage; OpenAI's only when asked.
  const includeUsage =
    format === 'anthropic' || (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  if (includeUsage && !behavior.omitUsage)
    chunks.push({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
  return { completion, chunks };
}

/**
 * A prompt the provider's safety filter stopped, answered with a 200 as Bedrock's guardrails and Gemini's safety
 * settings do: no text, the finish reason saying why.
 */
function filteredAnswer(request: Json) {
  const finish = { index: 0, finish_reason: 'content_filter' };
  const usage = { prompt_tokens: approxTokens(request.messages), completion_tokens: 0, total_tokens: 0 };
  const base = { id: 'filtered', created: 0, model: String(request.model) };
  return {
    completion: {
      ...base,
      object: 'chat.completion',
      choices: [{ ...finish, message: { role: 'assistant', content: '' } }],
      usage,
    },
    chunks: [
      { ...base, object: 'chat.completion.chunk', choices: [{ ...finish, delta: { role: 'assistant', content: '' } }] },
      { ...base, object: 'chat.completion.chunk', choices: [], usage },
    ],
  };
}

/** Answers a chat request in the route's format, written (and framed) by that format's own caller side. */
async function answerChat(
  res: ServerResponse,
  body: Record<string, unknown>,
  path: string,
  behavior: MockBehavior,
  name: string,
  format: MockFormat,
): Promise<void> {
  const wire = WIRE_FORMATS[format];
  const request = wire.readRequest(body, path);
  const { completion, chunks } = behavior.contentFilter
    ? filteredAnswer(request)
    : chatAnswer(request, behavior, name, format);
  if (request.stream !== true) {
    const text = wire.writeAnswer(completion);
    // Chunked unless asked to declare the length up front (both are common).
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(behavior.declareLength ? { 'content-length': Buffer.byteLength(text) } : {}),
    });
    res.end(text);
    return;
  }
  const framing = wire.framing ?? SSE_FRAMING;
  const binary = framing !== SSE_FRAMING;
  res.writeHead(200, {
    'content-type': binary ? 'application/vnd.amazon.eventstream' : 'text/event-stream',
    'cache-control': 'no-cache',
  });
  if (behavior.emptyStream) {
    res.end();
    return;
  }
  const writer = wire.createStreamWriter();
  const events = chunks.map((chunk) => writer.write({ chunk })).filter((e) => e.length > 0);
  if (behavior.streamError)
    events.splice(
      Math.min(2, events.length),
      0,
      writer.write({ error: { message: behavior.streamError, code: 'overloaded_error' } }),
    );
  events.push(writer.end());
  const lineEnds = (e: string) => (behavior.crlf ? e.replace(/\n/g, '\r\n') : e);
  await writeEvents(
    res,
    events.map((e) => Buffer.from(framing.frame(lineEnds(e)))),
    behavior,
  );
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
        const embedding =
          body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
        return { object: 'embedding', index, embedding };
      }),
      usage: { prompt_tokens: prompt, total_tokens: prompt },
    }),
  );
}

export type MockFormat = WireFormatId;

const BASE_PATH: Partial<Record<MockFormat, string>> = { anthropic: '', bedrock: '', vertex: '', gemini: '/v1beta' };

/** What the provider the mock stands for refuses before answering (credentials, paths, its content filter). */
function refusalOf(
  format: MockFormat,
  req: IncomingMessage,
  path: string,
  raw: string,
  b: MockBehavior,
): Refusal | undefined {
  if (format === 'azure-openai') return azureRefusal(req, path, b);
  if (format === 'bedrock') return bedrockRefusal(req, path, raw, b);
  if (format === 'gemini') return geminiRefusal(req, path);
  if (format === 'vertex') return vertexRefusal(req, b);
  return undefined;
}

/** Starts a mock upstream on 127.0.0.1 (a free port unless `port` is given). */
export async function startMockUpstream(
  name: string,
  initial: MockBehavior = {},
  port = 0,
  format: MockFormat = 'openai',
): Promise<MockUpstream> {
  let behavior = initial;
  /** Requests failed so far under the current behaviour's `failTimes`. */
  let failed = 0;
  /** Whether this request is one of the `failTimes` that fail (and counts it). */
  const failsThisTime = (b: MockBehavior) => {
    if (failed >= (b.failTimes ?? 0)) return false;
    failed++;
    return true;
  };
  const stats = { requests: 0, bytes: 0, closedEarly: 0, completed: 0 };
  const received: ReceivedRequest[] = [];
  let earlyCloseWaiters: (() => void)[] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      stats.bytes += c.length;
      chunks.push(c);
    });
    res.on('close', () => {
      if (res.writableFinished) stats.completed++;
      else {
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
          res.writeHead(400, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              error: { message: 'invalid JSON', type: 'invalid_request_error', code: null, param: null },
            }),
          );
          return;
        }
        received.push({ path, headers: req.headers, body });
        // A request may carry its own behaviour in a `mock` field (tests mixing outcomes in one burst).
        const b: MockBehavior = { ...behavior, ...(body.mock as MockBehavior | undefined) };
        const delay =
          (b.delayMs ?? 0) + (b.latencyMs ? b.latencyMs.min + Math.random() * (b.latencyMs.max - b.latencyMs.min) : 0);
        if (delay > 0) await sleep(delay);
        if (res.destroyed) return;
        const failing = b.status !== undefined && b.status >= 400 && (b.failTimes === undefined || failsThisTime(b));
        if (failing && b.status) {
          res.writeHead(b.status, {
            'content-type': 'application/json',
            ...(b.retryAfter === undefined ? {} : { 'retry-after': b.retryAfter }),
          });
          res.end(JSON.stringify(errorBodyOf(format, b.status, b.errorMessage ?? `${name} says ${b.status}`)));
          return;
        }
        const refused = refusalOf(format, req, path, Buffer.concat(chunks).toString('utf8'), b);
        const pathOnly = path.split('?')[0] as string;
        const openAiShaped = format === 'openai' || format === 'azure-openai';
        if (refused)
          res
            .writeHead(refused.status, { 'content-type': 'application/json', ...refused.headers })
            .end(JSON.stringify(refused.body));
        else if (b.malformed) res.writeHead(200, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
        else if (format === 'anthropic' && path === '/v1/messages') await answerChat(res, body, path, b, name, format);
        else if (openAiShaped && pathOnly.endsWith('/chat/completions'))
          await answerChat(res, body, path, b, name, 'openai');
        else if (format === 'openai-responses' && path.endsWith('/responses'))
          await answerChat(res, body, path, b, name, format);
        else if (format === 'bedrock' && /^\/model\/[^/]+\/converse(-stream)?$/.test(pathOnly))
          await answerChat(res, body, path, b, name, format);
        else if (
          (format === 'gemini' || format === 'vertex') &&
          /\/models\/[^/]+:(stream)?[gG]enerateContent$/.test(pathOnly)
        )
          await answerChat(res, body, path, b, name, format);
        else if (openAiShaped && pathOnly.endsWith('/embeddings')) answerEmbeddings(res, body);
        else if (format === 'openai' && req.method === 'GET' && path.endsWith('/models')) {
          // What an OpenAI-compatible server (vLLM, Ollama) lists: `switchyard init --onprem` reads it.
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ object: 'list', data: [{ id: 'llama-3.3-70b', object: 'model' }] }));
        } else
          res.writeHead(404, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              error: { message: `no route ${path}`, type: 'invalid_request_error', code: null, param: null },
            }),
          );
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    // The base URL a route of the format is given: the API's path prefix (OpenAI's `/v1`, Gemini's `/v1beta`), or
    // the origin where the format writes whole paths (Anthropic's /v1/messages, Bedrock's /model/…, Vertex's
    // /v1/projects/…).
    url: `http://127.0.0.1:${bound}${BASE_PATH[format] ?? '/v1'}`,
    name,
    stats,
    received,
    behave(next) {
      behavior = next;
      failed = 0;
    },
    nextEarlyClose: () => new Promise<void>((resolve) => earlyCloseWaiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
