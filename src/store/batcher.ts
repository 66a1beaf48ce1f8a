// Coalesces concurrent calls into one: items added while `concurrency` flushes are running
// wait, and the next flush takes all of them (up to `maxWeight`). Under load a hundred
// single-row writes become one statement; alone, an item is flushed at once, so nothing
// waits for a timer. Each caller gets its own result, in the order it was added.
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
        this.next();
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
