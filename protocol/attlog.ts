// ATTLOG bodies: `PIN<TAB>time<TAB>status<TAB>verify<TAB>workcode<TAB>…` with 4 to 12 and
// more fields (empty and trailing ones included), LF or CRLF, with or without a final line end.
import type { LineError } from './errors.js';
import { splitLines } from './lines.js';
import { parseWallTime } from './zktime.js';

export interface AttlogRecord {
  line: number;
  pin: string;
  /** Device wall time as sent, 'YYYY-MM-DD HH:MM:SS'. */
  time: string;
  /** Punch state (0 check-in … 5 overtime-out, 255 none); null when absent or not a number. */
  status: number | null;
  verify: number | null;
  workCode: string | null;
  /** Every field after the work code, as sent. */
  extra: string[];
}

export interface Parsed<T> {
  records: T[];
  errors: LineError[];
}

function optionalInt(v: string | undefined): number | null {
  return v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : null;
}

export function parseAttlog(body: Uint8Array): Parsed<AttlogRecord> {
  const records: AttlogRecord[] = [];
  const errors: LineError[] = [];
  for (const { number, text } of splitLines(body)) {
    const fields = text.split('\t');
    const pin = fields[0]?.trim() ?? '';
    const time = fields[1]?.trim() ?? '';
    const fail = (reason: string) => errors.push({ line: number, text, reason });
    if (fields.length < 2) fail('fewer than 2 fields');
    else if (!pin) fail('empty PIN');
    else if (pin.length > 64) fail('PIN longer than 64 characters');
    else if (!parseWallTime(time)) fail(`time "${time.length > 40 ? `${time.slice(0, 40)}…` : time}" is not YYYY-MM-DD HH:MM:SS`);
    else {
      const workCode = fields[4]?.trim();
      records.push({
        line: number,
        pin,
        time,
        status: optionalInt(fields[2]),
        verify: optionalInt(fields[3]),
        workCode: workCode ? workCode : null,
        extra: fields.slice(5),
      });
    }
  }
  return { records, errors };
}
