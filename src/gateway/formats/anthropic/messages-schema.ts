import { Type, type Static } from '@sinclair/typebox';
import { ModelName, requiredWhenType } from '../../../engine/request-schema.js';

const Source = Type.Object(
  {
    type: Type.String(),
    media_type: Type.Optional(Type.String()),
    data: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
  },
  {
    additionalProperties: true,
    allOf: [requiredWhenType('base64', 'media_type', 'data'), requiredWhenType('url', 'url')],
  },
);

/** A content block: what the translation reads of each kind is required and typed. */
const Block = Type.Object(
  {
    type: Type.String(),
    text: Type.Optional(Type.String()),
    source: Type.Optional(Source),
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    tool_use_id: Type.Optional(Type.String()),
  },
  {
    additionalProperties: true,
    allOf: [
      requiredWhenType('text', 'text'),
      requiredWhenType('image', 'source'),
      requiredWhenType('tool_use', 'id', 'name'),
      requiredWhenType('tool_result', 'tool_use_id'),
    ],
  },
);

const Tool = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    input_schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

/** The Messages request body `/v1/messages` accepts; fields it does not read pass through to the translation. */
export const MessagesRequestSchema = Type.Object(
  {
    model: ModelName,
    max_tokens: Type.Integer({ minimum: 1 }),
    messages: Type.Array(
      Type.Object(
        {
          role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
          content: Type.Union([Type.String(), Type.Array(Block)]),
        },
        { additionalProperties: true },
      ),
      { minItems: 1 },
    ),
    system: Type.Optional(Type.Union([Type.String(), Type.Array(Block)])),
    stream: Type.Optional(Type.Boolean()),
    tools: Type.Optional(Type.Array(Tool)),
    tool_choice: Type.Optional(
      Type.Object(
        { type: Type.String(), name: Type.Optional(Type.String()) },
        { additionalProperties: true, allOf: [requiredWhenType('tool', 'name')] },
      ),
    ),
    stop_sequences: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);
export type MessagesRequest = Static<typeof MessagesRequestSchema>;
