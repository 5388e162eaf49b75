import type { Metadata } from "next";
import { AccessDenied } from "@/components/shell/access-denied";
import { NotBuiltYet } from "@/components/shell/not-built-yet";
import { isAdmin } from "@/components/shell/admin-page";
import { requireUser } from "@/server/auth/current-user";

export const metadata: Metadata = { title: "Sending domains" };

export default async function Page() {
  const user = await requireUser();
  if (!isAdmin(user)) return <AccessDenied what="sending domains" />;
  return (
    <NotBuiltYet
      title="Sending domains"
      summary="The domains your ticket replies are sent from, signed with DKIM."
      plans={[
        "Add a domain and show the exact SPF, DKIM and DMARC records to publish, each with a copy button.",
        "Verify the records against DNS and name any that are missing or wrong.",
        "Only verified domains can be used as the From address of replies.",
      ]}
    />
  );
}
