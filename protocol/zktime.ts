// ZK encoded time: seconds in a calendar of 12 months of 31 days from 2000-01-01. Used by old
// firmware stamps and OPLOG times, SET OPTIONS DateTime=, and push 3.x rtdata.

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function encodeZkTime(t: WallTime): number {
  return (((t.year - 2000) * 12 * 31 + (t.month - 1) * 31 + (t.day - 1)) * 86400 + t.hour * 3600 + t.minute * 60 + t.second);
}

export function decodeZkTime(value: number): WallTime {
  let rest = Math.floor(value);
  const second = rest % 60;
  rest = Math.floor(rest / 60);
  const minute = rest % 60;
  rest = Math.floor(rest / 60);
  const hour = rest % 24;
  rest = Math.floor(rest / 24);
  const day = (rest % 31) + 1;
  rest = Math.floor(rest / 31);
  const month = (rest % 12) + 1;
  const year = Math.floor(rest / 12) + 2000;
  return { year, month, day, hour, minute, second };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function formatWallTime(t: WallTime): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

export function parseWallTime(text: string): WallTime | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  return { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]! };
}
