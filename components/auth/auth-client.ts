"use client";
import { createAuthClient } from "better-auth/react";
import { twoFactorClient } from "better-auth/client/plugins";

/** Same-origin: the auth routes live at /api/auth on the app itself. The sign-in form handles the TOTP step. */
export const authClient = createAuthClient({ plugins: [twoFactorClient()] });

/** Where better-auth's invitation and reset links land (app/set-password). */
export const SET_PASSWORD_PATH = "/set-password";
