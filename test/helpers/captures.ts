// Captured device requests in fixtures/adms/captures (format: fixtures/adms/captures/INDEX.md).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../fixtures/adms/captures/', import.meta.url));

export interface Capture {
  name: string;
  method: string;
  /** Path and query as sent. */
  target: string;
  path: string;
  search: string;
  body: Buffer;
}

export function captureNames(): string[] {
  return readdirSync(DIR).filter((f) => /^\d\d-.*\.txt$/.test(f)).sort();
}

export function loadCapture(name: string): Capture {
  const file = captureNames().find((f) => f === name || f.startsWith(`${name}-`));
  if (!file) throw new Error(`no capture ${name}`);
  const bytes = readFileSync(DIR + file);
  const marker = Buffer.from('\n# ---\n');
  const at = bytes.indexOf(marker);
  const afterMarker = at + marker.length;
  const lineEnd = bytes.indexOf(0x0a, afterMarker);
  const requestLine = bytes.subarray(afterMarker, lineEnd).toString('utf8');
  const body = bytes.subarray(lineEnd + 2); // one more LF: the blank line
  const [method, target] = requestLine.split(' ') as [string, string];
  const q = target.indexOf('?');
  return { name: file, method, target, path: q < 0 ? target : target.slice(0, q), search: q < 0 ? '' : target.slice(q + 1), body };
}
