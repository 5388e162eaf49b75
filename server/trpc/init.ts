/**
 * tRPC for the web app. The context is split so tests build it without HTTP: `createContextInner({ db, session })`
 * and `createCaller`. It carries the runtime (server/runtime.ts: db, env, resolver, clock), so procedures only
 * validate and call the domain. Every procedure below `publicProcedure` checks the session, the user (not disabled, read
 * fresh from the database) and scopes the work to the user's tenant (R-TEN-1, R-TEN-4).
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Db } from "../db/client";
import { isAppError, type AppErrorCode } from "../errors";
import { getSessionUser, type SessionInfo } from "../auth/session-user";
import { needsTwoFactorSetup } from "../accounts/two-factor-policy";
import type { Role } from "../users/roles";
import { processServices, type Services } from "../runtime";

/** `services` defaults to this process's (its environment, one resolver for it, the wall clock). */
export type ContextInner = { db: Db; session: SessionInfo | null; services?: Services };

export function createContextInner(opts: ContextInner) {
  const { env, resolver, now } = opts.services ?? processServices();
  return { db: opts.db, session: opts.session, env, resolver, now };
}
export type Context = ReturnType<typeof createContextInner>;

const appErrorToTrpc: Record<AppErrorCode, TRPC_ERROR_CODE_KEY> = {
  NOT_FOUND: "NOT_FOUND",
  FORBIDDEN: "FORBIDDEN",
  BAD_INPUT: "BAD_REQUEST",
  CONFLICT: "CONFLICT",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
  PRECONDITION: "PRECONDITION_FAILED",
};

/** Field → message, for forms: the first message for each field. */
export type FieldErrors = Record<string, string>;

function zodFieldErrors(error: ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "form";
    out[key] ??= issue.message;
  }
  return out;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let fieldErrors: FieldErrors | null = null;
    if (cause instanceof ZodError) fieldErrors = zodFieldErrors(cause);
    else if (isAppError(cause) && cause.field) fieldErrors = { [cause.field]: cause.message };
    // Internal errors keep their detail in the server log, not in the browser.
    const hide = error.code === "INTERNAL_SERVER_ERROR" && process.env.NODE_ENV === "production";
    return {
      ...shape,
      message: hide ? "Something went wrong on our side. Try again." : shape.message,
      data: { ...shape.data, stack: undefined, fieldErrors },
    };
  },
});

/** Domain errors (AppError) become tRPC errors with the matching code; the cause keeps `field` for the formatter. */
const translateErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isAppError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: appErrorToTrpc[cause.code], message: cause.message, cause });
  }
  // A domain function's own zod parse failing is bad input too, not a server fault.
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR" && result.error.cause instanceof ZodError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: "BAD_REQUEST", message: cause.issues[0]?.message ?? "Invalid input.", cause });
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(translateErrors);

export const protectedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const user = await getSessionUser(ctx.db, ctx.session);
  if (!ctx.session || !user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  if (await needsTwoFactorSetup(ctx.db, user)) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Your organisation requires two-factor sign-in. Set it up first." });
  }
  return next({ ctx: { db: ctx.db, session: ctx.session, user, tenantId: user.tenantId } });
});

export function roleProcedure(...allowed: Role[]) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!allowed.includes(ctx.user.role)) {
      throw new TRPCError({ code: "FORBIDDEN", message: "Your role does not allow this." });
    }
    return next();
  });
}

export const adminProcedure = roleProcedure("ADMIN");
