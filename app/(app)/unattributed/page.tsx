import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { NotBuiltYet } from "@/components/shell/not-built-yet";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Unattributed" };

export default async function UnattributedPage() {
  const user = await requireUser();
  if (user.role === "TECHNICIAN") return <AccessDenied what="the Unattributed queue" />;
  return (
    <NotBuiltYet
      title="Unattributed"
      summary="Tickets from senders that match no contact and no client domain."
      plans={[
        "List tickets that have no client yet.",
        "Set the client of a ticket, or add the sender's domain as an alias domain of a client so future mail is attributed automatically (free-mail senders become contacts instead).",
        "Blocklist a sender or a domain straight from the queue.",
      ]}
    />
  );
}
