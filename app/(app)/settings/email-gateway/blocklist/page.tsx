import type { Metadata } from "next";
import { BlocklistScreen } from "@/components/blocklist/blocklist-screen";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Blocklist" };

export default async function BlocklistPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="the blocklist" />;
  return <BlocklistScreen />;
}
