// A list as a CSV download: every row matching the list's filters, read a page at a time and
// streamed, so a year of punches never sits in memory at once.
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import type { ScanCursor } from '../store/list.js';

export type CsvColumn<T> = [header: string, value: (row: T) => unknown];

/** Rows read per query while streaming. */
const CSV_PAGE = 500;

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const text = String(v);
  // A leading = + - @ would be a formula to a spreadsheet: quoted with a ' as OWASP advises.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The next rows after a cursor (null: from the newest), and the cursor of the last one. */
export type ScanRead<T> = (after: ScanCursor | null, limit: number) => Promise<{ rows: T[]; last: ScanCursor | null }>;

/**
 * Streams every row `read` gives, a page at a time. Pages follow a cursor, not an offset: rows
 * that arrive during a long download neither repeat nor push others out of it.
 */
export function csvDownload<T>(ctx: Context, filename: string, columns: CsvColumn<T>[], read: ScanRead<T>): void {
  async function* lines() {
    yield columns.map(([h]) => h).join(',') + '\r\n';
    let after: ScanCursor | null = null;
    for (;;) {
      const { rows, last } = await read(after, CSV_PAGE);
      if (rows.length > 0) yield rows.map((r) => columns.map(([, v]) => csvCell(v(r))).join(',') + '\r\n').join('');
      if (rows.length < CSV_PAGE || last === null) return;
      after = last;
    }
  }
  ctx.type = 'text/csv; charset=utf-8';
  ctx.set('Content-Disposition', `attachment; filename="${filename}"`);
  ctx.body = Readable.from(lines());
}
