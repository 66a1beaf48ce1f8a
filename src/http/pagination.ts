// The list convention: ?page=&page_size= in, {data, total, page, page_size} out.
import { AppError } from '../errors.js';
import type { Window } from '../store/list.js';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

export interface PageRequest {
  page: number;
  pageSize: number;
}

export interface Page<T> {
  data: T[];
  total: number;
  page: number;
  page_size: number;
}

function positiveInt(name: string, raw: unknown, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new AppError('validation_error', `${name} must be a whole number of 1 or more`);
  return n;
}

export function parsePageRequest(query: Record<string, unknown>): PageRequest {
  const pageSize = positiveInt('page_size', query.page_size, DEFAULT_PAGE_SIZE);
  if (pageSize > MAX_PAGE_SIZE) throw new AppError('validation_error', `page_size must be at most ${MAX_PAGE_SIZE}`);
  return { page: positiveInt('page', query.page, 1), pageSize };
}

/** The page a list request asks for, and the window of rows it means. */
export function parsePageWindow(query: Record<string, unknown>): { page: PageRequest; window: Window } {
  const page = parsePageRequest(query);
  return { page, window: { offset: (page.page - 1) * page.pageSize, limit: page.pageSize } };
}

export function pageOf<T>(request: PageRequest, data: T[], total: number): Page<T> {
  return { data, total, page: request.page, page_size: request.pageSize };
}
