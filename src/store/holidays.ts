// holidays: the dates of each holiday list; the only place with their SQL.
import type { Knex } from 'knex';
import { chunks } from './chunks.js';
import { compositeKey } from './keys.js';

export async function setHolidays(knex: Knex, list: string, days: { date: string; description: string | null }[]): Promise<void> {
  await knex('holidays').where({ holiday_list: list }).del();
  if (days.length) await knex('holidays').insert(days.map((d) => ({ holiday_list: list, holiday_date: d.date, description: d.description })));
}

export async function holidaysOf(knex: Knex, list: string): Promise<{ date: string; description: string | null }[]> {
  const rows = (await knex('holidays').where({ holiday_list: list }).orderBy('holiday_date')) as { holiday_date: string; description: string | null }[];
  return rows.map((r) => ({ date: r.holiday_date, description: r.description }));
}

export async function isHoliday(knex: Knex, list: string | null, date: string): Promise<boolean> {
  if (!list) return false;
  return (await knex('holidays').where({ holiday_list: list, holiday_date: date }).first('id')) !== undefined;
}

/** Which of these (list, date) pairs are holidays: keys compositeKey(list, date). */
export async function holidaysAmong(knex: Knex, pairs: { list: string; date: string }[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (pairs.length === 0) return found;
  const rows = (await knex('holidays')
    .whereIn('holiday_list', [...new Set(pairs.map((p) => p.list))])
    .whereIn('holiday_date', [...new Set(pairs.map((p) => p.date))])
    .select('holiday_list', 'holiday_date')) as { holiday_list: string; holiday_date: string }[];
  for (const r of rows) found.add(compositeKey(r.holiday_list, r.holiday_date));
  return found;
}

/** The holidays of these lists in [from, to]: list → date → description. */
export async function holidaysBetween(knex: Knex, lists: string[], from: string, to: string): Promise<Map<string, Map<string, string | null>>> {
  const found = new Map<string, Map<string, string | null>>();
  for (const part of chunks([...new Set(lists)], 500)) {
    const rows = (await knex('holidays').whereIn('holiday_list', part).whereBetween('holiday_date', [from, to]).select('holiday_list', 'holiday_date', 'description')) as {
      holiday_list: string;
      holiday_date: string;
      description: string | null;
    }[];
    for (const r of rows) found.set(r.holiday_list, (found.get(r.holiday_list) ?? new Map()).set(r.holiday_date, r.description));
  }
  return found;
}

export async function holidayListNames(knex: Knex): Promise<string[]> {
  return ((await knex('holidays').distinct('holiday_list').orderBy('holiday_list')) as { holiday_list: string }[]).map((r) => r.holiday_list);
}
