/**
 * The p_t histogram of the statistics: per class, how many examples the model finds hard (p_t,
 * the predicted probability of the true label, near 0) or easy (near 1), in PT_BINS equal bins
 * over [0, 1]. Raw counts, so histograms of several batches add up exactly.
 */

/** Bin k counts p_t in [k / PT_BINS, (k + 1) / PT_BINS); the last bin also holds p_t = 1. */
export const PT_BINS = 10;

/** The bin of a probability in [0, 1]. */
export function ptBin(pt: number): number {
  const b = Math.floor(pt * PT_BINS);
  return b >= PT_BINS ? PT_BINS - 1 : b;
}
