// Group commit: concurrent writers share one transaction. Each piece of work runs in its own
// savepoint inside it (a failing one rolls back alone), and every caller is answered only
// after the shared transaction has committed: a request still acknowledges nothing that is
// not durable, but a hundred single-punch requests cost one commit instead of a hundred.
import type { Knex } from 'knex';
import { isRetryable, isUniqueViolation } from './transaction.js';

type Work<T> = (trx: Knex.Transaction) => Promise<T>;

interface Job {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  /** Tries so far; a unique-key race is retried in a later batch, as transactionWithRetry does. */
  tries: number;
}

const ATTEMPTS = 4;

/**
 * Ingest transactions committing at once. One connection on SQLite; on MySQL two, so one's
 * statements travel while the other's are built. More made smaller batches (more statements per
 * punch, the server's CPU the limit) and queued on the same employees' rows: 4 -> 2 took single
 * ADMS punches from ~1,170 to ~1,680 punches/s on MariaDB (bench, two runs each).
 */
export const INGEST_TRANSACTIONS = { sqlite: 1, mysql: 2 } as const;

export class GroupCommit {
  private readonly queue: Job[] = [];
  private running = 0;
  /** Transactions committed and pieces of work they carried (for metrics and tests). */
  readonly committed = { transactions: 0, works: 0 };

  /**
   * @param transactions batches committing at once (1 on SQLite: one connection)
   * @param maxBatch pieces of work in one transaction
   */
  constructor(
    private readonly knex: Knex,
    readonly transactions: number,
    private readonly maxBatch = 100,
  ) {}

  /** Runs `work` in a shared transaction; resolves once that transaction has committed. */
  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject, tries: 0 });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.transactions && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.running++;
      void this.commit(batch).finally(() => {
        this.running--;
        this.next();
      });
    }
  }

  private async commit(batch: Job[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
      try {
        await this.knex.transaction(async (trx) => {
          if (batch.length === 1) {
            // Alone: no savepoint needed; its error is the transaction's.
            outcomes.push({ ok: true, value: await batch[0]!.work(trx) });
            return;
          }
          for (const job of batch) {
            try {
              outcomes.push({ ok: true, value: await trx.transaction((sp) => job.work(sp)) });
            } catch (err) {
              // A deadlock has rolled back the whole transaction (MySQL): the batch goes again.
              if (isRetryable(err) && !isUniqueViolation(err)) throw err;
              outcomes.push({ ok: false, err });
            }
          }
        });
      } catch (err) {
        if (attempt < ATTEMPTS && isRetryable(err)) continue;
        for (const job of batch) job.reject(err);
        return;
      }
      this.committed.transactions++;
      this.committed.works += outcomes.filter((o) => o.ok).length;
      batch.forEach((job, i) => {
        const o = outcomes[i]!;
        if (o.ok) job.resolve(o.value);
        else if (isUniqueViolation(o.err) && ++job.tries < ATTEMPTS) this.queue.unshift(job);
        else job.reject(o.err);
      });
      return;
    }
  }
}
