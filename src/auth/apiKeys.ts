// API keys: Frappe-style `Authorization: token KEY:SECRET`. Secrets are stored only as scrypt
// hashes and compared in constant time. scrypt is slow on purpose, so a secret that verified
// once is remembered in memory (as a SHA-256 of it, bounded): every later request with it
// costs a hash, not an scrypt. The key's row is still read on every request, so a
// revocation takes effect at once.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { Listed, Window } from '../store/list.js';
import { type RateLimiter, rateLimited } from '../limits.js';
import { Batcher } from '../store/batcher.js';
import { AppError } from '../errors.js';
import { charLength, charsOf } from '../store/columns.js';
import {
  type ApiKeyRecord,
  type Role,
  ROLES,
  findApiKeys,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
} from '../store/apiKeys.js';
import { deleteSession, findSession, insertSession } from '../store/sessions.js';

export type { ApiKeyRecord, Role };
export { ROLES };

export interface Principal {
  apiKey: string;
  label: string;
  role: Role;
}

/** How often last_used_at is written for a busy key: once a minute is plenty. */
const TOUCH_INTERVAL_MS = 60_000;

/** A console session lasts this long from sign-in (absolute, not sliding). */
export const SESSION_HOURS = 12;

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };
const VERIFIED_MAX = 10_000;

function scryptHash(secret: string, salt: Buffer, o: { N: number; r: number; p: number; keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, o.keylen, { N: o.N, r: o.r, p: o.p, maxmem: 128 * o.N * o.r * 2 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash` (hex). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptHash(secret, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('hex')}$${hash.toString('hex')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'hex');
  const given = await scryptHash(secret, Buffer.from(salt, 'hex'), { N: Number(n), r: Number(r), p: Number(p), keylen: expected.length });
  return timingSafeEqual(expected, given);
}

const fingerprint = (apiKey: string, secret: string) => createHash('sha256').update(`${apiKey}:${secret}`, 'utf8').digest('hex');

/** A stand-in hash so an unknown key costs the same scrypt as a known one. */
let decoyHash: Promise<string> | undefined;

/** Splits `token KEY:SECRET` (or `Basic base64(KEY:SECRET)`, which Frappe also takes). */
export function parseAuthorization(header: string | undefined): { apiKey: string; secret: string } | null {
  if (!header) return null;
  const [scheme, value, ...rest] = header.trim().split(/\s+/);
  if (!scheme || !value || rest.length > 0) return null;
  let pair: string;
  if (scheme.toLowerCase() === 'token') pair = value;
  else if (scheme.toLowerCase() === 'basic') pair = Buffer.from(value, 'base64').toString('utf8');
  else return null;
  const colon = pair.indexOf(':');
  if (colon <= 0 || colon === pair.length - 1) return null;
  return { apiKey: pair.slice(0, colon), secret: pair.slice(colon + 1) };
}

export interface ApiKeyServiceDeps {
  knex: Knex;
  clock: Clock;
  /** Requests per key (ICLOCKD_API_RATE_PER_KEY); checked once the key is known to be real. */
  perKey?: RateLimiter;
  /** The scrypt check (a test counts its calls). */
  verify?: (secret: string, stored: string) => Promise<boolean>;
}

export class ApiKeyService {
  /** Secrets that passed scrypt, by key: the stored hash and a SHA-256 of key:secret. */
  private readonly verified = new Map<string, string>();

  /** scrypt runs in flight, by stored hash and fingerprint: a crowd of requests with one new secret costs one scrypt, not one each. */
  private readonly verifying = new Map<string, Promise<boolean>>();

  /** When this process last wrote last_used_at, by key: concurrent requests that all read an old value write it once. */
  private readonly touched = new Map<string, number>();

  /** Concurrent requests' key rows are read in one query (still read on every request, so a revocation counts at once). */
  private readonly lookups: Batcher<string, ApiKeyRecord | null>;

  private readonly knex: Knex;
  private readonly now: Clock;
  private readonly perKey: RateLimiter | undefined;
  private readonly verify: (secret: string, stored: string) => Promise<boolean>;

  constructor({ knex, clock, perKey, verify = verifySecret }: ApiKeyServiceDeps) {
    this.knex = knex;
    this.now = clock;
    this.perKey = perKey;
    this.verify = verify;
    this.lookups = new Batcher(
      async (keys) => {
        const found = await findApiKeys(this.knex, keys);
        return keys.map((k) => found.get(k) ?? null);
      },
      { concurrency: 4 },
    );
  }

  /** Creates a key; the secret is returned this once and only its hash is kept. */
  async create(label: string, role: Role): Promise<{ apiKey: string; secret: string; role: Role; label: string }> {
    if (!label.trim()) throw new AppError('validation_error', 'label must not be empty');
    const max = charsOf('api_keys', 'label');
    if (charLength(label.trim()) > max || !label.isWellFormed()) throw new AppError('validation_error', `label must be valid text of at most ${max} characters`);
    if (!ROLES.includes(role)) throw new AppError('validation_error', `role must be one of ${ROLES.join(', ')}`);
    const apiKey = randomBytes(8).toString('hex');
    const secret = randomBytes(16).toString('hex');
    await insertApiKey(this.knex, {
      apiKey,
      secretHash: await hashSecret(secret),
      label: label.trim(),
      role,
      createdAt: this.now(),
    });
    return { apiKey, secret, role, label: label.trim() };
  }

  /** Keys in creation order; `offset`/`limit` select a page. */
  list(window: Window = { offset: 0, limit: 1_000_000 }): Promise<Listed<ApiKeyRecord>> {
    return listApiKeys(this.knex, window);
  }

  async revoke(apiKey: string): Promise<void> {
    if (!(await revokeApiKey(this.knex, apiKey, this.now()))) {
      throw new AppError('not_found', `no active API key ${apiKey}`);
    }
  }

  /** Checks an Authorization header; throws authentication_error unless it names a live key. */
  async authenticate(header: string | undefined): Promise<Principal> {
    const parsed = parseAuthorization(header);
    if (!parsed) {
      throw new AppError('authentication_error', header ? 'Malformed Authorization header; expected "token KEY:SECRET"' : 'Missing Authorization header; expected "token KEY:SECRET"');
    }
    const record = await this.lookups.add(parsed.apiKey);
    const print = fingerprint(parsed.apiKey, parsed.secret);
    const proof = record === null ? null : `${record.secretHash}\u0000${print}`;
    let secretMatches = proof !== null && this.verified.get(record!.apiKey) === proof;
    if (!secretMatches) secretMatches = (await this.verifyOnce(parsed.secret, record, proof)) && record !== null;
    if (!record || !secretMatches || record.revokedAt) {
      throw new AppError('authentication_error', 'Invalid API key or secret');
    }
    const wait = this.perKey?.take(record.apiKey) ?? 0;
    if (wait) throw rateLimited(wait, `with key ${record.apiKey}`);
    const now = this.now().getTime();
    const lastUsed = Math.max(record.lastUsedAt?.getTime() ?? 0, this.touched.get(record.apiKey) ?? 0);
    if (now - lastUsed > TOUCH_INTERVAL_MS) {
      if (this.touched.size >= VERIFIED_MAX) this.touched.delete(this.touched.keys().next().value!);
      this.touched.set(record.apiKey, now);
      await touchApiKey(this.knex, record.id, new Date(now));
    }
    return { apiKey: record.apiKey, label: record.label, role: record.role };
  }

  /** scrypt of a secret not yet seen to verify, shared by the requests that carry it at the same time. */
  private async verifyOnce(secret: string, record: ApiKeyRecord | null, proof: string | null): Promise<boolean> {
    // Verified even for an unknown key, so timing does not tell which keys exist.
    if (record === null || proof === null) {
      decoyHash ??= hashSecret(randomBytes(16).toString('hex'));
      return this.verify(secret, await decoyHash);
    }
    let running = this.verifying.get(proof);
    if (!running) {
      running = this.verify(secret, record.secretHash).finally(() => this.verifying.delete(proof));
      this.verifying.set(proof, running);
    }
    const ok = await running;
    if (ok) {
      if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(record.apiKey, proof);
    }
    return ok;
  }

  /**
   * Starts a console session for a principal that has just authenticated with its key: a
   * random token for the cookie. Only its SHA-256 is stored, so the table leaks no session.
   */
  async startSession(principal: Principal): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    const expiresAt = new Date(createdAt.getTime() + SESSION_HOURS * 3600_000);
    await insertSession(this.knex, { tokenHash: tokenHash(token), apiKey: principal.apiKey, createdAt, expiresAt });
    return { token, expiresAt };
  }

  /**
   * The principal behind a session cookie. The key is read again on every request, so
   * revoking the key that signed in ends its sessions at once.
   */
  async authenticateSession(token: string): Promise<Principal> {
    const session = token.length <= 100 ? await findSession(this.knex, tokenHash(token)) : null;
    if (!session || session.expiresAt.getTime() <= this.now().getTime()) {
      throw new AppError('authentication_error', 'Your console session has ended; sign in again');
    }
    const record = await this.lookups.add(session.apiKey);
    if (!record || record.revokedAt) throw new AppError('authentication_error', 'The API key this session signed in with was revoked; sign in again');
    const wait = this.perKey?.take(record.apiKey) ?? 0;
    if (wait) throw rateLimited(wait, `with key ${record.apiKey}`);
    return { apiKey: record.apiKey, label: record.label, role: record.role };
  }

  async endSession(token: string): Promise<boolean> {
    return deleteSession(this.knex, tokenHash(token));
  }
}
