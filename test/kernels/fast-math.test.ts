/**
 * The inlined exp and log1p against Math.exp and Math.log1p (fdlibm, within 1 ulp): within
 * 2 ulp everywhere on their domains, exact at the points the kernels' exact cases rely on.
 */
import t from 'tap';
import fc from 'fast-check';
import { expNonPositive, log1pUnit } from '../../src/kernels/fast-math.js';
import { modulatingPower, powerKind, POW_EXP, POW_GENERAL, POW_HALF, POW_INTEGER, POW_ZERO } from '../../src/kernels/power.js';

const ULP = 2 ** -52;
const withinUlps = (actual: number, expected: number, ulps: number) =>
  actual === expected || Math.abs(actual - expected) <= ulps * ULP * Math.abs(expected);

t.test('expNonPositive is within 2 ulp of Math.exp on [-708, 0]', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: -708, max: 0, noNaN: true }), (x) => withinUlps(expNonPositive(x), Math.exp(x), 2)),
    { numRuns: 20000 },
  );
  for (let x = -40; x <= 0; x += 1 / 64) t.ok(withinUlps(expNonPositive(x), Math.exp(x), 2), `exp(${x})`);
});

t.test('expNonPositive: exp(0) = 1 exactly, subnormal results, and 0 below the underflow', async (t) => {
  t.equal(expNonPositive(0), 1);
  t.equal(expNonPositive(-0), 1);
  t.ok(Math.abs(expNonPositive(-720) - Math.exp(-720)) <= 1e-320, 'subnormal range: absolute error below 1e-320');
  t.equal(expNonPositive(-746), 0);
  t.equal(expNonPositive(-1e308), 0);
});

t.test('log1pUnit is within 2 ulp of Math.log1p on [0, 1], including tiny arguments', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (x) => withinUlps(log1pUnit(x), Math.log1p(x), 2)),
    { numRuns: 20000 },
  );
  fc.assert(
    fc.property(fc.double({ min: -700, max: 0, noNaN: true }), (e) => withinUlps(log1pUnit(Math.exp(e)), Math.log1p(Math.exp(e)), 2)),
    { numRuns: 5000 },
  );
  // Around the switch between the two argument reductions (sqrt(2) - 1) and at the ends.
  for (const x of [0.41421356237309503, 0.414213562373095, 0.4142135623730951, 0.5, 0.49999999999999994, 1e-300, 5e-324]) {
    t.ok(withinUlps(log1pUnit(x), Math.log1p(x), 2), `log1p(${x})`);
  }
  t.equal(log1pUnit(0), 0);
  t.equal(log1pUnit(1), Math.LN2, 'log1p(1) is ln 2 to the last bit');
});

t.test('modulatingPower: every route agrees with Math.pow', async (t) => {
  t.equal(powerKind(0, true), POW_ZERO);
  t.equal(powerKind(3, true), POW_INTEGER);
  t.equal(powerKind(1.5, true), POW_HALF);
  t.equal(powerKind(0.7, true), POW_EXP);
  t.equal(powerKind(0.7, false), POW_GENERAL);
  t.equal(powerKind(7, false), POW_GENERAL);
  fc.assert(
    fc.property(fc.double({ min: 1e-300, max: 1, noNaN: true }), fc.double({ min: 0, max: 20, noNaN: true }), (x, gamma) => {
      const expected = Math.pow(x, gamma);
      const kind = powerKind(gamma, true);
      // The log route's error grows with gamma * |log x| (a relative error of log x's ulp).
      const tolerance = 4 * ULP * (1 + gamma * Math.abs(Math.log(x)));
      const actual = modulatingPower(x, gamma, kind, -Math.log(x));
      return Math.abs(actual - expected) <= tolerance * expected + 1e-300;
    }),
    { numRuns: 5000 },
  );
  t.equal(modulatingPower(0, 0.5, POW_HALF), 0);
  t.equal(modulatingPower(0, 0), 1, '0^0 = 1 keeps gamma = 0 exactly cross-entropy');
});
