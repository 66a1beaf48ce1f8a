// ATTPHOTO uploads: a text header (`PIN=<file>.jpg`, `SN=`, `size=`, `CMD=uploadphoto` or
// `CMD=realupload`), one NUL, then the JPEG bytes.

export interface AttPhoto {
  fileName: string;
  sn: string | null;
  size: number | null;
  /** From the file name `YYYYMMDDhhmmss-PIN.jpg`, where it has that form. */
  pin: string | null;
  time: string | null;
  jpeg: Uint8Array;
}

export function parseAttPhoto(body: Uint8Array): AttPhoto | null {
  const nul = body.indexOf(0);
  if (nul < 0) return null;
  const header = new TextDecoder('latin1').decode(body.subarray(0, nul));
  const f: Record<string, string> = {};
  for (const line of header.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) f[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  if (!f.pin) return null;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})-(.+)\.jpe?g$/i.exec(f.pin);
  return {
    fileName: f.pin,
    sn: f.sn ?? null,
    size: f.size && /^\d+$/.test(f.size) ? Number(f.size) : null,
    pin: m ? m[7]! : null,
    time: m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}` : null,
    jpeg: body.subarray(nul + 1),
  };
}
