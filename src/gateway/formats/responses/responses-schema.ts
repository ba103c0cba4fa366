import { Type, type Static } from '@sinclair/typebox';
import { ModelName, requiredWhenType } from '../../../engine/request-schema.js';

/** An input item: a message (typed or not), a function call the model made, or a function's output. */
const InputItem = Type.Object(
  {
    type: Type.Optional(Type.String()),
    role: Type.Optional(Type.String()),
    content: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true }))]),
    ),
    call_id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    arguments: Type.Optional(Type.String()),
    output: Type.Optional(Type.Unknown()),
  },
  {
    additionalProperties: true,
    allOf: [
      requiredWhenType('function_call', 'call_id', 'name', 'arguments'),
      requiredWhenType('function_call_output', 'call_id', 'output'),
    ],
  },
);

const Tool = Type.Object(
  { type: Type.String(), name: Type.Optional(Type.String()) },
  { additionalProperties: true, allOf: [requiredWhenType('function', 'name')] },
);

/** The Responses request body `POST /v1/responses` accepts; what the translation cannot honour is refused by name. */
export const ResponsesRequestSchema = Type.Object(
  {
    model: ModelName,
    input: Type.Union([Type.String(), Type.Array(InputItem, { minItems: 1 })]),
    instructions: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    tools: Type.Optional(Type.Array(Tool)),
    tool_choice: Type.Optional(
      Type.Union([
        Type.String(),
        Type.Object({ type: Type.String(), name: Type.Optional(Type.String()) }, { additionalProperties: true }),
      ]),
    ),
    max_output_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    metadata: Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    text: Type.Optional(
      Type.Object(
        { format: Type.Optional(Type.Object({ type: Type.String() }, { additionalProperties: true })) },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);
export type ResponsesRequest = Static<typeof ResponsesRequestSchema>;
