import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { HealthBanner } from "@/components/health/health-banner";
import { CurrentUserProvider } from "@/components/shell/current-user";
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
      <CurrentUserProvider value={{ id: user.id, tenantId: user.tenantId }}>
        <AppShell user={{ name: user.name, email: user.email, role: user.role }} tenantName={tenant.name}>
          <HealthBanner canFix={user.role === "ADMIN"} />
          {children}
        </AppShell>
      </CurrentUserProvider>
    </TrpcQueryProvider>
  );
}
