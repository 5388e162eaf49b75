/**
 * Which of better-auth's own HTTP endpoints (under /api/auth) the app serves (issue 19 item 6). Users, names,
 * e-mail addresses, passwords and sessions are managed through the app's tRPC procedures, which apply the app's
 * rules (name length and characters, roles, tenants); better-auth's endpoints for the same things would bypass
 * them, so every endpoint the app does not call is switched off (404) through `disabledPaths`.
 *
 * Every endpoint better-auth offers is named in one of the two lists; `auth-endpoints.test.ts` fails when an
 * upgrade or a plugin adds one that is in neither, so a new endpoint is a decision, not an accident. To enable
 * one (e.g. password reset or two-factor), move or add its path to ENABLED_AUTH_PATHS with the reason.
 */

/** Endpoints the app uses, with who calls them. */
export const ENABLED_AUTH_PATHS: Readonly<Record<string, string>> = {
  "/sign-in/email": "the login form",
  "/sign-out": "the user menu",
  "/get-session": "better-auth's client and the server's session look-up",
  "/request-password-reset": "password reset by e-mail (accounts work)",
  "/reset-password": "password reset by e-mail (accounts work)",
  "/reset-password/:token": "the link in a password-reset e-mail (accounts work)",
  "/two-factor/enable": "Profile → Two-factor sign-in: turn it on (after the password)",
  "/two-factor/disable": "Profile → Two-factor sign-in: turn it off (after the password)",
  "/two-factor/verify-totp": "the sign-in code step, and the first code that confirms set-up",
  "/two-factor/verify-backup-code": "the sign-in step's “use a recovery code”",
  "/ok": "better-auth's liveness answer; reads nothing",
  "/error": "better-auth's error page; reads nothing",
  // No social provider is configured, so this has nothing to call back; a path with a parameter cannot be
  // listed in `disabledPaths` (an exact match).
  "/callback/:id": "unused; inert without social providers",
};

/** Endpoints switched off: the app does these through its own procedures, or not at all. */
export const DISABLED_AUTH_PATHS = [
  "/update-user", // names: users.update / the profile procedures apply the app's rules
  "/change-email",
  "/change-password", // users.changeOwnPassword
  "/verify-password",
  "/delete-user",
  "/delete-user/callback",
  "/sign-up/email", // admins create users
  "/sign-in/social",
  "/link-social",
  "/unlink-account",
  "/list-accounts",
  "/account-info",
  "/refresh-token",
  "/get-access-token",
  "/verify-email",
  "/send-verification-email",
  "/update-session",
  "/list-sessions",
  "/revoke-session",
  "/revoke-sessions",
  "/revoke-other-sessions",
  // Two-factor endpoints the screens do not call: the set-up answer already carries the URI and the codes.
  "/two-factor/get-totp-uri",
  "/two-factor/generate-backup-codes",
  "/two-factor/send-otp",
  "/two-factor/verify-otp",
  "/two-factor/view-backup-codes",
] as const;
