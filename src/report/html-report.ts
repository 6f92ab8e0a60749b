import type { EvalResult } from '../cli/evaluate.js';
export function renderReport(result: EvalResult): string {
  return `<html>${result.response.loss}</html>`;
}
