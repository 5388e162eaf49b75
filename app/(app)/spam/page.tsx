import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { SpamQueueScreen } from "@/components/spam/spam-queue-screen";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Spam queue" };

/** R-SPAM-2: the queue is for ADMIN and SUPPORT (as Unattributed); the tRPC procedures check again. */
export default async function SpamQueuePage() {
  const user = await requireUser();
  if (user.role === "TECHNICIAN") return <AccessDenied what="the Spam queue" />;
  return <SpamQueueScreen isAdmin={user.role === "ADMIN"} />;
}
