import { Type, type Static } from '@sinclair/typebox';

/** The Messages request body `/v1/messages` accepts; fields it does not read pass through to the translation. */
export const MessagesRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    max_tokens: Type.Integer({ minimum: 1 }),
    messages: Type.Array(
      Type.Object(
        { role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]), content: Type.Union([Type.String(), Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true }))]) },
        { additionalProperties: true },
      ),
      { minItems: 1 },
    ),
    system: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Object({ type: Type.String() }, { additionalProperties: true }))])),
    stream: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);
export type MessagesRequest = Static<typeof MessagesRequestSchema>;
