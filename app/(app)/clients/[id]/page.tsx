import type { Metadata } from "next";
import { ClientDetail } from "@/components/clients/client-detail";
import { requireUser } from "@/server/auth/current-user";
import { getDb } from "@/server/web/runtime";
import { loadEnv } from "@/server/env";
import { getInboundMailbox } from "@/server/tenants/inbound-mailbox";

export const metadata: Metadata = { title: "Client" };

export default async function ClientPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ requester?: string | string[] }>;
}) {
  const user = await requireUser();
  const [{ id }, { requester }] = await Promise.all([params, searchParams]);
  const mailbox = await getInboundMailbox(getDb(), user.tenantId, loadEnv().INBOUND_DOMAIN);
  return (
    <ClientDetail
      clientId={id}
      canEdit={user.role === "ADMIN"}
      mailbox={mailbox}
      requesterId={typeof requester === "string" ? requester : undefined}
    />
  );
}
