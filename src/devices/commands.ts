// The command queue: commands wait as `pending`, go out on a heartbeat as `sent`, and end as
// `succeeded` / `failed` when the device reports, or `expired` after too many unanswered
// tries. A claim is an atomic update, so with several server processes on one database each
// command is handed out once per try.
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { type CommandResult, OK_REPLY, type QueuedCommand, formatCommandList } from '../../protocol/index.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  type CommandState,
  type DeviceCommand,
  claimCommand,
  completeCommand,
  devicesWithOpenCommands,
  dueCommands,
  expireCommands,
  insertCommand,
  listCommands,
} from '../store/commands.js';
import type { Listed, Window } from '../store/list.js';
import { TEXT_BYTES } from '../store/columns.js';

export type { CommandState, DeviceCommand };

export interface CommandQueueSettings {
  /** A sent command without a result goes out again after this long. */
  resendAfterSeconds: number;
  /** …at most this many times in all; then it expires. */
  maxTries: number;
  /** Most bytes of commands in one heartbeat reply. */
  maxReplyBytes: number;
}

export const DEFAULT_QUEUE_SETTINGS: CommandQueueSettings = { resendAfterSeconds: 120, maxTries: 3, maxReplyBytes: 60_000 };

/** How often the set of devices with open commands is read again. */
const OPEN_SET_REFRESH_MS = 2_000;

export interface CommandQueueDeps {
  knex: Knex;
  logger: Logger;
  clock: Clock;
  /** DEFAULT_QUEUE_SETTINGS unless given. */
  settings?: CommandQueueSettings;
}

export class CommandQueue {
  private readonly knex: Knex;
  private readonly logger: Logger;
  private readonly now: Clock;
  private readonly settings: CommandQueueSettings;
  private open = new Set<string>();
  /** When the open set was read (performance.now(): a pace kept by this process, not an instant). */
  private openReadAt = -Infinity;
  /** The read of the open set in flight: every poll that finds it stale waits for this one, not a read of its own. */
  private openRead: Promise<void> | undefined;

  constructor({ knex, logger, clock, settings = DEFAULT_QUEUE_SETTINGS }: CommandQueueDeps) {
    this.knex = knex;
    this.logger = logger;
    this.now = clock;
    this.settings = settings;
  }

  async enqueue(serial: string, command: string, createdBy: string | null): Promise<DeviceCommand> {
    if (!command.trim() || /[\r\n]/.test(command)) throw new AppError('validation_error', 'A command is one non-empty line', { fields: ['command'] });
    if (Buffer.byteLength(command, 'utf8') > TEXT_BYTES || !command.isWellFormed()) {
      throw new AppError('validation_error', `A command is valid text of at most ${TEXT_BYTES} bytes`, { fields: ['command'] });
    }
    const queued = await insertCommand(this.knex, serial, command, createdBy, this.now());
    this.open.add(serial);
    return queued;
  }

  /** Whether the device may have commands waiting: one query per process every 2 s, not per heartbeat. */
  private async mayHaveCommands(serial: string): Promise<boolean> {
    if (performance.now() - this.openReadAt > OPEN_SET_REFRESH_MS) {
      // Thousands of polls a second find the set stale at once: one read for all of them. A
      // read each piled up behind a busy database, and each slowed the next (seen at 10,000
      // terminals: a query per poll, a quarter of the throughput).
      this.openRead ??= devicesWithOpenCommands(this.knex)
        .then((open) => {
          this.open = open;
          this.openReadAt = performance.now();
        })
        .finally(() => (this.openRead = undefined));
      await this.openRead;
    }
    return this.open.has(serial);
  }

  /** The heartbeat reply: commands due for this device, claimed, as `C:id:…` lines; or `OK`. */
  async handOut(serial: string): Promise<string> {
    if (!(await this.mayHaveCommands(serial))) return OK_REPLY;
    const now = this.now();
    const resendBefore = new Date(now.getTime() - this.settings.resendAfterSeconds * 1000);
    const expired = await expireCommands(this.knex, serial, resendBefore, this.settings.maxTries, now);
    if (expired) this.logger.warn({ device: serial, expired }, 'device commands expired without a result');
    const due = await dueCommands(this.knex, serial, resendBefore, this.settings.maxTries, 200);
    const { sent } = formatCommandList(due.map(toQueued), this.settings.maxReplyBytes);
    const claimed: QueuedCommand[] = [];
    for (const c of due.filter((d) => sent.includes(String(d.id)))) {
      if (await claimCommand(this.knex, c, now)) claimed.push(toQueued(c));
    }
    return formatCommandList(claimed, this.settings.maxReplyBytes).body;
  }

  /** Results from POST /iclock/devicecmd; returns how many matched a command of this device. */
  async complete(serial: string, results: CommandResult[]): Promise<number> {
    let matched = 0;
    for (const r of results) {
      if (!/^\d{1,16}$/.test(r.id)) continue; // not one of ours
      const content = r.content ?? (Object.keys(r.fields).length ? new URLSearchParams(r.fields).toString() : null);
      if (await completeCommand(this.knex, serial, Number(r.id), r.returnCode, content, this.now())) matched++;
    }
    return matched;
  }

  list(serial: string, filter: { state?: CommandState }, window: Window): Promise<Listed<DeviceCommand>> {
    return listCommands(this.knex, serial, filter, window);
  }
}

function toQueued(c: DeviceCommand): QueuedCommand {
  return { id: String(c.id), command: c.command };
}
