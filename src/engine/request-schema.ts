import { Type, type Static } from '@sinclair/typebox';

/**
 * The OpenAI request bodies the gateway accepts. Only what Switchyard reads is checked; every other field
 * (tools, response_format, n, stop, …) passes through to the upstream untouched.
 */

/**
 * A model name as callers send it: printable ASCII, no spaces or control characters, at most 256
 * characters. It is echoed in a response header, error messages and every report, so a longer or stranger
 * one is the caller's error (400), never a header the gateway fails to write.
 */
export const ModelName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[!-~]+$' });

/** JSON Schema's if/then: an object whose `type` is `type` must have these properties. */
export const requiredWhenType = (type: string, ...required: string[]) => ({
  if: { properties: { type: { const: type } }, required: ['type'] },
  then: { required },
});

// What the translators read is checked (a missing or mistyped field is a 400 naming it, not a crash in a
// translation); every other field passes through to the upstream untouched.
const ContentPart = Type.Object(
  {
    type: Type.String({ minLength: 1 }),
    text: Type.Optional(Type.String()),
    image_url: Type.Optional(
      Type.Union([Type.String(), Type.Object({ url: Type.String() }, { additionalProperties: true })]),
    ),
  },
  { additionalProperties: true, allOf: [requiredWhenType('text', 'text'), requiredWhenType('image_url', 'image_url')] },
);
const ToolCall = Type.Object(
  {
    id: Type.String(),
    type: Type.Optional(Type.String()),
    function: Type.Object(
      { name: Type.String({ minLength: 1 }), arguments: Type.String() },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);
const Tool = Type.Object(
  {
    type: Type.String(),
    function: Type.Object(
      {
        name: Type.String({ minLength: 1 }),
        description: Type.Optional(Type.String()),
        parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

export const ChatMessageSchema = Type.Object(
  {
    role: Type.String({ minLength: 1 }),
    content: Type.Optional(Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()])),
    tool_calls: Type.Optional(Type.Union([Type.Array(ToolCall), Type.Null()])),
    tool_call_id: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const TokenLimit = Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]));

export const ChatCompletionRequestSchema = Type.Object(
  {
    model: ModelName,
    messages: Type.Array(ChatMessageSchema, { minItems: 1 }),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(
      Type.Union([
        Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true }),
        Type.Null(),
      ]),
    ),
    max_tokens: TokenLimit,
    max_completion_tokens: TokenLimit,
    tools: Type.Optional(Type.Union([Type.Array(Tool), Type.Null()])),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String()), Type.Null()])),
    /** Answers asked for; each bills its own output (OpenAI allows up to 128). */
    n: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 128 }), Type.Null()])),
    /**
     * OpenRouter's model fallbacks: models to serve the request with, in order, when `model` cannot be (not sent
     * upstream).
     */
    models: Type.Optional(Type.Array(ModelName, { maxItems: 8 })),
  },
  { additionalProperties: true },
);
export type ChatCompletionRequest = Static<typeof ChatCompletionRequestSchema>;

export const EmbeddingsRequestSchema = Type.Object(
  {
    model: ModelName,
    input: Type.Union([
      Type.String(),
      Type.Array(Type.String()),
      Type.Array(Type.Integer()),
      Type.Array(Type.Array(Type.Integer())),
    ]),
  },
  { additionalProperties: true },
);
export type EmbeddingsRequest = Static<typeof EmbeddingsRequestSchema>;
