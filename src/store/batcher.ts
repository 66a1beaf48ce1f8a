// Coalesces concurrent calls into one: a flush starts on the next turn of the event loop
// (setImmediate, no timer) and takes every item waiting then, up to `maxWeight`; items added
// while `concurrency` flushes run wait for the next. Waiting one turn matters: with a
// synchronous driver (better-sqlite3) a request runs start to end without yielding, so the
// requests read from the sockets in one poll phase only meet here. Under load a hundred
// single-row writes become one statement. Each caller gets its own result, in order.
type Flush<I, R> = (items: I[]) => Promise<R[]>;

interface Waiting<I, R> {
  item: I;
  resolve(value: R): void;
  reject(err: unknown): void;
}

export interface BatcherOptions<I> {
  /** Flushes running at once. */
  concurrency?: number;
  /** What one item costs in a flush (rows, punches); a flush takes items up to `maxWeight`, and at least one. */
  weight?: (item: I) => number;
  maxWeight?: number;
  /**
   * When a flush of several items fails, flush each alone, so one bad item does not fail the
   * others (they are answered by their own flush). Off for writes where that could double work.
   */
  isolateFailures?: boolean;
}

export class Batcher<I, R> {
  private readonly queue: Waiting<I, R>[] = [];
  private running = 0;
  private scheduled = false;
  private readonly concurrency: number;
  private readonly weight: (item: I) => number;
  private readonly maxWeight: number;

  constructor(
    private readonly flush: Flush<I, R>,
    private readonly options: BatcherOptions<I> = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.weight = options.weight ?? (() => 1);
    this.maxWeight = options.maxWeight ?? 500;
  }

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      let taken = 0;
      let weight = 0;
      while (taken < this.queue.length) {
        const w = this.weight(this.queue[taken]!.item);
        if (taken > 0 && weight + w > this.maxWeight) break;
        weight += w;
        taken++;
      }
      const batch = this.queue.splice(0, taken);
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.schedule();
      });
    }
  }

  private async run(batch: Waiting<I, R>[]): Promise<void> {
    try {
      const results = await this.flush(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1 || !this.options.isolateFailures) {
        for (const w of batch) w.reject(err);
        return;
      }
      for (const w of batch) await this.run([w]);
    }
  }
}
