import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { NotBuiltYet } from "@/components/shell/not-built-yet";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "MTA-STS" };

export default async function Page() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="MTA-STS settings" />;
  return (
    <NotBuiltYet
      title="MTA-STS"
      summary="Require TLS for mail sent to your inbound subdomain (MTA-STS and TLS-RPT)."
      plans={[
        "Show the policy the gateway serves and the _mta-sts and _smtp._tls records to publish.",
        "Switch the policy between testing, enforce and none.",
        "Summarise TLS reports per day and tell you when a clean week makes enforce safe.",
      ]}
    />
  );
}
