/**
 * better-auth for the web app: email + password only, no sign-up (admins create users), sessions in httpOnly
 * SameSite=Lax cookies (Secure when APP_URL is https), rate limits stored in the database so they hold across
 * web instances and restarts, and a strict limit on sign-in per client IP (client-ip.ts) and per account
 * (account-sign-in-limit.ts). A disabled user cannot sign in; their existing
 * sessions are refused by `getSessionUser` (and deleted when they are disabled).
 */
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { APIError } from "better-auth/api";
import { nextCookies } from "better-auth/next-js";
import { twoFactor } from "better-auth/plugins";
import { ACCOUNT_LINK_SECONDS, queueAccountMail } from "../accounts/account-mail";
import type { Db } from "../db/client";
import { newRowId } from "../db/raw-sql";
import type { Env } from "../env";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../users/passwords";
import { accountSignInLimit } from "./account-sign-in-limit";
import { DISABLED_AUTH_PATHS } from "./auth-endpoints";
import { CLIENT_IP_HEADER } from "./client-ip";

/** Sign-in attempts allowed per client IP per minute. */
export const SIGN_IN_LIMIT = { window: 60, max: 5 } as const;

export type AuthOptions = {
  database: Env["database"];
  appUrl: string;
  secret: string;
  /** Account mail (invitations, resets) goes out from the tenant's mailbox on this domain. */
  inboundDomain: string;
};

export function createAuth(db: Db, options: AuthOptions) {
  const secure = options.appUrl.startsWith("https:");
  return betterAuth({
    appName: "OpsMerge",
    baseURL: options.appUrl,
    secret: options.secret,
    trustedOrigins: trustedOrigins(options.appUrl),
    telemetry: { enabled: false },
    // Endpoints the app does not use are off (auth-endpoints.ts): they would bypass the app's own rules.
    disabledPaths: [...DISABLED_AUTH_PATHS],
    database: prismaAdapter(db, { provider: options.database.provider }),
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
      // Invitations and self-service resets are both better-auth reset-password tokens (single use); the mail says
      // which (server/accounts/account-mail.ts). Every session of the user ends when the password is set.
      resetPasswordTokenExpiresIn: ACCOUNT_LINK_SECONDS,
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user, url }) => {
        await queueAccountMail(db, { userId: user.id, url, secret: options.secret, inboundDomain: options.inboundDomain });
      },
    },
    user: {
      additionalFields: {
        tenantId: { type: "string", required: true, input: false },
        role: { type: "string", required: true, input: false },
        disabled: { type: "boolean", required: false, defaultValue: false, input: false },
      },
    },
    session: {
      expiresIn: 60 * 60 * 24 * 7,
      updateAge: 60 * 60 * 24,
    },
    rateLimit: {
      enabled: true,
      storage: "database",
      modelName: "rateLimit",
      window: 60,
      max: 100,
      customRules: {
        "/sign-in/email": { ...SIGN_IN_LIMIT },
        "/change-password": { window: 60, max: 5 },
      },
    },
    advanced: {
      // The client address the web server resolved with TRUSTED_PROXIES (client-ip.ts), never a raw
      // X-Forwarded-For a client could rotate.
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      useSecureCookies: secure,
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax", secure },
      // The project's one id generator for its own tables too (users, sessions, accounts).
      database: { generateId: () => newRowId() },
    },
    databaseHooks: {
      session: {
        create: {
          // Checked at sign-in; the password was right, but a disabled account gets no session.
          before: async (session) => {
            const user = await db.user.findUnique({ where: { id: session.userId }, select: { disabled: true } });
            if (!user || user.disabled) {
              throw new APIError("FORBIDDEN", { message: "This account is disabled. Ask an administrator to enable it." });
            }
          },
        },
      },
    },
    // TOTP with recovery codes; the user proves the first code before it is on (verify-totp after enable).
    // next-cookies last: it forwards the cookies set by the hooks before it.
    plugins: [accountSignInLimit(db), twoFactor({ issuer: "OpsMerge" }), nextCookies()],
  });
}

export type Auth = ReturnType<typeof createAuth>;

/** APP_URL, plus its loopback twin (localhost ↔ 127.0.0.1) so the printed URL works either way on this host. */
function trustedOrigins(appUrl: string): string[] {
  const url = new URL(appUrl);
  const origins = [url.origin];
  const twin = url.hostname === "localhost" ? "127.0.0.1" : url.hostname === "127.0.0.1" ? "localhost" : null;
  if (twin) origins.push(`${url.protocol}//${twin}${url.port ? `:${url.port}` : ""}`);
  return origins;
}
