// Errors the services throw on purpose, and the one table of their HTTP statuses. The HTTP
// layer reads whatever is thrown once (http/errorReplies.ts) and answers it in the caller's
// dialect: the API's {success: false, error, error_type}, a terminal's text, Frappe's body.

export const ERROR_STATUS = {
  validation_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly type: ErrorType,
    message: string,
    /** Extra fields for the error body, e.g. the list of bad fields. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.type];
  }
}
