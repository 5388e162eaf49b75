"use client";
import { createAuthClient } from "better-auth/react";

/** Same-origin: the auth routes live at /api/auth on the app itself. */
export const authClient = createAuthClient();
