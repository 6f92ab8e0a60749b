/**
 * The worked examples of the API document: requests chosen here, responses recorded from the
 * real service by scripts/openapi.ts (never typed by hand). One success per mode, plus one real
 * answer for each error status the service can produce on its own.
 */

export interface ExampleSpec {
  name: string;
  summary: string;
  description?: string;
  /** JSON value, or raw text sent with `contentType`. */
  body: unknown;
  contentType?: string;
  /** The status this request must get; the generator refuses to record anything else. */
  status: number;
  /** Configuration overrides for the app answering this example. */
  env?: Record<string, string>;
  /** Ask while the service is draining (shutting down). */
  draining?: boolean;
}

export const EXAMPLE_SPECS: ExampleSpec[] = [
  {
    name: 'binary',
    summary: 'binary: sigmoid focal loss with gamma 0.5, default alpha 0.25',
    description:
      'The third element (logit 1000, target 1) is where the textbook `(1 - p_t) ** gamma` differentiates to ' +
      '0 * inf = NaN; here its gradient is the limit, 0.',
    body: { mode: 'binary', logits: [2.5, -1.0, 1000], targets: [1, 0, 1], gamma: 0.5 },
    status: 200,
  },
  {
    name: 'multilabel',
    summary: 'multilabel: three independent labels, per-label alpha, per-example weights',
    body: {
      mode: 'multilabel',
      logits: [
        [1.2, -0.4, 3.0],
        [-2.0, 0.3, 0.0],
      ],
      targets: [
        [1, 0, 1],
        [0, 1, 0],
      ],
      alpha: [0.25, 0.5, 0.75],
      weights: [1, 2],
      class_names: ['person', 'car', 'dog'],
    },
    status: 200,
  },
  {
    name: 'multiclass',
    summary: 'multiclass: softmax over three named classes, class-id targets',
    body: {
      mode: 'multiclass',
      logits: [
        [2.0, 0.5, -1.0],
        [0.1, 0.2, 3.0],
      ],
      targets: [0, 1],
      class_names: ['cat', 'dog', 'bird'],
    },
    status: 200,
  },
  {
    name: 'multiclass-soft-none',
    summary: 'multiclass: probability targets, label smoothing 0.1, per-class alpha, reduction none',
    description: 'With reduction `none`, `losses` holds one loss per row, `loss` is their sum and `gradient` its derivative.',
    body: {
      mode: 'multiclass',
      logits: [
        [1.0, 0.0, -1.0],
        [0.5, 0.5, 0.0],
      ],
      targets: [
        [0.7, 0.2, 0.1],
        [0, 0, 1],
      ],
      alpha: [1, 2, 1],
      label_smoothing: 0.1,
      reduction: 'none',
      outputs: ['loss', 'losses', 'gradient'],
    },
    status: 200,
  },
  {
    name: 'multiclass-evaluation',
    summary: 'multiclass: evaluation statistics, the confusion matrix and a gamma x alpha sweep',
    description:
      '`stats` adds per-class tn, f1, mean_loss and class weights (`suggested_alpha`, `class_balanced_alpha` with ' +
      '`class_balance_beta`), macro and weighted averages and calibration; `"confusion"` adds the C x C matrix; ' +
      '`sweep` returns the loss at every gamma x alpha pair, each equal to the request with that setting.',
    body: {
      mode: 'multiclass',
      logits: [
        [2.0, 0.5, -1.0],
        [0.1, 0.2, 3.0],
        [1.5, 1.4, 0.0],
        [-0.5, 2.5, 0.3],
        [0.0, 0.1, 0.2],
      ],
      targets: [0, 1, 1, 1, -100],
      ignore_index: -100,
      class_names: ['cat', 'dog', 'bird'],
      class_balance_beta: 0.99,
      outputs: ['loss', 'stats', 'confusion'],
      sweep: { gamma: [0, 1, 2], alpha: [null, 0.5] },
    },
    status: 200,
  },
  {
    name: 'multilabel-asymmetric',
    summary: 'multilabel: asymmetric loss (ASL) with per-label gamma_neg and a probability margin',
    description:
      'Negatives with p <= clip (the second label of the first row: p = 0.018) add no loss and no gradient; ' +
      'alpha defaults to none with this variant.',
    body: {
      mode: 'multilabel',
      logits: [
        [1.2, -4.0, 3.0],
        [-2.0, 0.3, 0.0],
      ],
      targets: [
        [1, 0, 1],
        [0, 1, 0],
      ],
      variant: 'asymmetric',
      gamma_pos: 0,
      gamma_neg: [4, 2, 1],
      clip: 0.05,
    },
    status: 200,
  },
  {
    name: 'multiclass-poly1',
    summary: 'multiclass: Poly-1 focal loss with a gamma per class',
    body: {
      mode: 'multiclass',
      logits: [
        [2.0, 0.5, -1.0],
        [0.1, 0.2, 3.0],
      ],
      targets: [0, 2],
      variant: 'poly1',
      epsilon: 1,
      gamma: [2, 1, 0.5],
    },
    status: 200,
  },
  {
    name: 'invalid-request',
    summary: 'A string where a number belongs (no type coercion is applied)',
    body: {
      mode: 'multiclass',
      logits: [
        [2.0, 0.5],
        [0.1, 1],
      ],
      targets: [0, '1'],
    },
    status: 400,
  },
  {
    name: 'too-many-elements',
    summary: 'N x C above MAX_ELEMENTS (here set to 4)',
    body: {
      mode: 'multilabel',
      logits: [
        [0, 1, 2],
        [3, 4, 5],
      ],
      targets: [
        [0, 1, 0],
        [1, 0, 1],
      ],
    },
    env: { MAX_ELEMENTS: '4' },
    status: 413,
  },
  {
    name: 'unsupported-media-type',
    summary: 'A body sent as text/plain',
    body: 'mode=binary&logits=1',
    contentType: 'text/plain',
    status: 415,
  },
  {
    name: 'result-not-finite',
    summary: 'Valid inputs whose summed loss overflows float64',
    body: { mode: 'binary', logits: [-1e308, -1e308], targets: [1, 1], gamma: 0, alpha: null, reduction: 'sum' },
    status: 422,
  },
  {
    name: 'unavailable',
    summary: 'A request arriving while the service shuts down',
    body: { mode: 'binary', logits: [0.5], targets: [1] },
    draining: true,
    status: 503,
  },
];
