/**
 * A large answer written a piece per event-loop turn. Handed to the socket whole, a 43 MB answer
 * is one synchronous write, and when the client reads as fast as the kernel copies (loopback, a
 * fast network) that write alone held the event loop for 64 ms (measured: four 8M requests in
 * flight, `node --cpu-prof`: the longest busy stretch was writev). In 1 MiB pieces, one per turn,
 * each write takes a millisecond or two and health probes, admission and other answers run in
 * between. A slow client still applies back-pressure as before: the next piece waits for the
 * socket to drain.
 */
import { Readable } from 'node:stream';

/** Answers larger than this are paced; smaller ones are written in one go. */
export const PACE_ABOVE_BYTES = 1 << 20;

export function pacedBytes(bytes: Uint8Array, pieceBytes = PACE_ABOVE_BYTES): Readable {
  let at = 0;
  return new Readable({
    highWaterMark: pieceBytes,
    read() {
      if (at >= bytes.byteLength) {
        this.push(null);
        return;
      }
      const piece = Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(pieceBytes, bytes.byteLength - at));
      at += piece.byteLength;
      // The next piece in a later turn of the event loop, not in this one.
      setImmediate(() => this.push(piece));
    },
  });
}
