import type { SessionUser } from "@/server/users/get-user";

export function isAdmin(user: SessionUser): boolean {
  return user.role === "ADMIN";
}
