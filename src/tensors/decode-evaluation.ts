/**
 * The evaluation part of a POST /loss request (or its /v2 equivalent): `class_balance_beta`,
 * the `"confusion"` output and `sweep` -> what the kernel computes beyond the loss
 * (kernels/types.ts EvaluationRequest) and what the answer echoes. The rules a schema cannot
 * express live here, once: confusion only in multiclass mode and for C <= MAX_CONFUSION_CLASSES,
 * column calibration only in multilabel mode, at most MAX_SWEEP_SETTINGS settings, no sweep with
 * reduction `none`.
 */
import type { EvaluationRequest, FloatArray, Mode, Reduction } from '../kernels/types.js';
import { MAX_SWEEP_SETTINGS, type LossRequest, type Output } from '../schemas/loss-request.js';
import { DEFAULT_CLASS_BALANCE_BETA } from 'focal-loss-client/merge';
import type { FieldErrors } from './field-errors.js';

/** Largest C a confusion matrix (C x C numbers in the answer) is built for. */
export const MAX_CONFUSION_CLASSES = 1000;

/** A sweep setting as the answer echoes it. */
export interface SweepEcho {
  gamma: number;
  alpha: number | number[] | null;
}

/** A sweep as the answer echoes it: G gammas x A alphas, gamma outer, alpha inner. */
export interface DecodedSweep {
  shape: [number, number];
  settings: SweepEcho[];
}

export interface DecodedEvaluation {
  /** undefined when nothing beyond the loss and the per-class counters is asked for. */
  evaluation: EvaluationRequest | undefined;
  classBalanceBeta: number;
  sweep: DecodedSweep | null;
}

interface RequestSettings {
  mode: Mode;
  c: number;
  reduction: Reduction;
  /** The request's own gamma and alpha (as applied, and as echoed). */
  gamma: number;
  alpha: FloatArray | null;
  alphaEcho: number | number[] | null;
}

/**
 * Checks the evaluation fields and adds `stats` to `outputs` when `confusion` is asked for (the
 * matrix is part of the stats). Errors go to `errors`; the caller throws them.
 */
export function decodeEvaluation(
  body: Pick<LossRequest, 'class_balance_beta' | 'sweep'>,
  outputs: Set<Output>,
  request: RequestSettings,
  errors: FieldErrors,
): DecodedEvaluation {
  const { mode, c, reduction } = request;
  if (outputs.has('confusion')) {
    if (mode !== 'multiclass') {
      errors.add(['outputs'], `"confusion" applies only to multiclass mode (per-label tp, fp, fn and tn are in stats.classes)`);
    } else if (c > MAX_CONFUSION_CLASSES) {
      errors.add(
        ['outputs'],
        `"confusion" is built for at most ${MAX_CONFUSION_CLASSES} classes; this batch has C = ${c} (${c} x ${c} counts)`,
      );
    }
    outputs.add('stats');
  }
  if (outputs.has('column_calibration')) {
    if (mode !== 'multilabel') {
      const why = mode === 'binary' ? 'a binary batch has one column, whose bins are' : 'multiclass calibrates rows, in';
      errors.add(['outputs'], `"column_calibration" applies only to multilabel mode (${why} stats.calibration.bins)`);
    }
    outputs.add('stats');
  }

  let sweep: DecodedSweep | null = null;
  const settings: EvaluationRequest['sweep'] = [];
  if (body.sweep !== undefined) {
    const gammas = body.sweep.gamma ?? [request.gamma];
    const alphas: (number | null | 'own')[] = body.sweep.alpha ?? ['own'];
    if (reduction === 'none') {
      errors.add(['sweep'], 'needs reduction "mean" or "sum" (one loss per setting)');
    } else if (gammas.length * alphas.length > MAX_SWEEP_SETTINGS) {
      errors.add(
        ['sweep'],
        `asks for ${gammas.length} x ${alphas.length} = ${gammas.length * alphas.length} settings; at most ${MAX_SWEEP_SETTINGS}`,
      );
    } else {
      sweep = { shape: [gammas.length, alphas.length], settings: [] };
      for (const gamma of gammas) {
        for (const a of alphas) {
          // A number weights every class (column) alike, as the scalar `alpha` does.
          const alpha = a === 'own' ? request.alpha : a === null ? null : new Float64Array(c).fill(a);
          settings.push({ gamma, alpha });
          sweep.settings.push({ gamma, alpha: a === 'own' ? request.alphaEcho : a });
        }
      }
    }
  }

  const calibration = outputs.has('stats');
  const confusion = outputs.has('confusion') && mode === 'multiclass';
  const wanted = calibration || confusion || settings.length > 0;
  return {
    evaluation: wanted ? { calibration, confusion, sweep: settings } : undefined,
    classBalanceBeta: body.class_balance_beta ?? DEFAULT_CLASS_BALANCE_BETA,
    sweep,
  };
}
