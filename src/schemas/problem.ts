/**
 * RFC 9457 problem details (application/problem+json), the body of every error response.
 */
import { Type, type Static } from '@sinclair/typebox';

export const FieldErrorSchema = Type.Object(
  {
    pointer: Type.String({ description: 'JSON pointer fragment into the request body, e.g. "#/logits/3/1".' }),
    detail: Type.String({ description: 'Why the value is rejected.' }),
  },
  { additionalProperties: false },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the kind of problem; stable, one per error code.' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'The stable error code, the last segment of `type`.' }),
    instance: Type.Optional(Type.String({ description: 'The request id (also in the x-request-id header).' })),
    errors: Type.Optional(Type.Array(FieldErrorSchema, { description: 'Each offending field and why.' })),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details.' },
);

export type Problem = Static<typeof ProblemSchema>;
