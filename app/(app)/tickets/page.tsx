import type { Metadata } from "next";
import { HealthSummaryCard } from "@/components/health/health-summary-card";
import { isAdmin } from "@/components/shell/admin-page";
import { TicketsList } from "@/components/tickets/tickets-list";
import { requireUser } from "@/server/auth/current-user";
import { getDb } from "@/server/web/runtime";
import { loadEnv } from "@/server/env";
import { getInboundMailbox } from "@/server/tenants/inbound-mailbox";

export const metadata: Metadata = { title: "Tickets" };

export default async function TicketsPage() {
  const user = await requireUser();
  const mailbox = await getInboundMailbox(getDb(), user.tenantId, loadEnv().INBOUND_DOMAIN);
  return (
    <>
      {isAdmin(user) ? <HealthSummaryCard /> : null}
      <TicketsList mailbox={mailbox} />
    </>
  );
}
