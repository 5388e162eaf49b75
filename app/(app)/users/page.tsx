import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { UsersAdmin } from "@/components/users/users-admin";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="user administration" />;
  return <UsersAdmin currentUserId={user.id} />;
}
