/**
 * `npm run bench ingest-cpu`: where the inbound pipeline spends its CPU, per message, by phase — MIME parsing,
 * authentication (SPF/DKIM/DMARC/ARC against a local DNS server), and the database part (blocklist, routing,
 * threading, ticket + message + activity commit) — called in-process, without SMTP. CPU time (not wall time)
 * is what caps throughput on a busy machine, and it is far less disturbed by other load than wall time.
 *
 * Options (env): BENCH_MESSAGES (default 500), TEST_POSTGRES_URL (adds PostgreSQL).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createResolver } from "../server/dns/resolver";
import { authenticateMessage } from "../server/mail/authenticate";
import { ingestInbound } from "../server/mail/ingest-inbound";
import { parseMessage } from "../server/mail/parse-message";
import { tenantMailbox } from "../server/mail/addresses";
import { dkimSignMessage } from "../server/outbound/dkim-sign";
import { createTestDatabase, testProviders } from "../test/support/database";
import { startDnsServer, splitTxt } from "../test/support/dns-server";
import { createClientRow, createTenantRow } from "../test/support/gateway-data";
import { TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "../test/support/mta";

const total = Number(process.env.BENCH_MESSAGES ?? 500);
const senderDomain = "bench-client.example";
const selector = "bench";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const publicKeyB64 = publicKey.export({ type: "spki", format: "der" }).toString("base64");

async function messages(count: number, rcptTo: string, tag: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const raw = Buffer.from(
      [
        `From: Bench User ${i % 50} <user${i % 50}@${senderDomain}>`,
        `To: <${rcptTo}>`,
        `Subject: Printer on floor ${i % 7} is jammed (${tag} ${i})`,
        `Message-ID: <${tag}.${i}.${randomBytes(6).toString("hex")}@${senderDomain}>`,
        `Date: ${new Date().toUTCString()}`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Hello support,",
        "",
        `The printer on floor ${i % 7} shows error E${i % 90} again since this morning. Could someone look?`,
        "",
        "Thanks,",
        `User ${i % 50}`,
        "",
      ].join("\r\n"),
    );
    out.push(await dkimSignMessage(raw, { domain: senderDomain, selector, privateKeyPem }));
  }
  return out;
}

/** CPU milliseconds (user + system) and wall milliseconds of `fn` over every item, per item. */
async function measure<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (const item of items) await fn(item);
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / 1000 / items.length, wall: (performance.now() - wall0) / items.length };
}

async function main(): Promise<void> {
  const dns = await startDnsServer({
    [senderDomain]: [{ type: "TXT", data: "v=spf1 ip4:127.0.0.1 -all" }],
    [`${selector}._domainkey.${senderDomain}`]: [{ type: "TXT", data: splitTxt(`v=DKIM1; k=rsa; p=${publicKeyB64}`) }],
    [`_dmarc.${senderDomain}`]: [{ type: "TXT", data: ["v=DMARC1; p=reject; ", "rua=mailto:dmarc@bench-client.example"] }],
  });
  const resolver = createResolver({ servers: [dns.address] });
  const deps = { secret: TEST_APP_SECRET, inboundDomain: TEST_INBOUND_DOMAIN, resolver, trustedArcSealers: [] };
  const rcpt = tenantMailbox("bench", TEST_INBOUND_DOMAIN);
  const auth = (raw: Buffer) =>
    authenticateMessage({ raw, ip: "127.0.0.1", helo: "bench.example", mailFrom: `user1@${senderDomain}`, resolver, trustedArcSealers: [] });

  console.log(`ingest CPU per message, ${total} messages each (ms; lower is better)`);
  const warm = await messages(50, rcpt, "warm");
  for (const raw of warm) {
    await parseMessage(raw);
    await auth(raw);
  }
  const parse = await measure(await messages(total, rcpt, "parse"), (raw) => parseMessage(raw));
  const authentication = await measure(await messages(total, rcpt, "auth"), auth);
  console.log(`  parse          cpu ${parse.cpu.toFixed(2)}  wall ${parse.wall.toFixed(2)}`);
  console.log(`  authenticate   cpu ${authentication.cpu.toFixed(2)}  wall ${authentication.wall.toFixed(2)}`);

  for (const provider of testProviders()) {
    const database = await createTestDatabase(provider);
    try {
      const tenant = await createTenantRow(database.db, "bench", { autoAckEnabled: false });
      await createClientRow(database.db, tenant.id, { name: "Bench Client", primaryDomain: senderDomain });
      const ingest = (raw: Buffer) =>
        ingestInbound(database.db, deps, {
          raw,
          remoteIp: "127.0.0.1",
          helo: "bench.example",
          mailFrom: `user1@${senderDomain}`,
          recipients: [rcpt],
          receivedAt: new Date(),
        });
      for (const raw of await messages(50, rcpt, `${provider}-warm`)) await ingest(raw);
      const whole = await measure(await messages(total, rcpt, provider), ingest);
      const dbCpu = whole.cpu - parse.cpu - authentication.cpu;
      console.log(
        `  ${provider.padEnd(13)} whole cpu ${whole.cpu.toFixed(2)}  wall ${whole.wall.toFixed(2)}  → database part cpu ≈ ${dbCpu.toFixed(2)}`,
      );
    } finally {
      await database.drop();
    }
  }
  await dns.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
