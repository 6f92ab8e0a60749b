/**
 * The bodies of GET /healthz and GET /readyz.
 */
import { Type, type Static } from '@sinclair/typebox';

export const HealthSchema = Type.Object(
  { status: Type.Literal('ok') },
  { $id: 'Health', additionalProperties: false, description: 'The process is alive and its event loop answers.' },
);

export const ReadinessSchema = Type.Object(
  {
    status: Type.Literal('ready'),
    workers: Type.Integer({ minimum: 0, description: 'Worker threads currently running.' }),
    queued: Type.Integer({ minimum: 0, description: 'Loss requests waiting for a free worker.' }),
  },
  {
    $id: 'Readiness',
    additionalProperties: false,
    description: 'The worker pool is running and the service is not shutting down: send traffic here.',
  },
);

export type Health = Static<typeof HealthSchema>;
export type Readiness = Static<typeof ReadinessSchema>;
