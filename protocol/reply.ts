// What the server says back: the handshake option block and the push 3.x configuration,
// command lists, upload replies, the server time, and errors. Every text a terminal reads.
import type { Upload } from './upload.js';
import { encodeZkTime } from './zktime.js';

/** The reply that says "received" where no count is due (poll without commands, ping, options, photos, command results…). */
export const OK_REPLY = 'OK';

/**
 * `TimeZone=`: terminals read -12 < TZ < 12 as hours and anything past ±60 as minutes, so whole
 * hours inside that range go as hours and everything else in minutes (UTC+5:30 → 330; Auckland
 * in summer, UTC+13 → 780; Kiritimati, UTC+14 → 840; UTC-12 → -720).
 */
export function formatTimeZone(offsetMinutes: number): string {
  return offsetMinutes % 60 === 0 && Math.abs(offsetMinutes) < 12 * 60 ? String(offsetMinutes / 60) : String(offsetMinutes);
}

export const TRANS_FLAG_NAMES = ['AttLog', 'OpLog', 'AttPhoto', 'EnrollUser', 'ChgUser', 'EnrollFP', 'ChgFP', 'FPImag', 'FACE', 'UserPic', 'WORKCODE', 'BioPhoto'];

export interface OptionBlock {
  sn: string;
  /** Push generation the reply is for: 2 (attendance) names TransFlag, 3 needs digits. */
  generation: 2 | 3;
  /** A device that sent no `pushver`: old firmware that reads Stamp/OpStamp/PhotoStamp. */
  legacyNames: boolean;
  attlogStamp: string;
  operlogStamp: string;
  attphotoStamp: string;
  biodataStamp: string;
  errorDelay: number;
  delay: number;
  transTimes: string;
  transInterval: number;
  realtime: boolean;
  timeZoneOffsetMinutes: number;
  serverVersion: string;
  pushProtVer: string;
  /** Ask the device to POST table=options after the handshake. */
  pushOptionsFlag: boolean;
}

export function formatOptionBlock(o: OptionBlock): string {
  const lines = [`GET OPTION FROM: ${o.sn}`];
  if (o.legacyNames) lines.push(`Stamp=${o.attlogStamp}`, `OpStamp=${o.operlogStamp}`, `PhotoStamp=${o.attphotoStamp}`);
  lines.push(
    `ATTLOGStamp=${o.attlogStamp}`,
    `OPERLOGStamp=${o.operlogStamp}`,
    `ATTPHOTOStamp=${o.attphotoStamp}`,
    `BIODATAStamp=${o.biodataStamp}`,
    `ErrorDelay=${o.errorDelay}`,
    `Delay=${o.delay}`,
    `TransTimes=${o.transTimes}`,
    `TransInterval=${o.transInterval}`,
    o.generation === 3 ? `TransFlag=${'1'.repeat(TRANS_FLAG_NAMES.length)}` : `TransFlag=TransData ${TRANS_FLAG_NAMES.join('\t')}`,
    `TimeZone=${formatTimeZone(o.timeZoneOffsetMinutes)}`,
    `Realtime=${o.realtime ? 1 : 0}`,
    'Encrypt=0',
    `ServerVer=${o.serverVersion}`,
    `PushProtVer=${o.pushProtVer}`,
  );
  if (o.pushOptionsFlag) lines.push('PushOptionsFlag=1');
  return `${lines.join('\n')}\n`;
}

export interface QueuedCommand {
  id: string;
  command: string;
}

const STOPS_BATCH = /^(REBOOT|RESTART)\b/i;

/**
 * The getrequest reply for queued commands: `C:<id>:<command>` lines, LF-joined, within
 * `maxBytes` (the first command always goes), and nothing after a REBOOT. `OK` when none.
 */
export function formatCommandList(commands: QueuedCommand[], maxBytes: number): { body: string; sent: string[] } {
  const lines: string[] = [];
  const sent: string[] = [];
  let size = 0;
  for (const c of commands) {
    const line = `C:${c.id}:${c.command}`;
    const bytes = new TextEncoder().encode(line).length + 1;
    if (lines.length > 0 && size + bytes > maxBytes) break;
    lines.push(line);
    sent.push(c.id);
    size += bytes;
    if (STOPS_BATCH.test(c.command)) break;
  }
  return { body: lines.length ? `${lines.join('\n')}\n` : OK_REPLY, sent };
}

/** The reply to an ATTLOG/OPERLOG/BIODATA upload: `OK:<n>`, n = records now stored. */
export function formatUploadReply(stored: number): string {
  return `OK:${stored}`;
}

/** The reply to a push 3.x `tabledata` upload: the table's name and how many rows were received (`user=1`), not OK. */
export function formatTableDataReply(tableName: string, received: number): string {
  return `${tableName}=${received}`;
}

/**
 * The reply to an upload once `stored` of its records are stored: `OK:<n>` for punches and
 * user/template records, `<table>=<n>` for push 3.x table rows, `OK` for the rest.
 */
export function formatReplyToUpload(upload: Upload, stored: number): string {
  switch (upload.kind) {
    case 'ATTLOG':
    case 'OPERLOG':
    case 'BIODATA':
    case 'IDCARD':
      return formatUploadReply(stored);
    case 'TABLEDATA':
      return formatTableDataReply(upload.tableName, stored);
    default:
      return OK_REPLY;
  }
}

/** The push 3.x registry reply (`POST /iclock/registry`): the code the terminal keeps. */
export function formatRegistryReply(registryCode: string): string {
  return `RegistryCode=${registryCode}`;
}

/** Push 3.x configuration: its own keys, then the option block's (generation 3: TransFlag in digits). */
export interface Push3Config {
  serverVersion: string;
  serverName: string;
  pushVersion: string;
  requestDelay: number;
  transTables: string;
  sessionId: string;
  timeoutSec: number;
  options: OptionBlock;
}

/** The reply to `POST /iclock/push`: the 3.x keys, then the option block without its first line (firmware ignores keys it does not use). */
export function formatPush3Config(c: Push3Config): string {
  const lines = [
    `ServerVersion=${c.serverVersion}`,
    `ServerName=${c.serverName}`,
    `PushVersion=${c.pushVersion}`,
    `RequestDelay=${c.requestDelay}`,
    `TransTables=${c.transTables}`,
    `SessionID=${c.sessionId}`,
    `TimeoutSec=${c.timeoutSec}`,
  ];
  return `${lines.join('\n')}\n${formatOptionBlock(c.options).split('\n').slice(1).join('\n')}`;
}

/** The handshake reply to a push 3.x terminal: registered, its code, then the configuration. */
export function formatPush3Handshake(registryCode: string, c: Push3Config): string {
  return `registry=ok\n${formatRegistryReply(registryCode)}\n${formatPush3Config(c)}`;
}

/** `+HHMM` / `-HHMM`. */
function formatUtcOffset(offsetMinutes: number): string {
  const abs = Math.abs(offsetMinutes);
  return `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** The reply to `GET /iclock/rtdata?type=time`: UTC now, ZK-encoded, and the terminal's zone offset now. */
export function formatServerTime(now: Date, offsetMinutes: number): string {
  const zk = encodeZkTime({
    year: now.getUTCFullYear(),
    month: now.getUTCMonth() + 1,
    day: now.getUTCDate(),
    hour: now.getUTCHours(),
    minute: now.getUTCMinutes(),
    second: now.getUTCSeconds(),
  });
  return `DateTime=${zk},ServerTZ=${formatUtcOffset(offsetMinutes)}`;
}

/** What a terminal is told when a request is refused or failed (with its HTTP status): `ERROR: <why>`. */
export function formatErrorReply(message: string): string {
  return `ERROR: ${message}`;
}
