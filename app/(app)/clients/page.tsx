import type { Metadata } from "next";
import { ClientsList } from "@/components/clients/clients-list";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Clients" };

export default async function ClientsPage() {
  const user = await requireUser();
  return <ClientsList canEdit={user.role === "ADMIN"} />;
}
