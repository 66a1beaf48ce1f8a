// How instants are written to and read from the database: UTC 'YYYY-MM-DD HH:MM:SS' text,
// the same on MySQL (DATETIME, read back as strings) and SQLite (TEXT).

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

export function toDbInstant(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid date');
  const year = d.getUTCFullYear();
  // Written out by hand: a third of toISOString's cost, and a batch writes several per punch.
  if (year < 1000 || year > 9999) return d.toISOString().slice(0, 19).replace('T', ' ');
  return `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

export function fromDbInstant(s: string): Date;
export function fromDbInstant(s: string | null | undefined): Date | null;
export function fromDbInstant(s: string | null | undefined): Date | null {
  if (s === null || s === undefined) return null;
  return new Date(`${s.slice(0, 19).replace(' ', 'T')}Z`);
}

/** ISO 8601 with offset, as the API shows instants. */
export function isoInstant(s: string | null | undefined): string | null {
  const d = fromDbInstant(s);
  return d ? d.toISOString().replace('.000Z', 'Z') : null;
}
