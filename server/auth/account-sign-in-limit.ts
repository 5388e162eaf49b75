/**
 * The per-account half of the sign-in limit (issue 19 item 3). The per-IP limit (create-auth.ts,
 * SIGN_IN_LIMIT) stops one address guessing; an attacker rotating addresses is stopped here, by the account
 * they guess at: after ACCOUNT_FREE_FAILURES wrong passwords in a row, each further failure locks the address
 * for twice as long as the one before (ACCOUNT_BACKOFF), and a locked address gets 429 before its password is
 * even looked at. The right password clears the count. A lock that has run out lets the next attempt through,
 * so the real user is slowed down, never locked out for good.
 *
 * Domain functions (db first) plus a small better-auth plugin that applies them to `/sign-in/email`.
 */
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import type { Db } from "../db/client";

/** Wrong passwords in a row before the back-off starts. */
export const ACCOUNT_FREE_FAILURES = 10;
/** The first lock, then doubled with each further failure, up to the cap. */
export const ACCOUNT_BACKOFF = { firstSeconds: 30, maxSeconds: 15 * 60 } as const;
/** A count nobody added to for this long starts again from zero. */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

function key(email: string): string {
  return email.trim().toLowerCase();
}

/** Seconds until the address may be tried again; 0 when it may be tried now. */
export async function accountSignInWait(db: Db, email: string, now = new Date()): Promise<number> {
  const row = await db.signInThrottle.findUnique({ where: { email: key(email) }, select: { lockedUntil: true } });
  if (!row?.lockedUntil || row.lockedUntil <= now) return 0;
  return Math.ceil((row.lockedUntil.getTime() - now.getTime()) / 1000);
}

/** Counts a wrong password for the address and locks it when the count is past the free failures. */
export async function recordFailedSignIn(db: Db, email: string, now = new Date()): Promise<void> {
  const id = key(email);
  const stale = new Date(now.getTime() - FORGET_AFTER_MS);
  // Counted in the database (one atomic increment), so it holds across web nodes and restarts.
  await db.signInThrottle.deleteMany({ where: { email: id, lastFailureAt: { lt: stale } } });
  const row = await db.signInThrottle.upsert({
    where: { email: id },
    create: { email: id, failures: 1, lastFailureAt: now },
    update: { failures: { increment: 1 }, lastFailureAt: now },
    select: { failures: true },
  });
  const over = row.failures - ACCOUNT_FREE_FAILURES;
  if (over <= 0) return;
  const seconds = Math.min(ACCOUNT_BACKOFF.firstSeconds * 2 ** Math.min(over - 1, 20), ACCOUNT_BACKOFF.maxSeconds);
  await db.signInThrottle.update({ where: { email: id }, data: { lockedUntil: new Date(now.getTime() + seconds * 1000) } });
}

/** A successful sign-in: the address starts again from zero. */
export async function clearFailedSignIns(db: Db, email: string): Promise<void> {
  await db.signInThrottle.deleteMany({ where: { email: key(email) } });
}

function emailOf(body: unknown): string | null {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === "string" && email.trim() ? email : null;
}

const isSignIn = (ctx: { path?: string }) => ctx.path === "/sign-in/email";

/** better-auth plugin: checks the lock before `/sign-in/email` runs and counts its outcome after. */
export function accountSignInLimit(db: Db) {
  return {
    id: "opsmerge-account-sign-in-limit",
    hooks: {
      before: [
        {
          matcher: isSignIn,
          handler: createAuthMiddleware(async (ctx) => {
            const email = emailOf(ctx.body);
            if (!email) return;
            const wait = await accountSignInWait(db, email);
            if (wait > 0) {
              throw new APIError(
                "TOO_MANY_REQUESTS",
                { message: `Too many failed sign-ins for this account. Try again in ${wait} seconds.` },
                { "Retry-After": String(wait) },
              );
            }
          }),
        },
      ],
      after: [
        {
          matcher: isSignIn,
          handler: createAuthMiddleware(async (ctx) => {
            const email = emailOf(ctx.body);
            if (!email) return;
            const returned: unknown = ctx.context.returned;
            if (returned instanceof APIError) {
              if (returned.statusCode === 401) await recordFailedSignIn(db, email);
            } else if (ctx.context.newSession) {
              await clearFailedSignIns(db, email);
            }
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
