// A real HTTP server receiving iclockd's webhooks. It checks each signature the way docs/integrator/webhooks.md
// tells receivers to (written here from the recipe, not with iclockd's own code), remembers
// what it accepted by Idempotency-Key, and fails on purpose when told to.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookAttempt {
  key: string;
  body: Record<string, unknown>;
  status: number;
}

export class FakeWebhook {
  url = '';
  secret = '';
  readonly attempts: WebhookAttempt[] = [];
  /** Idempotency keys answered 2xx, with how many times. */
  readonly accepted = new Map<string, number>();
  /** Bodies accepted, in order. */
  readonly delivered: Record<string, unknown>[] = [];
  badSignatures = 0;
  down = false;
  /** Each new key fails this many times with 500 first. */
  failFirst = 0;
  /** Answer for a body, overriding the rest (e.g. 422 for one employee). */
  answerFor: ((body: Record<string, unknown>) => number | null) | null = null;
  private readonly tries = new Map<string, number>();
  private server!: Server;

  static async start(): Promise<FakeWebhook> {
    const fake = new FakeWebhook();
    fake.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const status = fake.answer(raw, String(req.headers['idempotency-key'] ?? ''), String(req.headers['x-iclockd-signature'] ?? ''));
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: status < 300 }));
      });
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/hooks/iclockd`;
    return fake;
  }

  /** The recipe in docs/integrator/webhooks.md: HMAC-SHA256 of `t + "." + raw body` with the secret, compared in constant time, t recent. */
  private verified(raw: string, header: string): boolean {
    const fields = Object.fromEntries(header.split(',').map((kv) => kv.split('=')));
    const t = Number(fields.t);
    if (!Number.isFinite(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
    const expected = createHmac('sha256', this.secret).update(`${fields.t}.${raw}`).digest();
    const given = Buffer.from(String(fields.v1 ?? ''), 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private answer(raw: string, key: string, signature: string): number {
    if (this.down) return 503;
    if (!this.verified(raw, signature)) {
      this.badSignatures++;
      return 401;
    }
    const body = JSON.parse(raw) as Record<string, unknown>;
    const attempt = (this.tries.get(key) ?? 0) + 1;
    this.tries.set(key, attempt);
    const status = this.answerFor?.(body) ?? (attempt <= this.failFirst ? 500 : 200);
    // A receiver that has the key already answers 200 again without doing the work twice.
    if (status < 300 && !this.accepted.has(key)) this.delivered.push(body);
    this.attempts.push({ key, body, status });
    if (status < 300) this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
    return status;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
