// The list convention: ?page=&page_size= in (validated by `pageQuery` in operation.ts),
// {data, total, page, page_size} out.
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

/** The page a list request asks for (its validated query), and the window of rows it means. */
export function pageWindow(query: { page?: number | undefined; page_size?: number | undefined }): { page: PageRequest; window: Window } {
  const page = { page: query.page ?? 1, pageSize: Math.min(query.page_size ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) };
  return { page, window: { offset: (page.page - 1) * page.pageSize, limit: page.pageSize } };
}

export function pageOf<T>(request: PageRequest, data: T[], total: number): Page<T> {
  return { data, total, page: request.page, page_size: request.pageSize };
}
