// The least work the same round trip can do, for the benchmark's small-JSON comparison: a bare
// Fastify route that parses the same JSON body (Fastify's default parser, the same body limit)
// and replies with an array of the gradient's size (the logits, flattened). No schema, no
// validation, no worker, no logging.
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: Number(process.env.BODY_LIMIT ?? 67108864) });
app.post('/loss', async (request, reply) => {
  const logits = request.body.logits;
  const flat = Array.isArray(logits[0]) ? logits.flat() : logits;
  return reply.type('application/json; charset=utf-8').send(JSON.stringify({ loss: 0, gradient: flat }));
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log(JSON.stringify({ msg: 'Server listening' }));
