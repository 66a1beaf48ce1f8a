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
  // Read by hand when it is the usual 'YYYY-MM-DD HH:MM:SS' of a year 1000-9999: parsing the
  // text as a date string costs several times more, and a batch reads several per punch.
  if (s.length >= 19 && s.charCodeAt(4) === DASH && s.charCodeAt(10) === SPACE) {
    const year = digits(s, 0, 4);
    const month = digits(s, 5, 2);
    const day = digits(s, 8, 2);
    const hour = digits(s, 11, 2);
    const minute = digits(s, 14, 2);
    const second = digits(s, 17, 2);
    // Fields out of range (never written) are left to the text parse, whose verdict they get.
    const plain = year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59;
    if (plain && (s.length === 19 || s.charCodeAt(19) === DOT)) return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  }
  return new Date(`${s.slice(0, 19).replace(' ', 'T')}Z`);
}

const DASH = 45;
const SPACE = 32;
const DOT = 46;

/** The number `length` decimal digits of `s` at `at` spell; NaN if any is not a digit. */
function digits(s: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** ISO 8601 with offset, as the API shows instants. */
export function isoInstant(s: string | null | undefined): string | null {
  const d = fromDbInstant(s);
  return d ? d.toISOString().replace('.000Z', 'Z') : null;
}
