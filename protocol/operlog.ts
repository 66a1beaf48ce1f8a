// OPERLOG bodies: one record per line, the kind first (`OPLOG`, `USER`, `FP`, `FACE`, `FVEIN`,
// `USERPIC`, `BIOPHOTO`, `BIODATA`, `IDCARD`), then TAB-separated fields. Unknown kinds are
// kept raw and counted, never fatal. Also used for table=BIODATA and table=IDCARD bodies.
import type { Parsed } from './attlog.js';
import { field, parseTabPairs, splitLines } from './lines.js';
import { decodeZkTime, formatWallTime, parseWallTime } from './zktime.js';

export const OPERLOG_KINDS = ['OPLOG', 'USER', 'FP', 'FACE', 'FVEIN', 'USERPIC', 'BIOPHOTO', 'BIODATA', 'IDCARD', 'ERRORLOG'] as const;
export type OperlogKind = (typeof OPERLOG_KINDS)[number];

export interface OplogRecord {
  kind: 'OPLOG';
  line: number;
  opType: number;
  operator: string;
  /** 'YYYY-MM-DD HH:MM:SS'; ZK-encoded integers (2008-era firmware) are decoded. */
  time: string;
  who: string;
  values: string[];
}

export interface UserRecord {
  kind: 'USER';
  line: number;
  pin: string;
  name: string;
  privilege: number | null;
  card: string | null;
  fields: Record<string, string>;
}

/** FP, FACE, FVEIN, USERPIC, BIOPHOTO, BIODATA, IDCARD, ERRORLOG: fields kept as sent. */
export interface TemplateRecord {
  kind: Exclude<OperlogKind, 'OPLOG' | 'USER'>;
  line: number;
  pin: string | null;
  fields: Record<string, string>;
}

export interface UnknownRecord {
  kind: 'UNKNOWN';
  line: number;
  keyword: string;
  text: string;
}

export type OperlogRecord = OplogRecord | UserRecord | TemplateRecord | UnknownRecord;

/** `[15CD5B07]` (little-endian hex bytes) or a decimal string; `[0000000000]`/empty/0 = no card. */
export function normalizeCard(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const v = raw.trim();
  const hex = /^\[([0-9A-Fa-f]+)\]$/.exec(v);
  if (hex) {
    const bytes = hex[1]!.match(/../g) ?? [];
    let n = 0;
    for (let i = Math.min(bytes.length, 4) - 1; i >= 0; i--) n = n * 256 + parseInt(bytes[i]!, 16);
    return n === 0 ? null : String(n);
  }
  return v === '' || /^0+$/.test(v) ? null : v;
}

/** `legacy`: the code page for lines that are not UTF-8 (legacyEncodingOf the terminal's language). */
export function parseOperlog(body: Uint8Array, legacy?: string): Parsed<OperlogRecord> {
  const records: OperlogRecord[] = [];
  const errors: Parsed<OperlogRecord>['errors'] = [];
  for (const { number, text } of splitLines(body, legacy)) {
    const space = text.indexOf(' ');
    const keyword = (space < 0 ? text : text.slice(0, space)).trim();
    const rest = space < 0 ? '' : text.slice(space + 1);
    const kind = keyword.toUpperCase();
    if (kind === 'OPLOG') {
      const f = rest.split('\t');
      const opType = Number(f[0]);
      const rawTime = f[2]?.trim() ?? '';
      const time = parseWallTime(rawTime) ? rawTime : /^\d+$/.test(rawTime) ? formatWallTime(decodeZkTime(Number(rawTime))) : null;
      if (!Number.isInteger(opType) || f[0]?.trim() === '' || time === null) {
        errors.push({ line: number, text, reason: 'OPLOG needs a numeric type and a time' });
        continue;
      }
      records.push({ kind: 'OPLOG', line: number, opType, operator: f[1] ?? '', time, who: f[3] ?? '', values: f.slice(4) });
    } else if (kind === 'USER') {
      const fields = parseTabPairs(rest);
      const pin = field(fields, 'PIN')?.trim();
      if (!pin) {
        errors.push({ line: number, text, reason: 'USER without PIN' });
        continue;
      }
      const pri = field(fields, 'Pri');
      records.push({
        kind: 'USER',
        line: number,
        pin,
        name: field(fields, 'Name') ?? '',
        privilege: pri !== undefined && /^\d+$/.test(pri) ? Number(pri) : null,
        card: normalizeCard(field(fields, 'Card')),
        fields,
      });
    } else if ((OPERLOG_KINDS as readonly string[]).includes(kind)) {
      const fields = parseTabPairs(rest);
      records.push({ kind: kind as TemplateRecord['kind'], line: number, pin: field(fields, 'PIN')?.trim() || null, fields });
    } else {
      records.push({ kind: 'UNKNOWN', line: number, keyword, text });
    }
  }
  return { records, errors };
}
