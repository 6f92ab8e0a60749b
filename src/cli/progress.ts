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
/** The narrowest bar worth drawing. */
const MIN_BAR = 10;

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

  /**
   * The bar's text for `done` of `total` rows at `elapsedMs`, at most `width - 1` characters: a
   * line as wide as the terminal wraps (the cursor moves past the last column), and every redraw
   * would leave a stale line behind. Narrow terminals drop the row counts, then the rate, then the
   * bar itself; the percentage and ETA stay.
   */
  static render(done: number, total: number, elapsedMs: number, width: number): string {
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    const eta = rate > 0 ? (total - done) / rate : Infinity;
    const percent = `${(fraction * 100).toFixed(0).padStart(3)}%`;
    const rows = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows`;
    const speed = `${formatRate(rate)} rows/s`;
    const time = `ETA ${formatDuration(eta)}`;
    const room = Math.max(1, width - 1);
    const tails = [[percent, rows, speed, time], [percent, speed, time], [percent, time], [percent]].map((parts) => ` ${parts.join('  ')}`);
    for (const tail of tails) {
      const barWidth = Math.min(40, room - tail.length - 2);
      if (barWidth >= MIN_BAR) {
        const filled = Math.round(fraction * barWidth);
        return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
      }
    }
    return tails.find((tail) => tail.length <= room)?.slice(1) ?? percent.trim().slice(0, room);
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
