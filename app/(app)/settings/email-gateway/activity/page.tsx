import type { Metadata } from "next";
import { ActivityScreen } from "@/components/activity/activity-screen";
import { AccessDenied } from "@/components/shell/access-denied";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Activity" };

export default async function ActivityPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="the activity log" />;
  return <ActivityScreen />;
}
