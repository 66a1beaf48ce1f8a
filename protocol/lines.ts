// Device bodies are bytes. Lines end with LF, CRLF or CR (the last one may have no end); each line
// is decoded on its own: strict UTF-8, else GB18030 (Chinese-language firmware sends GB2312).
import iconv from 'iconv-lite';

export interface BodyLine {
  /** 1-based line number in the body. */
  number: number;
  text: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeLine(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return iconv.decode(Buffer.from(bytes), 'gb18030');
  }
}

/** Device `language` codes whose firmware reads GB2312 text (83 zh-CN, 84 zh-TW). */
const CHINESE_LANGUAGES = new Set([83, 84]);

/** Outbound text (user names in commands) in the encoding the device's language expects. */
export function encodeForLanguage(text: string, language: number | null): Uint8Array {
  return language !== null && CHINESE_LANGUAGES.has(language) ? iconv.encode(text, 'gb18030') : new TextEncoder().encode(text);
}

/**
 * Splits on every line end a terminal may write: LF, CRLF, or a lone CR (some firmware and
 * serial bridges), so two records never merge into one. Empty lines are skipped; numbering
 * counts every line end.
 */
export function splitLines(body: Uint8Array): BodyLine[] {
  const lines: BodyLine[] = [];
  let start = 0;
  let number = 0;
  for (let i = 0; i <= body.length; i++) {
    const byte = body[i];
    if (i === body.length || byte === 0x0a || byte === 0x0d) {
      number++;
      if (i > start) lines.push({ number, text: decodeLine(body.subarray(start, i)) });
      if (byte === 0x0d && body[i + 1] === 0x0a) i++;
      start = i + 1;
    }
  }
  return lines;
}

/** Fields of a `KEY a=1<TAB>b=2` line after its keyword, as written (keys keep their case). */
export function parseTabPairs(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of text.split('\t')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) fields[part] = '';
    else fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return fields;
}

/** A field by name, whatever its case (`PIN`, `Pin`, `pin`). */
export function field(fields: Record<string, string>, name: string): string | undefined {
  if (name in fields) return fields[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(fields)) if (k.toLowerCase() === lower) return v;
  return undefined;
}
