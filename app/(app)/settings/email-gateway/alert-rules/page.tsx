import type { Metadata } from "next";
import { AlertRulesScreen } from "@/components/alert-rules/alert-rules-screen";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Alert rules" };

export default async function AlertRulesPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="alert rules" />;
  return <AlertRulesScreen />;
}
