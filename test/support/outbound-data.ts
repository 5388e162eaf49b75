/**
 * A tenant ready to send (R-OUT-1, R-OUT-2) for the outbound MTA tests, built through the product's own domain code:
 * a sending domain whose DKIM key, SPF and DMARC records are published in the test DNS server and verified, the
 * tenant's default From on it, a technician, and a client with a primary domain and contacts.
 */
import type { Db } from "../../server/db/client";
import { createResolver } from "../../server/dns/resolver";
import { addSendingDomain, recordsToPublish, setTenantDefaultFrom, verifySendingDomain } from "../../server/sending-domains";
import type { TestDnsServer } from "./dns-server";
import { createClientRow, createTenantRow } from "./gateway-data";
import { TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "./mta";

export const SPF_INCLUDE = "_spf.gw.test";

export type SendingTenant = {
  tenantId: string;
  slug: string;
  domain: string;
  selector: string;
  userId: string;
  clientId: string;
};

export async function seedSendingTenant(
  db: Db,
  dns: TestDnsServer,
  input: { slug: string; domain: string; clientDomain: string; contacts: string[]; fromName?: string },
): Promise<SendingTenant> {
  const tenant = await createTenantRow(db, input.slug, { autoAckEnabled: false });
  const sd = await addSendingDomain(db, { tenantId: tenant.id, domain: input.domain, secret: TEST_APP_SECRET });
  const records = await recordsToPublish(sd, { spfInclude: SPF_INCLUDE, dmarcRua: `dmarc@${input.slug}.${TEST_INBOUND_DOMAIN}` });
  for (const rec of [records.spf, records.dkim, records.dmarc]) dns.set(rec.host, [{ type: "TXT", data: rec.chunks }]);
  const resolver = createResolver({ servers: [dns.address], timeoutMs: 1_000, tries: 1 });
  const check = await verifySendingDomain(db, { tenantId: tenant.id, id: sd.id, resolver, spfInclude: SPF_INCLUDE });
  if (!check.verified) throw new Error(`sending domain ${input.domain} did not verify in the test DNS`);
  await setTenantDefaultFrom(db, { tenantId: tenant.id, address: `support@${input.domain}`, name: input.fromName ?? "Acme Support" });
  const user = await db.user.create({ data: { id: `tech-${input.slug}`, name: "Tess Tech", email: `tess@${input.slug}.test`, tenantId: tenant.id } });
  const client = await createClientRow(db, tenant.id, { name: "Client Co", primaryDomain: input.clientDomain, contacts: input.contacts });
  return { tenantId: tenant.id, slug: input.slug, domain: input.domain, selector: sd.selector, userId: user.id, clientId: client.id };
}

/** Polls `probe` until it returns something truthy; the error names what was awaited and shows `context()`. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  options: { timeoutMs?: number; context?: () => string } = {},
): Promise<T> {
  const end = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${options.context?.() ?? ""}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
