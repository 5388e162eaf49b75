import type { Db } from "../db/client";
import { findSessionUser, type SessionUser } from "../users/get-user";
import type { Auth } from "./create-auth";

export type SessionInfo = { sessionId: string; userId: string };

/** The session behind request headers (cookie), or null. */
export async function getSessionInfo(auth: Auth, headers: Headers): Promise<SessionInfo | null> {
  const result = await auth.api.getSession({ headers });
  return result ? { sessionId: result.session.id, userId: result.user.id } : null;
}

/**
 * The signed-in user, read fresh from the database so a role change or a disable takes effect on the next
 * request. A disabled user's session is refused (null), whatever its cookie says.
 */
export async function getSessionUser(db: Db, session: SessionInfo | null): Promise<SessionUser | null> {
  if (!session) return null;
  const user = await findSessionUser(db, session.userId);
  return user && !user.disabled ? user : null;
}
