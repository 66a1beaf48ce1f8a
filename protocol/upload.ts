// One parse of a device upload (POST /iclock/cdata, /fdata, /querydata): its kind by
// `uploadKind`, its body read the way that kind is written, and the stamp it carries. The
// reply to it is `formatUploadReply` (reply.ts).
import { type AttlogRecord, type Parsed, parseAttlog } from './attlog.js';
import { type AttPhoto, parseAttPhoto } from './attphoto.js';
import { type OperlogRecord, parseOperlog } from './operlog.js';
import { parseOptionsBody } from './options.js';
import { type KeyValueRow, parseKeyValueRows, parseTableData } from './push3.js';
import { type DeviceQuery, uploadKind } from './query.js';

/** An upload read, by kind. `stamp`: the position the terminal says it sent up to, to hand back at the next handshake. */
export type Upload =
  /** Punches; `Stamp=`. */
  | { kind: 'ATTLOG'; stamp: string | null; parsed: Parsed<AttlogRecord> }
  /** Users, operations and templates; OPERLOG's stamp is `OpStamp=` (legacy) or `Stamp=`, BIODATA's `Stamp=`, IDCARD has none. */
  | { kind: 'OPERLOG' | 'BIODATA' | 'IDCARD'; stamp: string | null; parsed: Parsed<OperlogRecord> }
  /** A photo taken at a punch; `Stamp=` when not empty; null photo: no header or no NUL. */
  | { kind: 'ATTPHOTO'; stamp: string | null; photo: AttPhoto | null }
  /** Push 3.x events (RTLOG: some are punches, see `isPunchEvent`) and door states. */
  | { kind: 'RTLOG' | 'RTSTATE'; parsed: Parsed<KeyValueRow> }
  /** Push 3.x rows of one table (`tablename=`; empty when the terminal sent none). */
  | { kind: 'TABLEDATA'; tableName: string; parsed: Parsed<KeyValueRow> }
  /** The terminal's options (`table=options`). */
  | { kind: 'OPTIONS'; options: Record<string, string> }
  /** Kept as sent (archived), not read. */
  | { kind: 'ERRORLOG' }
  /** A table iclockd does not know (`table=` as sent, null without one): archived, not read. */
  | { kind: 'UNKNOWN'; table: string | null };

/** Reads an upload; `legacy`: the code page of the terminal's language for text that is not UTF-8 (`legacyEncodingOf`). */
export function parseUpload(q: DeviceQuery, body: Uint8Array, legacy?: string): Upload {
  const kind = uploadKind(q);
  switch (kind) {
    case 'ATTLOG':
      return { kind, stamp: q.stamp, parsed: parseAttlog(body) };
    case 'OPERLOG':
      return { kind, stamp: q.opStamp ?? q.stamp, parsed: parseOperlog(body, legacy) };
    case 'BIODATA':
      return { kind, stamp: q.stamp, parsed: parseOperlog(body, legacy) };
    case 'IDCARD':
      return { kind, stamp: null, parsed: parseOperlog(body, legacy) };
    case 'ATTPHOTO':
      return { kind, stamp: q.stamp ? q.stamp : null, photo: parseAttPhoto(body) };
    case 'RTLOG':
    case 'RTSTATE':
      return { kind, parsed: parseKeyValueRows(body, legacy) };
    case 'TABLEDATA': {
      const tableName = q.params.tablename ?? '';
      return { kind, tableName, parsed: parseTableData(body, tableName, legacy) };
    }
    case 'OPTIONS':
      return { kind, options: parseOptionsBody(body, legacy) };
    case 'ERRORLOG':
      return { kind };
    case 'UNKNOWN':
      return { kind, table: q.table };
  }
}
