import type { Metadata } from "next";
import { NotBuiltYet } from "@/components/shell/not-built-yet";
import { MailboxAddress } from "@/components/shell/mailbox-address";
import { requireUser } from "@/server/auth/current-user";
import { getDb } from "@/server/auth/web";
import { loadEnv } from "@/server/env";
import { getInboundMailbox } from "@/server/tenants/inbound-mailbox";

export const metadata: Metadata = { title: "Tickets" };

export default async function TicketsPage() {
  const user = await requireUser();
  const mailbox = await getInboundMailbox(getDb(), user.tenantId, loadEnv().INBOUND_DOMAIN);
  return (
    <NotBuiltYet
      title="Tickets"
      summary="Every email from your clients, threaded into tickets."
      plans={[
        "List tickets with their client, requester, status and last activity.",
        "Show each ticket's thread: inbound and outbound messages, sanitised HTML, attachments and SPF/DKIM/DMARC verdicts.",
        "Let you reply by email from the ticket, and merge one ticket into another.",
      ]}
    >
      <MailboxAddress address={mailbox} />
    </NotBuiltYet>
  );
}
