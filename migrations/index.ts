// The ordered list of migrations. Listed in code rather than discovered on disk so the same
// list runs from TypeScript sources (tests) and from the compiled build (npm start).
// Add new files at the end; never edit one that has shipped.
import type { Knex } from 'knex';
import * as m001 from './001_core_tables.js';
import * as m002 from './002_device_channel.js';
import * as m003 from './003_holidays.js';
import * as m004 from './004_outbox.js';
import * as m005 from './005_console.js';
import * as m006 from './006_daily_jobs.js';
import * as m007 from './007_punch_key_log_type.js';
import * as m008 from './008_shift_last_sync.js';
import * as m009 from './009_outbox_unconfirmed_send.js';
import * as m010 from './010_attendance_per_shift.js';
import * as m011 from './011_employee_dates_holiday_list.js';
import * as m013 from './013_punch_reviews.js';
import * as m014 from './014_request_ids.js';
import * as m015 from './015_zk_pollers.js';

interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrations: Migration[] = [
  { name: '001_core_tables', ...m001 },
  { name: '002_device_channel', ...m002 },
  { name: '003_holidays', ...m003 },
  { name: '004_outbox', ...m004 },
  { name: '005_console', ...m005 },
  { name: '006_daily_jobs', ...m006 },
  { name: '007_punch_key_log_type', ...m007 },
  { name: '008_shift_last_sync', ...m008 },
  { name: '009_outbox_unconfirmed_send', ...m009 },
  { name: '010_attendance_per_shift', ...m010 },
  { name: '011_employee_dates_holiday_list', ...m011 },
  { name: '013_punch_reviews', ...m013 },
  { name: '014_request_ids', ...m014 },
  { name: '015_zk_pollers', ...m015 },
];

export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => migrations,
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m,
};
