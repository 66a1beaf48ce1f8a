// Device bodies are bytes. Lines end with LF, CRLF or CR (the last one may have no end); each line
// is decoded on its own: strict UTF-8 (what the protocol asks for), else the legacy code page of
// the terminal's language (Chinese-language firmware sends GB2312; older firmware in other
// languages writes its Windows code page).
import iconv from 'iconv-lite';

export interface BodyLine {
  /** 1-based line number in the body. */
  number: number;
  text: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The fallback when a terminal's language is unknown: GB18030, as Chinese firmware writes GB2312. */
export const DEFAULT_LEGACY_ENCODING = 'gb18030';

/**
 * The code page older firmware writes non-UTF-8 text in, by the terminal's `language` number
 * (PROTOCOL.md §3): GB18030 for Chinese, the Windows code page of the others' script.
 */
const LEGACY_ENCODINGS: Record<number, string> = {
  83: 'gb18030', // zh-CN
  84: 'gb18030', // zh-TW: undocumented; Chinese, as commands to it are encoded
  69: 'windows-1252', // English
  97: 'windows-1252', // Spanish
  70: 'windows-1252', // French
  80: 'windows-1252', // Portuguese
  71: 'windows-1252', // German
  68: 'windows-1252', // Dutch
  105: 'windows-1252', // Italian
  73: 'windows-1252', // Indonesian
  66: 'windows-1256', // Arabic
  65: 'windows-1256', // Farsi
  82: 'windows-1251', // Russian
  76: 'windows-874', // Thai
  74: 'shift_jis', // Japanese
  75: 'cp949', // Korean
  86: 'windows-1258', // Vietnamese
  116: 'windows-1254', // Turkish
  72: 'windows-1255', // Hebrew
  90: 'windows-1250', // Czech
  89: 'windows-1250', // Slovak
  112: 'windows-1250', // Polish
  103: 'windows-1253', // Greek
};

export function legacyEncodingOf(language: number | null): string {
  return (language !== null ? LEGACY_ENCODINGS[language] : undefined) ?? DEFAULT_LEGACY_ENCODING;
}

/** A line's text: strict UTF-8, else `legacy` (a terminal's code page, see legacyEncodingOf). */
export function decodeLine(bytes: Uint8Array, legacy = DEFAULT_LEGACY_ENCODING): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return iconv.decode(Buffer.from(bytes), legacy);
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
export function splitLines(body: Uint8Array, legacy = DEFAULT_LEGACY_ENCODING): BodyLine[] {
  const lines: BodyLine[] = [];
  let start = 0;
  let number = 0;
  for (let i = 0; i <= body.length; i++) {
    const byte = body[i];
    if (i === body.length || byte === 0x0a || byte === 0x0d) {
      number++;
      if (i > start) lines.push({ number, text: decodeLine(body.subarray(start, i), legacy) });
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
