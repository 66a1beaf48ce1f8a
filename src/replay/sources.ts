// Where replayed requests come from: capture files (or directories of them), HAR exports
// (browser / mitmproxy) filtered to /iclock/, and directories of raw ATTLOG exports (the
// terminal's USB "attlog.dat": tab-separated lines) for one serial.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CapturedRequest, parseCaptureFile } from './capture.js';

/** Raw ATTLOG lines go up in uploads of this many records, as a terminal catching up would. */
const ATTLOG_BATCH = 500;

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

interface HarEntry {
  request: { method: string; url: string; headers?: { name: string; value: string }[]; postData?: { text?: string; encoding?: string } };
}

export function readHar(text: string): CapturedRequest[] {
  const har = JSON.parse(text) as { log?: { entries?: HarEntry[] } };
  const entries = har.log?.entries ?? [];
  return entries.flatMap((e) => {
    const url = new URL(e.request.url);
    if (!url.pathname.startsWith('/iclock/')) return [];
    const post = e.request.postData;
    const body = post?.text === undefined ? Buffer.alloc(0) : Buffer.from(post.text, post.encoding === 'base64' ? 'base64' : 'utf8');
    const keep = new Set(['content-type', 'user-agent', 'cookie']);
    return [
      {
        method: e.request.method.toUpperCase(),
        target: url.pathname + url.search,
        headers: (e.request.headers ?? []).filter((h) => keep.has(h.name.toLowerCase())).map((h) => [h.name, h.value] as [string, string]),
        body,
        comments: [],
      },
    ];
  });
}

/** A handshake, then the lines as ATTLOG uploads. */
export function attlogRequests(lines: string[], sn: string): CapturedRequest[] {
  const sn64 = encodeURIComponent(sn);
  const requests: CapturedRequest[] = [{ method: 'GET', target: `/iclock/cdata?SN=${sn64}&options=all&pushver=2.4.1`, headers: [], body: Buffer.alloc(0), comments: [] }];
  for (let i = 0; i < lines.length; i += ATTLOG_BATCH) {
    requests.push({
      method: 'POST',
      target: `/iclock/cdata?SN=${sn64}&table=ATTLOG&Stamp=9999`,
      headers: [['Content-Type', 'text/plain']],
      body: Buffer.from(`${lines.slice(i, i + ATTLOG_BATCH).join('\n')}\n`),
      comments: [],
    });
  }
  return requests;
}

/**
 * Every request under the paths, in order: files sorted by name, requests in file order.
 * `.har` files are HAR; with `attlogSn`, other files are raw ATTLOG exports for that serial.
 */
export function loadRequests(paths: string[], attlogSn?: string): { file: string; request: CapturedRequest }[] {
  const out: { file: string; request: CapturedRequest }[] = [];
  const rawLines: string[] = [];
  for (const file of paths.flatMap(filesUnder)) {
    if (/(^|\/)(INDEX|README)\.md$/.test(file)) continue;
    const buf = readFileSync(file);
    if (file.toLowerCase().endsWith('.har')) {
      for (const request of readHar(buf.toString('utf8'))) out.push({ file, request });
    } else if (attlogSn) {
      rawLines.push(...buf.toString('utf8').split(/\r?\n/).filter((l) => l.trim() !== ''));
    } else {
      for (const request of parseCaptureFile(buf)) out.push({ file, request });
    }
  }
  if (attlogSn) for (const request of attlogRequests(rawLines, attlogSn)) out.push({ file: paths.join(','), request });
  return out;
}
