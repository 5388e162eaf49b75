/**
 * One error type for domain code, translated at each edge: to tRPC codes in server/trpc/init.ts and to SMTP
 * replies in the MTA bridge. Codes:
 *   NOT_FOUND      the thing does not exist in the caller's tenant (never "exists elsewhere")
 *   FORBIDDEN      the caller's role may not do this
 *   BAD_INPUT      the input is invalid; `field` names the form field when there is one
 *   CONFLICT       it would duplicate something unique (a domain, an email)
 *   UNAVAILABLE    a dependency (database, DNS) failed transiently: retry later (SMTP 4xx)
 *   PRECONDITION   a required state is missing (e.g. sending from an unverified domain)
 */
export type AppErrorCode = "NOT_FOUND" | "FORBIDDEN" | "BAD_INPUT" | "CONFLICT" | "UNAVAILABLE" | "PRECONDITION";

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly field: string | undefined;

  constructor(code: AppErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.field = options.field;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
