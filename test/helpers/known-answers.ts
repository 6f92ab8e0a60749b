/**
 * Requests with known answers for tests that drive a deployed service over HTTP (the container
 * test, the scale-out test): the reference cases as they are, and a large request made by tiling
 * one reference case, whose answer follows from the case's own expected values.
 */
import { compareToExpected, loadCases, type Mismatch, type ReferenceCase } from './reference-cases.js';

/** Every reference case, regular then extreme. */
export function allReferenceCases(): ReferenceCase[] {
  return [...loadCases('cases-regular.json'), ...loadCases('cases-extreme.json')];
}

export interface KnownAnswerRequest {
  name: string;
  body: string;
  /** Differences between a response body and the known answer (empty when correct). */
  check: (response: unknown) => Mismatch[];
}

export function referenceRequest(c: ReferenceCase): KnownAnswerRequest {
  return { name: c.name, body: JSON.stringify(c.request), check: (r) => compareToExpected(r, c.expected) };
}

/**
 * A binary, unweighted, `sum`-reduced reference case repeated until it has at least
 * `minElements` elements. With reduction `sum`, k copies have k times the case's loss, and each
 * element's gradient does not depend on the others, so the answer is the case's gradient
 * repeated k times: known without computing anything.
 */
export function tiledReferenceRequest(minElements: number): KnownAnswerRequest {
  const c = loadCases('cases-regular.json').find(
    (x) =>
      x.request.mode === 'binary' && x.request.reduction === 'sum' && x.request.weights === undefined && x.request.normalizer === undefined,
  );
  if (!c) throw new Error('no binary sum case among the reference cases');
  const logits = c.request.logits as number[];
  const targets = c.request.targets as number[];
  const gradient = c.expected.gradient as number[];
  const k = Math.ceil(minElements / logits.length);
  const tile = <T>(xs: T[]): T[] => Array.from({ length: k * xs.length }, (_, i) => xs[i % xs.length]);
  const request = { ...c.request, logits: tile(logits), targets: tile(targets), outputs: ['loss', 'gradient'] };
  const expected = { loss: k * (c.expected.loss as number), gradient: tile(gradient) };
  return {
    name: `${c.name} x${k} (${k * logits.length} elements)`,
    body: JSON.stringify(request),
    check: (r) => compareToExpected(r, expected),
  };
}

export interface PostResult {
  status: number;
  mismatches: Mismatch[];
  body: unknown;
}

/** POSTs a known-answer request to `${baseUrl}/loss` and checks the answer when the status is 200. */
export async function postKnownAnswer(baseUrl: string, req: KnownAnswerRequest, headers: Record<string, string> = {}): Promise<PostResult> {
  const res = await fetch(`${baseUrl}/loss`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: req.body,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (e.g. an nginx error page): kept as text for the report.
  }
  return { status: res.status, mismatches: res.status === 200 ? req.check(body) : [], body };
}
