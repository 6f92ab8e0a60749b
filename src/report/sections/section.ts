/**
 * What every section of the report is: a pure function from the evaluation (and what the command
 * line added: file names, a baseline) to a titled block of HTML, or null when the section does
 * not apply (no sweep, no baseline, multiclass-only views in binary mode).
 */
import type { Comparison } from '../comparison.js';
import { escapeXml } from '../svg.js';
import type { ReportView } from '../view.js';

export interface ReportContext {
  /** The files evaluated, for the page's subtitle. */
  logits?: string;
  targets?: string;
  /** `eval --baseline BASE.json`: the baseline file and this evaluation compared against it. */
  baseline?: { file: string; comparison: Comparison };
  /** The beta the class-balanced alpha was computed with (the evaluation's --class-balance-beta). */
  classBalanceBeta?: number;
  /** When the report was made (default: now). */
  generatedAt?: Date;
}

export interface Section {
  /** The anchor the page's navigation links to. */
  id: string;
  title: string;
  body: string;
}

export type SectionRenderer = (view: ReportView, context: ReportContext) => Section | null;

export function kpi(label: string, value: string, tooltip?: string): string {
  const title = tooltip === undefined ? '' : ` title="${escapeXml(tooltip)}"`;
  return `<div class="kpi"${title}><b>${escapeXml(value)}</b><span>${escapeXml(label)}</span></div>`;
}

export function note(text: string): string {
  return `<p class="note">${escapeXml(text)}</p>`;
}
