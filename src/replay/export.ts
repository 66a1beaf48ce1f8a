// `iclockd capture export`: a device's archived requests as capture files, so a problem seen
// in production can be reproduced anywhere. A handshake comes first, so the replaying server
// learns the device (and its push version) as it would from the terminal.
import type { Knex } from 'knex';
import { findDevice } from '../store/devices.js';
import { findArchivedRequests } from '../store/deviceRequests.js';
import { AppError } from '../errors.js';
import type { CapturedRequest } from './capture.js';

export async function exportArchive(knex: Knex, serial: string, range: { from?: Date; to?: Date }): Promise<CapturedRequest[]> {
  const device = await findDevice(knex, serial);
  if (!device) throw new AppError('not_found', `No device ${serial}`);
  const handshake = `/iclock/cdata?SN=${encodeURIComponent(serial)}&options=all${device.pushVersion ? `&pushver=${encodeURIComponent(device.pushVersion)}` : ''}${device.language !== null ? `&language=${device.language}` : ''}`;
  const out: CapturedRequest[] = [
    { method: 'GET', target: handshake, headers: [], body: Buffer.alloc(0), comments: [`device ${serial}: handshake added by iclockd capture export`] },
  ];
  let afterId = 0;
  for (;;) {
    const batch = await findArchivedRequests(knex, { deviceSerial: serial, from: range.from, to: range.to, afterId }, 500);
    if (batch.length === 0) return out;
    for (const r of batch) {
      afterId = r.id;
      out.push({
        method: r.method,
        target: r.query ? `${r.path}?${r.query}` : r.path,
        headers: r.method === 'POST' ? [['Content-Type', 'text/plain']] : [],
        body: r.body,
        comments: [
          `source: iclockd request archive, id ${r.id}`,
          `device: ${serial}`,
          `received_at: ${r.receivedAt.toISOString()}`,
          `remote_address: ${r.remoteAddress ?? '-'}`,
          `outcome: ${r.outcome}${r.error ? ` (${r.error})` : ''}`,
        ],
      });
    }
  }
}
