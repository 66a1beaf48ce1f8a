// What the server says back: the handshake option block, command lists, and upload replies.

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
  return { body: lines.length ? `${lines.join('\n')}\n` : 'OK', sent };
}

/** The reply to an ATTLOG/OPERLOG/BIODATA upload: `OK:<n>`, n = records now stored. */
export function formatUploadReply(stored: number): string {
  return `OK:${stored}`;
}
