import type { ReactNode } from "react";
import { Sidebar } from "@/components/shell/sidebar";
import { TrpcQueryProvider } from "@/components/trpc/provider";
import { requireUser } from "@/server/auth/current-user";
import { getDb } from "@/server/auth/web";
import { getTenant } from "@/server/tenants/get-tenant";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  const tenant = await getTenant(getDb(), user.tenantId);
  return (
    <TrpcQueryProvider>
      <Sidebar user={{ name: user.name, email: user.email, role: user.role }} tenantName={tenant.name} />
      <main className="pl-64">
        <div className="mx-auto max-w-6xl px-8 py-8">{children}</div>
      </main>
    </TrpcQueryProvider>
  );
}
