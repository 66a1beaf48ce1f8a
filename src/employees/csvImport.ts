// `iclockd employees import FILE.csv` and POST /api/v1/employees/import: upsert employees by id, row by row; a bad row is
// rejected alone, with its line number and reason, and the rest are imported.
//
// The file is read whole (employee lists are small) before the database is touched. csv-parse
// stops at the first malformed record and cannot always resync after one (a bad closing quote
// ends the parse), so after an error parsing starts again on the line after the bad record's
// first line. Line numbers come from our own index of line breaks (LF, CRLF or CR), not from
// the parser's count, which is off after a quoted field holding a CRLF.
import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { CsvError, parse } from 'csv-parse/sync';
import type { EmployeeInput, EmployeeService } from './service.js';
import { AppError } from '../errors.js';

export const IMPORT_COLUMNS = ['employee', 'name', 'attendance_device_id', 'status', 'site', 'default_shift', 'date_of_joining', 'relieving_date', 'holiday_list'] as const;

/** A progress bar is shown above this many rows, when the stream is a terminal. */
export const PROGRESS_MIN_ROWS = 200;

/** One data row: the fields it sets, or why it could not be read. `line` is where it starts. */
export type CsvRow = { line: number; input: EmployeeInput } | { line: number; error: string };

export interface EmployeeCsv {
  file: string;
  rows: CsvRow[];
}

export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  linked: number;
  rejected: { line: number; reason: string }[];
}

/** Header cells to column keys: case and spaces do not matter ("Attendance Device ID"). */
function columnKey(header: string): string {
  return header.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Text of the file: UTF-8 (with or without BOM), or UTF-16 with its BOM. */
function decode(bytes: Buffer): { text: string; lossy: boolean } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: bytes.subarray(2).toString('utf16le'), lossy: false };
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), lossy: false };
  // Not UTF-8 (an "ANSI" export): the undecodable bytes become U+FFFD and their rows are rejected.
  return { text: bytes.toString('utf8'), lossy: !isUtf8(bytes) };
}

/** Byte offsets where each line starts; a line ends at LF, CRLF or a lone CR. */
function lineStarts(data: Buffer): number[] {
  const starts = [0];
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (b === 0x0a) starts.push(i + 1);
    else if (b === 0x0d) {
      if (data[i + 1] === 0x0a) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** The reason for a CSV error, without the parser's own (chunk-relative) line number. */
function csvReason(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'Quote Not Closed: a quoted field is not closed (the lines after this one are read as rows of their own)';
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'Invalid Closing Quote: text after the closing quote of a field (inside quotes, write a quote as "")';
    default:
      return err.message.replace(/\s+(?:at|on) line \d+\.?$/, '');
  }
}

/** Every record of the text with the line it starts on, or the error that stopped it. */
function records(data: Buffer): { line: number; cells?: string[]; error?: string }[] {
  const starts = lineStarts(data);
  /** 1-based line of a byte offset. */
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  /** Past blank space and empty lines, as the parser skips them: where the next record starts. */
  const skipBlank = (offset: number): number => {
    while (offset < data.length && (data[offset] === 0x20 || data[offset] === 0x09 || data[offset] === 0x0a || data[offset] === 0x0d)) offset++;
    return offset;
  };
  const out: { line: number; cells?: string[]; error?: string }[] = [];
  let offset = 0;
  while (skipBlank(offset) < data.length) {
    const base = offset;
    let end = offset;
    try {
      parse(data.subarray(base), {
        relax_quotes: true, // a stray quote inside a field is kept as a character
        relax_column_count: true, // counted against the header below, which a restart does not see
        skip_empty_lines: true,
        trim: true,
        record_delimiter: ['\r\n', '\n', '\r'],
        on_record: (cells: string[], info) => {
          out.push({ line: lineOf(skipBlank(end)), cells });
          end = base + info.bytes;
          return null;
        },
      });
      break;
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      const start = skipBlank(end);
      if (start >= data.length) break;
      const line = lineOf(start);
      out.push({ line, error: csvReason(err) });
      offset = line < starts.length ? starts[line]! : data.length;
    }
  }
  return out;
}

/** Reads and parses the file; fails (exit 1) when it cannot be read or has no header row. */
export async function readEmployeeCsv(file: string): Promise<EmployeeCsv> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? '' : code === 'EISDIR' ? ' (it is a directory)' : code === 'EACCES' ? ' (permission denied)' : ` (${(err as Error).message})`;
    throw new AppError('validation_error', `cannot read ${file}${why}`);
  }
  return parseEmployeeCsv(bytes, file);
}

/** Parses CSV bytes (`file` names them in messages); fails when there is no header row. */
export function parseEmployeeCsv(bytes: Buffer, file: string): EmployeeCsv {
  const { text, lossy } = decode(bytes);
  const all = records(Buffer.from(text, 'utf8'));
  const noHeader = `${file} has no header naming the columns (${IMPORT_COLUMNS.join(', ')})`;
  const header = all.shift();
  if (!header) throw new AppError('validation_error', noHeader);
  if (!header.cells) throw new AppError('validation_error', `${noHeader}: line ${header.line}: ${header.error}`);
  const keys = header.cells.map(columnKey);
  if (!keys.includes('name') && !keys.includes('employee')) throw new AppError('validation_error', noHeader);
  // The first column of a name counts, should the header repeat one.
  const index = IMPORT_COLUMNS.map((column) => [column, keys.indexOf(column)] as const).filter(([, i]) => i >= 0);

  const rows: CsvRow[] = [];
  for (const r of all) {
    if (!r.cells) {
      rows.push({ line: r.line, error: r.error! });
      continue;
    }
    // A row of empty cells (",,,," as spreadsheets export formatted blank rows) is a blank line.
    if (r.cells.every((c) => c === '')) continue;
    if (r.cells.length !== keys.length) {
      rows.push({ line: r.line, error: `Invalid Record Length: ${r.cells.length} fields, the header has ${keys.length}` });
      continue;
    }
    if (lossy && r.cells.some((c) => c.includes('\uFFFD'))) {
      rows.push({ line: r.line, error: 'not UTF-8 text (save the file as "CSV UTF-8")' });
      continue;
    }
    const input: EmployeeInput = {};
    // An empty cell leaves the field as it is on update; only a present value changes it.
    for (const [column, i] of index) if (r.cells[i] !== '') input[column] = r.cells[i];
    rows.push({ line: r.line, input });
  }
  return { file, rows };
}

/** Upserts every readable row, each on its own; rows that fail are reported, not fatal. */
export async function importEmployees(
  csv: EmployeeCsv,
  employees: Pick<EmployeeService, 'upsert'>,
  options: { progress?: NodeJS.WritableStream & { isTTY?: boolean } } = {},
): Promise<ImportReport> {
  const report: ImportReport = { rows: csv.rows.length, created: 0, updated: 0, linked: 0, rejected: [] };
  // A bar only for a person watching a large file.
  let bar: cliProgress.SingleBar | undefined;
  if (options.progress?.isTTY && csv.rows.length > PROGRESS_MIN_ROWS) {
    bar = new cliProgress.SingleBar({ stream: options.progress, format: 'importing [{bar}] {value}/{total} rows' }, cliProgress.Presets.shades_classic);
    bar.start(csv.rows.length, 0);
  }
  try {
    for (const row of csv.rows) {
      if ('error' in row) report.rejected.push({ line: row.line, reason: row.error });
      else {
        try {
          const result = await employees.upsert(row.input);
          if (result.created) report.created++;
          else report.updated++;
          report.linked += result.linked;
        } catch (err) {
          if (err instanceof AppError && err.status < 500) report.rejected.push({ line: row.line, reason: err.message });
          else {
            const message = err instanceof Error ? err.message : String(err);
            throw new Error(`${csv.file} line ${row.line}: ${message}; the import stopped there (the rows before it were imported)`, { cause: err });
          }
        }
      }
      bar?.increment();
    }
  } finally {
    bar?.stop();
  }
  return report;
}

export function formatImportReport(r: ImportReport): string[] {
  const summary = `created ${r.created}, updated ${r.updated}, rejected ${r.rejected.length} (of ${r.rows} rows)${r.linked > 0 ? `; linked ${r.linked} waiting punches` : ''}`;
  return [summary, ...r.rejected.map((x) => `line ${x.line}: ${x.reason}`)];
}
