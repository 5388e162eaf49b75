import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { NotBuiltYet } from "@/components/shell/not-built-yet";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Activity" };

export default async function Page() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="the activity log" />;
  return (
    <NotBuiltYet
      title="Activity"
      summary="Every inbound and outbound email, with what happened to it."
      plans={[
        "List every message with its time, direction, addresses, subject, ticket and outcome (delivered, bounced, dropped, queued, deferred).",
        "Filter by direction, outcome, date, address and subject.",
        "Show the full detail of a message: SPF/DKIM/DMARC/ARC verdicts, the remote server's reply and the headers.",
      ]}
    />
  );
}
