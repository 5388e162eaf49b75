"use client";
import { createContext, useContext, type ReactNode } from "react";

export type CurrentUser = { id: string; tenantId: string };

const CurrentUserContext = createContext<CurrentUser | null>(null);

/** Who is signed in, for client state kept per user and tenant in the browser (reply drafts). */
export function CurrentUserProvider({ value, children }: { value: CurrentUser; children: ReactNode }) {
  return <CurrentUserContext.Provider value={value}>{children}</CurrentUserContext.Provider>;
}

export function useCurrentUser(): CurrentUser | null {
  return useContext(CurrentUserContext);
}
