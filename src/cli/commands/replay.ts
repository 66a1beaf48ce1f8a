// `iclockd capture export` and `iclockd replay`: device traffic written out as capture files, and
// capture files sent to a server as the device sent them (fixtures/README.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { formatCaptureFile } from '../../replay/capture.js';
import { exportArchive } from '../../replay/export.js';
import { replay, withSerial } from '../../replay/replay.js';
import { loadRequests } from '../../replay/sources.js';
import { type CliContext, optionDayRange } from '../context.js';

export function registerReplayCommands(program: Command, ctx: CliContext): void {
  const capture = program.command('capture').description('device traffic as capture files (fixtures/README.md)');
  capture
    .command('export')
    .description("write a device's archived requests as capture files, one per request, handshake first")
    .requiredOption('--device <sn>', 'serial number')
    .requiredOption('--out <dir>', 'directory to write to (created)')
    .option('--from <date>', 'first day received, YYYY-MM-DD (in ICLOCKD_TZ)')
    .option('--to <date>', 'last day received, YYYY-MM-DD (in ICLOCKD_TZ)')
    .action(async (opts: { device: string; out: string; from?: string; to?: string }) => {
      const cfg = ctx.config();
      const range = optionDayRange(opts.from, opts.to, cfg.timeZone);
      const requests = await ctx.withServices((s) => exportArchive(s.db.knex, opts.device, { from: range.start, to: range.end }), cfg);
      mkdirSync(opts.out, { recursive: true }); // and any missing parents
      const width = String(requests.length).length;
      requests.forEach((r, i) => {
        const name = `${opts.device.replace(/[^\w.-]/g, '_')}-${String(i).padStart(Math.max(4, width), '0')}-${r.method.toLowerCase()}-${r.target.split('?')[0]!.replace(/^\/iclock\//, '').replace(/[^\w.-]/g, '_')}.txt`;
        writeFileSync(join(opts.out, name), formatCaptureFile([r]));
      });
      ctx.out(`wrote ${requests.length} capture file(s) to ${opts.out}`);
    });

  program
    .command('replay')
    .description('send captured device requests to a server, in order, as the device did')
    .argument('<paths...>', 'capture files or directories (.har files are read as HAR; with --sn, raw ATTLOG exports)')
    .requiredOption('--url <url>', 'the server, e.g. http://127.0.0.1:8081')
    .option('--rate <n>', 'requests per second')
    .option('--as-sn <sn>', 'send every request as this serial')
    .option('--sn <sn>', 'the paths are raw ATTLOG exports (USB attlog.dat) of this serial')
    .option('--dry-run', 'list what would be sent, send nothing')
    .action(async (paths: string[], opts: { url: string; rate?: string; asSn?: string; sn?: string; dryRun?: boolean }) => {
      let loaded: ReturnType<typeof loadRequests>;
      try {
        loaded = loadRequests(paths, opts.sn);
      } catch (err) {
        throw new AppError('validation_error', (err as Error).message);
      }
      const requests = loaded.map((l) => l.request);
      if (opts.dryRun) {
        for (const r of requests) ctx.out(`${r.method} ${withSerial(r.target, opts.asSn).target} (${r.body.length} bytes)`);
        ctx.out(`${requests.length} request(s); nothing sent`);
        return;
      }
      const rate = opts.rate === undefined ? undefined : Number(opts.rate);
      if (rate !== undefined && !(rate > 0)) throw new AppError('validation_error', '--rate must be a positive number');
      const bar = requests.length > 20 ? ctx.progressBar('replaying [{bar}] {value}/{total} requests', requests.length) : undefined;
      const report = await replay(requests, { url: opts.url, rate, asSn: opts.asSn, onProgress: (done) => bar?.update(done) });
      bar?.stop();
      const devices = [...report.devices.entries()].sort(([a], [b]) => a.localeCompare(b));
      ctx.printTable([
        ['DEVICE', 'REQUESTS', 'OK:N', 'OK', 'OTHER', 'STORED', 'NEW', 'DUPLICATE', 'REJECTED', 'HELD'],
        ...devices.map(([sn, t]) => [sn, t.requests, t.okWithCount, t.okPlain, t.other, t.stored, t.created, t.duplicate, t.rejected, t.held].map(String)),
      ]);
      ctx.out(`sent ${report.sent} request(s); ${report.failures.length} not answered OK`);
      const held = devices.filter(([, t]) => t.held > 0);
      if (held.length) {
        ctx.out(`${held.reduce((n, [, t]) => n + t.held, 0)} upload(s) are held, not stored: ${held.map(([sn]) => sn).join(', ')} await approval.`);
        ctx.out(`  Approve them (iclockd devices approve SN, or the console's Devices page) and what they sent is ingested in order;`);
        ctx.out(`  or set ICLOCKD_DEVICE_POLICY=approve to take new terminals at once.`);
      }
      for (const f of report.failures.slice(0, 20)) ctx.out(`  ${f.status} ${f.target}: ${f.reply}`);
      if (report.failures.length) throw new AppError('conflict', `${report.failures.length} request(s) were not accepted`);
    });
}
