import type { Metadata } from "next";
import { AutoAckCard } from "@/components/inbound/auto-ack-card";
import { AccessDenied } from "@/components/shell/access-denied";
import { MailboxAddress } from "@/components/shell/mailbox-address";
import { NotBuiltYetNote } from "@/components/shell/not-built-yet";
import { isAdmin } from "@/components/shell/admin-page";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
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
    <>
      <PageHeader
        title="Inbound"
        description="How your clients' mail reaches the gateway, and what requesters hear back."
      />
      <MailboxAddress address={mailbox} />
      <AutoAckCard />
      <NotBuiltYetNote
        badge={<Badge tone="amber">Not built yet</Badge>}
        lead="The rest of this screen does not work yet. When it does, it will:"
        plans={[
          "Show step-by-step forwarding guides: a Microsoft 365 inbox rule, a Google Workspace routing rule and a generic .forward.",
          "Run a live forwarding test: after you email your support address, show the ticket it made, or which check dropped it.",
        ]}
      />
    </>
  );
}
