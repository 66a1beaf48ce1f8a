// Push 3.x ("Security PUSH") bodies: rtlog/rtstate rows of TAB-separated `key=value`, and
// tabledata/querydata bodies whose lines start with the table name.
import type { Parsed } from './attlog.js';
import { parseTabPairs, splitLines } from './lines.js';

export interface KeyValueRow {
  line: number;
  fields: Record<string, string>;
}

export function parseKeyValueRows(body: Uint8Array, legacy?: string): Parsed<KeyValueRow> {
  const records: KeyValueRow[] = [];
  const errors: Parsed<KeyValueRow>['errors'] = [];
  for (const { number, text } of splitLines(body, legacy)) {
    const fields = parseTabPairs(text);
    if (Object.keys(fields).length === 0 || !text.includes('=')) errors.push({ line: number, text, reason: 'no key=value fields' });
    else records.push({ line: number, fields });
  }
  return { records, errors };
}

/** `user uid=1<TAB>pin=2…` lines of one table; lines of another table are errors. */
export function parseTableData(body: Uint8Array, tableName: string, legacy?: string): Parsed<KeyValueRow> {
  const records: KeyValueRow[] = [];
  const errors: Parsed<KeyValueRow>['errors'] = [];
  for (const { number, text } of splitLines(body, legacy)) {
    const space = text.indexOf(' ');
    const name = space < 0 ? text : text.slice(0, space);
    if (name.toLowerCase() !== tableName.toLowerCase()) {
      errors.push({ line: number, text, reason: `expected a ${tableName} row` });
      continue;
    }
    records.push({ line: number, fields: parseTabPairs(text.slice(space + 1)) });
  }
  return { records, errors };
}

/**
 * An rtlog row that is a verified punch: a user (pin not 0), a time, not a door/system event
 * (verifytype 200), and a success event code. Access-control event codes below 20 are
 * successful verifications (0 normal, 3 multi-person, …); 20 and up are refusals and alarms
 * (inferred from ZKTeco's event table; S1 App.2).
 */
export function isPunchEvent(fields: Record<string, string>): boolean {
  const pin = fields.pin?.trim();
  const event = fields.event === undefined ? 0 : Number(fields.event);
  return !!pin && pin !== '0' && !!fields.time && fields.verifytype !== '200' && Number.isInteger(event) && event >= 0 && event < 20;
}
