/**
 * The one error type of the API. Thrown anywhere in a request, it becomes
 * `{"error": {"code", "message"}}` with its status (see `app.ts`); `message` is shown to
 * clients, so it says what was wrong with the request and never what went wrong inside. The
 * only 5xx it carries are the service's own states, each with advice for the client: 503 while
 * the index loads or while a file the operator must repair keeps articles from changing, 504
 * when a request ran out of time. A 5xx's `cause`, the inside story, is logged, not sent.
 */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 415 | 429 | 503 | 504,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ApiError";
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}
