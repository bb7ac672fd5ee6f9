import path from 'node:path';
import type { StepEvent } from '../core/train/loop.js';
import type { RunEvent } from '../core/train/run.js';

// Redrawing more often than this only costs time; the last state is always drawn.
const REDRAW_MS = 100;

/**
 * A run's progress on stderr. On a terminal: one status line (epoch, step/total, loss, tokens/s, ETA)
 * redrawn in place, with evaluations printed above it. Otherwise (logs, CI, pipes): a line per
 * stage, evaluation and epoch, and none per step.
 */
export class TrainProgress {
  private status = '';
  private lastDraw = 0;
  private lastStep: StepEvent | null = null;
  private readonly announced = new Set<string>();

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(out.isTTY),
  ) {}

  readonly onEvent = (e: RunEvent): void => {
    switch (e.kind) {
      case 'stage':
        return this.line(e.message);
      case 'download': {
        const name = path.basename(e.file);
        const size = e.total ? `${mb(e.received)} of ${mb(e.total)} MB` : `${mb(e.received)} MB`;
        if (this.tty)
          return this.draw(`downloading ${name} ${e.total ? bar(e.received / e.total, 20) : ''} ${size}`, e.received === e.total);
        return this.once(`download ${e.file}`, `downloading ${e.file}${e.total ? ` (${mb(e.total)} MB)` : ''}`);
      }
      case 'prefix': {
        const what = `running the ${e.k} frozen blocks once over ${e.total} examples`;
        if (this.tty) return this.draw(`${what} ${bar(e.done / e.total, 20)} ${e.done}/${e.total}`, e.done === e.total);
        return this.once('prefix', what);
      }
      case 'step':
        this.lastStep = e;
        if (this.tty) this.draw(stepStatus(e, this.columns()), e.step === e.totalSteps);
        return;
      case 'eval': {
        const speed = this.lastStep
          ? `, ${Math.round(this.lastStep.tokensPerSecond)} tokens/s, ETA ${duration(this.lastStep.etaSeconds)}`
          : '';
        // The book's line: "Ep 1 (Step 000000): Train loss 2.153, Val loss 2.392".
        return this.line(
          `Ep ${e.epoch + 1} (Step ${String(e.step - 1).padStart(6, '0')}): Train loss ${e.trainLoss.toFixed(3)}, Val loss ${e.valLoss.toFixed(3)}${speed}`,
        );
      }
      case 'epoch':
        return this.line(
          `Epoch ${e.epoch + 1}${this.lastStep ? `/${this.lastStep.epochs}` : ''}: Training accuracy: ${percent(e.trainAccuracy)} | Validation accuracy: ${percent(e.valAccuracy)}`,
        );
      case 'checkpoint':
        return this.line(`checkpoint of epoch ${e.epoch + 1} saved in ${e.dir}`);
      case 'early-stop':
        return this.line(`stopping early after epoch ${e.epoch + 1}: no validation-loss gain (best ${e.bestValLoss.toFixed(3)})`);
    }
  };

  /** Clears the status line so what follows starts on a clean line. */
  finish(): void {
    if (this.status) this.out.write('\r\x1b[2K');
    this.status = '';
  }

  private line(text: string): void {
    this.finish();
    this.out.write(`${text}\n`);
  }

  private once(key: string, text: string): void {
    if (this.announced.has(key)) return;
    this.announced.add(key);
    this.line(text);
  }

  private draw(status: string, force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.status = status.slice(0, this.columns() - 1); // a wrapped line could not be redrawn in place
    this.out.write(`\r\x1b[2K${this.status}`);
  }

  private columns(): number {
    return this.out.columns || 80;
  }
}

function stepStatus(e: StepEvent, columns: number): string {
  const left = `epoch ${e.epoch + 1}/${e.epochs} `;
  const right = ` ${e.step}/${e.totalSteps}  loss ${e.loss.toFixed(3)}  ${Math.round(e.tokensPerSecond)} tok/s  ETA ${duration(e.etaSeconds)}`;
  const width = Math.max(10, Math.min(40, columns - 3 - left.length - right.length)); // 3: the brackets and the last column
  return `${left}${bar(e.step / e.totalSteps, width)}${right}`;
}

function bar(fraction: number, width: number): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** h:mm:ss or m:ss. */
function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const mmss = `${h > 0 ? String(m).padStart(2, '0') : m}:${String(sec).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}
