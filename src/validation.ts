// Request validation with zod: the issues of a failed parse as the API's validation error,
// `{fields: [...]}` naming every bad top-level field. The HTTP layer validates with it
// (src/http/operation.ts), and so does the punch intake, whose messages are the seed's.
import { z } from 'zod';
import { AppError } from './errors.js';

/** Absent, null or "": what the seed treats as not given. */
export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/**
 * Zod's issues as the API's validation error: `fields` names every bad top-level field (in the
 * order of `order`, the schema's keys), the message says which are missing and why the others
 * are not valid, as the seed's does.
 */
export function issuesToError(issues: readonly z.core.$ZodIssue[], input: unknown, order: string[] = []): AppError {
  const { missing, invalid, reasons } = classifyIssues(issues, input, order);
  const parts: string[] = [];
  if (missing.length) parts.push(`Missing required fields: ${missing.join(', ')}`);
  if (invalid.length) parts.push(`Invalid fields: ${invalid.join(', ')}${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
  const fields = [...missing, ...invalid].sort((a, b) => rankIn(order, a) - rankIn(order, b));
  return new AppError('validation_error', parts.join('. ') || 'Invalid request', { fields });
}

const rankIn = (order: string[], field: string) => (order.includes(field) ? order.indexOf(field) : order.length);

/** Per top-level field: absent (missing) or present but wrong (invalid, with zod's reason). */
export function classifyIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  order: string[] = [],
): { missing: string[]; invalid: string[]; reasons: string[] } {
  const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const missing: string[] = [];
  const invalid = new Map<string, string>();
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      for (const key of issue.keys) if (!invalid.has(key)) invalid.set(key, `${key}: not accepted here`);
      continue;
    }
    const field = issue.path.length ? String(issue.path[0]) : 'body';
    if (missing.includes(field) || invalid.has(field)) continue;
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && isBlank(record[field]) && issue.path.length === 1) missing.push(field);
    else invalid.set(field, `${issue.path.map(String).join('.') || field}: ${issue.message}`);
  }
  const byOrder = (a: string, b: string) => rankIn(order, a) - rankIn(order, b);
  const bad = [...invalid.keys()].sort(byOrder);
  return { missing: missing.sort(byOrder), invalid: bad, reasons: bad.map((f) => invalid.get(f)!) };
}

/** The top-level keys of an object schema (of every option of a union), in declaration order. */
export function fieldOrder(schema: z.ZodType): string[] {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodUnion) return [...new Set((schema.options as z.ZodType[]).flatMap(fieldOrder))];
  return [];
}

/** Parses `value` with `schema`, or throws the API's validation error. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw issuesToError(result.error.issues, value, fieldOrder(schema));
  return result.data;
}


/** Absent, null and "" alike are not given (a required field is then missing). */
export function given<S extends z.ZodType>(schema: S) {
  return z.preprocess((v) => (isBlank(v) ? undefined : v), schema);
}
