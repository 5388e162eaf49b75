/**
 * Prints the DNS records the operator publishes once for INBOUND_DOMAIN (R-UX-1): SPF, the gateway's DKIM key and
 * DMARC, so replies from `support@<slug>.<INBOUND_DOMAIN>` authenticate. Reads (or generates) the key exactly as the
 * product does: GATEWAY_DKIM_KEY, else DATA_DIR/gateway-dkim.pem.
 *
 *   npx tsx scripts/gateway-records.ts
 */
import { loadEnv } from "../server/env";
import { gatewayDkimFromEnv, gatewayRecords } from "../server/sending-domains/gateway-dkim";

const env = loadEnv();
const records = await gatewayRecords(gatewayDkimFromEnv(env), { spfInclude: env.SPF_INCLUDE });
console.log(`Publish in the ${records.domain} zone:\n`);
for (const r of [records.spf, records.dkim, records.dmarc]) {
  console.log(`${r.host}. TXT ${r.chunks.map((c) => JSON.stringify(c)).join(" ")}`);
}
