import type { Metadata } from "next";
import { TicketDetail } from "@/components/tickets/ticket-detail";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Ticket" };

export default async function TicketPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  return <TicketDetail ticketId={id} />;
}
