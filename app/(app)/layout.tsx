import type { ReactNode } from "react";
import { Sidebar } from "@/components/shell/sidebar";
import { TrpcQueryProvider } from "@/components/trpc/provider";
import { requireUser } from "@/server/auth/current-user";
import { getDb } from "@/server/web/runtime";
import { getTenant } from "@/server/tenants/get-tenant";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  const tenant = await getTenant(getDb(), user.tenantId);
  return (
    <TrpcQueryProvider>
      <div className="flex min-h-screen">
        <Sidebar user={{ name: user.name, email: user.email, role: user.role }} tenantName={tenant.name} />
        <main className="min-w-0 flex-1">
          <div className="mx-auto max-w-6xl px-8 py-8">{children}</div>
        </main>
      </div>
    </TrpcQueryProvider>
  );
}
