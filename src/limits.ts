// Who may call, and how often: address allow-lists (CIDR) and token-bucket rate limits. Used
// by the HTTP layer (addresses, terminals) and by API-key checks (per key).
import { BlockList, isIP } from 'node:net';
import { AppError } from './errors.js';

/** `10.0.0.0/8`, `192.168.1.20`, `fd00::/8`, `::1`: a CIDR block or a single address. */
export function isCidr(text: string): boolean {
  const [address, prefix, ...rest] = text.trim().split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/** An address list; an empty one lets everyone in. */
export class AllowList {
  private readonly blocks = new BlockList();

  constructor(readonly entries: string[]) {
    for (const entry of entries) {
      const [address, prefix] = entry.trim().split('/') as [string, string | undefined];
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.blocks.addAddress(address, type);
      else this.blocks.addSubnet(address, Number(prefix), type);
    }
  }

  allows(ip: string): boolean {
    if (this.entries.length === 0) return true;
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    const address = v4 ?? ip;
    const family = isIP(address);
    return family !== 0 && this.blocks.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** Most keys (addresses, API keys, serials) one limiter remembers; the longest unused go first. */
const MAX_TRACKED = 100_000;

/**
 * A token bucket per key: `rate` requests per second on average, bursts of up to `burst`
 * (default twice the rate). A rate of 0 turns it off.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;

  constructor(
    private readonly rate: number,
    burst = rate * 2,
  ) {
    this.burst = Math.max(1, burst);
  }

  /** Takes one request's token: 0 when it may go now, else whole seconds until it may. */
  take(key: string, now = Date.now()): number {
    if (this.rate <= 0) return 0;
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
      bucket.at = now;
      this.buckets.delete(key); // re-inserted below: the map stays in order of last use
    } else {
      if (this.buckets.size >= MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.burst, at: now };
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
  }
}

export function rateLimited(retryAfterSeconds: number, what: string): AppError {
  return new AppError('rate_limited', `Too many requests ${what}; retry in ${retryAfterSeconds} s`, { retry_after: retryAfterSeconds });
}
