import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { NotBuiltYet } from "@/components/shell/not-built-yet";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Blocklist" };

export default async function Page() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="the blocklist" />;
  return (
    <NotBuiltYet
      title="Blocklist"
      summary="Senders whose mail is dropped silently before a ticket is made."
      plans={[
        "Block a full address, a domain (with its subdomains) or a pattern such as *@spam-domain.co.",
        "List, search and unblock entries, keeping who added or removed each and when.",
        "Show how often each entry has dropped mail.",
      ]}
    />
  );
}
