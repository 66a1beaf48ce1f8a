// The ingest floor of `npm run bench`: the least a server can do with the bench's punch requests
// and still store what an ingested punch is in iclockd's data model (docs/developer/architecture.md: punches →
// check-ins → attendance). A bare Koa app on the port argv[2] reads and parses ATTLOG uploads
// and JSON posts, merges concurrent requests as iclockd does (one batch per turn of the event
// loop, up to argv[5] transactions at once), and writes each punch's row, its check-in and, for
// a check-in, its day's attendance record into copies of the real tables on the database argv[3]
// (argv[4] connections), straight through the driver in statements of argv[6] rows, answering
// once its batch has committed. No authentication, validation (lines are split on tabs, not
// parsed by protocol/), dedupe or match reads, recompute, archive or sync log: a bound on what
// iclockd can reach on this machine, not an estimate of it.
import Koa from 'koa';
import getRawBody from 'raw-body';
import { MERGED_BATCH_PUNCHES } from '../pipeline/ingest.js';
import { Batcher } from '../store/batcher.js';
import { ATTENDANCE, CHECKIN, type CopyInsert, type CopyWriter, PUNCH, type Punchlike, type RowShape, withCopyWriter } from './ceilings.js';


function attlogPunches(serial: string, body: string): Punchlike[] {
  return body
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [pin, time, state] = line.split('\t');
      return { serial, pin: Number(pin), time: time!, logType: state === '0' ? 'IN' : 'OUT' };
    });
}

interface JsonLog {
  employee_id: string;
  timestamp: string;
  device_id: string;
  log_type: 'IN' | 'OUT';
}
const jsonPunch = (log: JsonLog): Punchlike => ({ serial: log.device_id, pin: Number(log.employee_id), time: log.timestamp, logType: log.log_type });

function serve(port: number, write: CopyWriter, transactions: number): Promise<void> {
  let n = 0;
  const batches = new Batcher<Punchlike[], void>(
    async (requests) => {
      const punches = requests.flat();
      const rows = (shape: RowShape, of: Punchlike[]) => of.map((p) => shape.of(p, n++));
      const inserts: CopyInsert[] = [
        { shape: PUNCH, rows: rows(PUNCH, punches) },
        { shape: CHECKIN, rows: rows(CHECKIN, punches) },
        { shape: ATTENDANCE, rows: rows(ATTENDANCE, punches.filter((p) => p.logType === 'IN')) },
      ];
      await write(inserts);
      return requests.map(() => undefined);
    },
    { concurrency: transactions, weight: (punches) => punches.length, maxWeight: MERGED_BATCH_PUNCHES },
  );

  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.method !== 'POST') return;
    const body = await getRawBody(ctx.req, { limit: 16 << 20, encoding: 'utf8' });
    if (ctx.path === '/iclock/cdata') {
      const punches = attlogPunches(String(ctx.query.SN), body);
      await batches.add(punches);
      ctx.type = 'text/plain';
      ctx.body = `OK: ${punches.length}`;
    } else if (ctx.path === '/api/v1/punches') {
      await batches.add([jsonPunch(JSON.parse(body) as JsonLog)]);
      ctx.body = { success: true };
    } else if (ctx.path === '/api/v1/punches/bulk') {
      const { logs } = JSON.parse(body) as { logs: JsonLog[] };
      await batches.add(logs.map(jsonPunch));
      ctx.body = { success: true, processed: logs.length };
    }
  });
  return new Promise((resolve) => {
    const server = app.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
    process.once('SIGTERM', () => server.close(() => resolve()));
  });
}

const [port, url, connections, transactions, rowsPerStatement] = process.argv.slice(2);
withCopyWriter(url!, Number(connections), [PUNCH, CHECKIN, ATTENDANCE], Number(rowsPerStatement), (write) => serve(Number(port), write, Number(transactions))).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
