// device_heartbeats: requests per terminal per five-minute bucket (the console's timeline); the
// only place that reads or writes them.
import type { Knex } from 'knex';
import { chunks } from './chunks.js';
import { isMysql } from './db.js';
import { deleteInBatches } from './prune.js';
import { fromDbInstant, toDbInstant } from './time.js';

export interface HeartbeatBucket {
  serial: string;
  bucketAt: Date;
  requests: number;
}

/** Adds to the buckets' counts (creating them): one upsert per 200 buckets. */
export async function addDeviceHeartbeats(knex: Knex, buckets: HeartbeatBucket[]): Promise<void> {
  // The dialects name the row that did not go in differently.
  const added = isMysql(knex) ? 'VALUES(requests)' : 'excluded.requests';
  for (const part of chunks(buckets, 200)) {
    await knex('device_heartbeats')
      .insert(part.map((b) => ({ device_serial: b.serial.slice(0, 64), bucket_at: toDbInstant(b.bucketAt), requests: b.requests })))
      .onConflict(['device_serial', 'bucket_at'])
      .merge({ requests: knex.raw(`device_heartbeats.requests + ${added}`) });
  }
}

export async function listDeviceHeartbeats(knex: Knex, serial: string, from: Date): Promise<HeartbeatBucket[]> {
  const rows = (await knex('device_heartbeats')
    .where('device_serial', serial)
    .where('bucket_at', '>=', toDbInstant(from))
    .orderBy('bucket_at')
    .select('bucket_at', 'requests')) as { bucket_at: string; requests: number | string }[];
  return rows.map((r) => ({ serial, bucketAt: fromDbInstant(r.bucket_at), requests: Number(r.requests) }));
}

export function deleteHeartbeatsBefore(knex: Knex, before: Date): Promise<number> {
  return deleteInBatches(knex, 'device_heartbeats', (q) => q.where('bucket_at', '<', toDbInstant(before)));
}
