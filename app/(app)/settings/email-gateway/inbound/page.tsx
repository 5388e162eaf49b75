import type { Metadata } from "next";
import { AutoAckCard } from "@/components/inbound/auto-ack-card";
import { CanaryCard } from "@/components/inbound/canary-card";
import { ForwardingGuides } from "@/components/inbound/forwarding-guides";
import { LiveTest } from "@/components/inbound/live-test";
import { AccessDenied } from "@/components/shell/access-denied";
import { MailboxAddress } from "@/components/shell/mailbox-address";
import { FilteringStatus } from "@/components/spam/spam-settings-card";
import { isAdmin } from "@/components/shell/admin-page";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/server/auth/current-user";
import { getDb } from "@/server/web/runtime";
import { loadEnv } from "@/server/env";
import { getInboundMailbox } from "@/server/tenants/inbound-mailbox";

export const metadata: Metadata = { title: "Inbound" };

export default async function InboundPage() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="inbound settings" />;
  const env = loadEnv();
  const mailbox = await getInboundMailbox(getDb(), user.tenantId, env.INBOUND_DOMAIN);
  return (
    <>
      <PageHeader
        title="Inbound"
        description="How your clients' mail reaches the gateway, and what requesters hear back."
      />
      <MailboxAddress address={mailbox} />
      <section aria-label="Spam and malware filtering" className="mb-6">
        <FilteringStatus rspamd={!!env.RSPAMD_URL} clamd={!!env.CLAMD} failOpen={env.SPAM_FAIL_OPEN} />
      </section>
      <ForwardingGuides mailbox={mailbox} />
      <LiveTest mailbox={mailbox} />
      <CanaryCard />
      <AutoAckCard />
    </>
  );
}
