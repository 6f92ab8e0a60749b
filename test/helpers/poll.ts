/**
 * For a state that announces itself by no event or log line (@fastify/under-pressure's periodic
 * samples, the pool's queue, a replaced worker becoming ready): asks `probe` again until `done`
 * holds. It returns as soon as the state is reached, never after a fixed wait, and fails after
 * `timeoutMs` with the last answer.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; everyMs?: number; what?: string } = {},
): Promise<T> {
  const { timeoutMs = 20_000, everyMs = 10, what = 'the expected state' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached after ${timeoutMs} ms; last: ${JSON.stringify(value)?.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
