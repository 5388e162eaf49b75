import type { Metadata } from "next";
import { ClientDetail } from "@/components/clients/client-detail";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Client" };

export default async function ClientPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  return <ClientDetail clientId={id} canEdit={user.role === "ADMIN"} />;
}
