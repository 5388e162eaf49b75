import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { MailboxAddress } from "@/components/shell/mailbox-address";
import { NotBuiltYet } from "@/components/shell/not-built-yet";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";
import { getDb } from "@/server/auth/web";
import { loadEnv } from "@/server/env";
import { getInboundMailbox } from "@/server/tenants/inbound-mailbox";

export const metadata: Metadata = { title: "Inbound" };

export default async function InboundPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="inbound settings" />;
  const mailbox = await getInboundMailbox(getDb(), user.tenantId, loadEnv().INBOUND_DOMAIN);
  return (
    <NotBuiltYet
      title="Inbound"
      summary="How your clients' mail reaches the gateway."
      plans={[
        "Show step-by-step forwarding guides: a Microsoft 365 inbox rule, a Google Workspace routing rule and a generic .forward.",
        "Run a live forwarding test: after you email your support address, show the ticket it made, or which check dropped it.",
        "Edit the automatic acknowledgement sent to new requesters.",
      ]}
    >
      <MailboxAddress address={mailbox} />
    </NotBuiltYet>
  );
}
