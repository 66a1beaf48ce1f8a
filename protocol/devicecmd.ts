// `POST /iclock/devicecmd` bodies: results of commands, `ID=…&Return=…&CMD=…` one per line,
// several per body. An INFO result is followed by `key=value` lines; a Shell/GetFile result
// comes one key per line, with everything after `Content=` as its content.
import type { LineError } from './errors.js';
import { decodeLine } from './lines.js';

export interface CommandResult {
  id: string;
  returnCode: number | null;
  cmd: string;
  /** Other `&key=value` fields (VERIFY SUM's AttlogSum, StartTime, …; SN for sub-controllers). */
  fields: Record<string, string>;
  /** INFO's option lines, or Shell/GetFile output. */
  content: string | null;
}

function pairs(text: string, separator: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(separator)) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function toResult(f: Record<string, string>, content: string | null): CommandResult {
  const { ID, Return, CMD, ...rest } = f;
  const code = Return !== undefined && /^-?\d+$/.test(Return.trim()) ? Number(Return.trim()) : null;
  return { id: (ID ?? '').trim(), returnCode: code, cmd: (CMD ?? '').trim(), fields: rest, content };
}

export function parseDeviceCmd(body: Uint8Array, legacy?: string): { results: CommandResult[]; errors: LineError[] } {
  const text = decodeLine(body, legacy).replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  const results: CommandResult[] = [];
  const errors: LineError[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.includes('&') && /^ID=/.test(line)) {
      const f = pairs(line, '&');
      if (f.CMD?.trim().toUpperCase() === 'INFO') {
        // INFO: the option lines up to the next result line belong to it.
        const content: string[] = [];
        i++;
        while (i < lines.length && !/^ID=[^&\n]*&/.test(lines[i]!)) content.push(lines[i++]!);
        while (content.length && content[content.length - 1] === '') content.pop();
        results.push(toResult(f, content.join('\n')));
        continue;
      }
      results.push(toResult(f, null));
      i++;
      continue;
    }
    if (/^ID=/.test(line)) {
      // One key per line (Shell, GetFile, PutFile): up to Content=, which takes the rest.
      const f: Record<string, string> = {};
      let content: string | null = null;
      while (i < lines.length) {
        const l = lines[i]!;
        if (l.startsWith('Content=')) {
          content = [l.slice('Content='.length), ...lines.slice(i + 1)].join('\n');
          i = lines.length;
          break;
        }
        if (/^ID=[^&\n]*&/.test(l) && Object.keys(f).length > 0) break;
        const eq = l.indexOf('=');
        if (eq > 0) f[l.slice(0, eq)] = l.slice(eq + 1);
        i++;
      }
      results.push(toResult(f, content));
      continue;
    }
    errors.push({ line: i + 1, text: line, reason: 'not a command result (ID=…)' });
    i++;
  }
  return { results, errors };
}
