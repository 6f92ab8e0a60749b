/**
 * A one-line progress bar on stderr with rows/s and ETA, drawn only when stderr is a terminal
 * (piped output and CI logs get nothing extra) and redrawn at most every 100 ms.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const REDRAW_MS = 100;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = String(m).padStart(h > 0 ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}

export class ProgressBar {
  private readonly started: number;
  private lastDraw = -Infinity;
  private drawn = false;
  readonly enabled: boolean;

  constructor(
    private readonly stream: ProgressStream,
    enabled: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.enabled = enabled && stream.isTTY === true;
    this.started = this.now();
  }

  /** The bar's text for `done` of `total` rows at `elapsedMs`. */
  static render(done: number, total: number, elapsedMs: number, width: number): string {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    const tail = ` ${(fraction * 100).toFixed(0).padStart(3)}%  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows  ${formatRate(rate)} rows/s  ETA ${formatDuration(eta)}`;
    const barWidth = Math.max(10, Math.min(40, width - tail.length - 2));
    const filled = Math.round(fraction * barWidth);
    return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
  }

  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = this.now();
    if (now - this.lastDraw < REDRAW_MS && done < total) return;
    this.lastDraw = now;
    this.drawn = true;
    this.stream.write(`\r${ProgressBar.render(done, total, now - this.started, this.stream.columns ?? 80)}\x1b[K`);
  }

  /** Erases the bar, so the result that follows starts on a clean line. */
  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
