// `table=options` and push 3.x `registry` bodies: one line of `key=value` pairs joined by
// commas; `~` marks read-only keys (kept in the name). Values are kept verbatim.
import { decodeLine } from './lines.js';

/** An INFO command result's content: one `key=value` option per line (the same keys as table=options). */
export function parseOptionLines(content: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const line of content.split(/\r\n|\r|\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) options[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return options;
}

export function parseOptionsBody(body: Uint8Array, legacy?: string): Record<string, string> {
  const options: Record<string, string> = {};
  const text = decodeLine(body, legacy).replace(/\r?\n$/, '');
  for (const part of text.split(/,(?=[~A-Za-z][\w~.-]*=)/)) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    options[part.slice(0, eq).trim()] = part.slice(eq + 1);
  }
  return options;
}
