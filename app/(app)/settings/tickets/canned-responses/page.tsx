import type { Metadata } from "next";
import { CannedResponsesScreen } from "@/components/canned-responses/canned-responses-screen";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Canned responses" };

export default async function CannedResponsesPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="canned responses" />;
  return <CannedResponsesScreen />;
}
