import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { UnattributedScreen } from "@/components/unattributed/unattributed-screen";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Unattributed" };

/** R-UNA-1: the queue is for ADMIN and SUPPORT (R-TEN-4); the tRPC procedures check again. */
export default async function UnattributedPage() {
  const user = await requireUser();
  if (user.role === "TECHNICIAN") return <AccessDenied what="the Unattributed queue" />;
  return <UnattributedScreen />;
}
