// What an operator gives for a poller (CLI options, `field=value` pairs, API JSON), checked once
// for every front: snake_case fields, numbers and flags as text or JSON.
import { z } from 'zod';
import { charsOf, identifierProblem } from '../store/columns.js';
import type { PollerSettings } from '../store/zkPollers.js';
import type { NewPoller, PollerChange } from './service.js';
import { isKnownZone } from '../pipeline/time.js';
import { validate } from '../validation.js';

const whole = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be from ${min} to ${max}`)
    .max(max, `must be from ${min} to ${max}`);
const flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes')]);
/** A DNS name or an IPv4/IPv6 address, as a terminal's Comm → Ethernet screen shows it. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^[0-9A-Fa-f:.]+$/;

const FIELDS = {
  host: z.string().trim().min(1, 'must name the terminal').max(charsOf('zk_pollers', 'host'), 'is too long').regex(HOST, 'must be an IP address or host name'),
  port: whole(1, 65535),
  /** Terminals take up to 6 digits (the protocol would carry 32 bits). */
  comm_key: whole(0, 999_999),
  interval_seconds: whole(10, 86_400),
  enabled: flag,
  clear_after_read: flag,
  set_clock: flag,
  site: z.string().trim().refine((v) => identifierProblem(v, charsOf('devices', 'site')) === null, 'must be 1 to 64 characters without control characters'),
  /** An IANA zone, or "default" (null): ICLOCKD_TZ. */
  time_zone: z
    .string()
    .trim()
    .refine((v) => v === 'default' || isKnownZone(v), 'must be an IANA zone such as Asia/Riyadh, or "default"')
    .transform((v) => (v === 'default' ? null : v)),
};

/** A new poller (the API's body; the CLI's options). */
export const NewPollerBody = z.strictObject({
  serial: z.string().trim().refine((v) => identifierProblem(v, charsOf('devices', 'serial')) === null, 'must be 1 to 64 characters without control characters'),
  host: FIELDS.host,
  port: FIELDS.port.default(4370),
  comm_key: FIELDS.comm_key.default(0),
  interval_seconds: FIELDS.interval_seconds.default(60),
  enabled: FIELDS.enabled.default(true),
  clear_after_read: FIELDS.clear_after_read.default(false),
  set_clock: FIELDS.set_clock.default(false),
  site: FIELDS.site.optional(),
  time_zone: FIELDS.time_zone.optional(),
});

/** A change to a poller: any of the fields. */
export const PollerChangeBody = z.strictObject(Object.fromEntries(Object.entries(FIELDS).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof FIELDS]: z.ZodOptional<(typeof FIELDS)[K]> });

/** The fields a poller takes, for help texts. */
export const POLLER_FIELDS = Object.keys(FIELDS);


function settingsOf(v: Partial<z.output<typeof PollerChangeBody>>): PollerChange {
  const out: PollerChange = {};
  if (v.host !== undefined) out.host = v.host;
  if (v.port !== undefined) out.port = v.port;
  if (v.comm_key !== undefined) out.commKey = v.comm_key;
  if (v.interval_seconds !== undefined) out.intervalSeconds = v.interval_seconds;
  if (v.enabled !== undefined) out.enabled = v.enabled;
  if (v.clear_after_read !== undefined) out.clearAfterRead = v.clear_after_read;
  if (v.set_clock !== undefined) out.setClock = v.set_clock;
  if (v.site !== undefined) out.site = v.site;
  if (v.time_zone !== undefined) out.timeZone = v.time_zone;
  return out;
}

/** A new poller from what the operator gave: a validation error naming every bad field. */
export function newPollerInput(raw: unknown): NewPoller {
  return newPollerOf(validate(NewPollerBody, raw));
}

/** A validated body as the service takes it. */
export function newPollerOf(v: z.output<typeof NewPollerBody>): NewPoller {
  return { serial: v.serial, ...(settingsOf(v) as PollerSettings) };
}

/** A change to a poller: only the fields given. */
export function pollerChangeInput(raw: unknown): PollerChange {
  return pollerChangeOf(validate(PollerChangeBody, raw));
}

export function pollerChangeOf(v: z.output<typeof PollerChangeBody>): PollerChange {
  return settingsOf(v);
}
