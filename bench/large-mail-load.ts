/**
 * Issue 15 / issue 19 item 1 bench row: the latency of small mails while large work is in progress on the same MTA
 * — a 20 MB message (a 15 MB attachment, 20 MB on the wire) to the tenant mailbox and a DMARC aggregate report of
 * 20 MB uncompressed XML (gzipped, as reporters send it) to the report mailbox, each sent again as soon as the
 * previous one was answered, for the whole paced phase. Target (issue 15): p99 under 100 ms.
 */
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import MailComposer from "nodemailer/lib/mail-composer";
import { dmarcReportAddress, tenantMailbox } from "../server/mail/addresses";
import { sendMail, TEST_INBOUND_DOMAIN } from "../test/support/mta";
import { runLoad, type LoadMessage, type LoadResult } from "./smtp-load";

async function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  const built = await new Promise<Buffer>((resolve, reject) => new MailComposer(options).compile().build((err, m) => (err ? reject(err) : resolve(m))));
  return Buffer.from(built.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
}

/** ≈20 MB of aggregate report XML: 81,000 distinct records, written as compactly as real reporters do. */
function bigReportXml(): string {
  const rows: string[] = [];
  for (let i = 0; i < 81_000; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    rows.push(
      `<record><row><source_ip>${ip}</source_ip><count>3</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>bench.example</header_from></identifiers></record>`,
    );
  }
  return `<?xml version="1.0"?><feedback><report_metadata><org_name>big.example</org_name><email>r@big.example</email><report_id>ID</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata><policy_published><domain>bench.example</domain><p>none</p></policy_published>\n${rows.join("\n")}\n</feedback>`;
}

export type LargeMailRun = {
  latency: LoadResult;
  bigSent: number;
  bigAccepted: number;
  /** The answers of the large mails that were not accepted, by code and text, with how often each came. */
  bigRefused: Map<string, number>;
  xmlBytes: number;
  mailBytes: number;
};

/** Paced small mail (`messages`, at `rate`/s) while the two large mails are sent in a loop on their own sessions. */
export async function measureWhileLarge(host: string, port: number, slug: string, messages: LoadMessage[], rate: number, sessions: number): Promise<LargeMailRun> {
  const xml = bigReportXml();
  // Each report needs its own report_id (a repeated one is a duplicate); gzipping 20 MB for each would take this
  // process's CPU from the MTA it measures. A gzip file may hold several members, read back as one text: the
  // large parts before and after the id are compressed once, only the id per report.
  const [head, tail] = xml.split("<report_id>ID</report_id>") as [string, string];
  const headGz = gzipSync(head);
  const tailGz = gzipSync(tail);
  const report = (n: number) =>
    compose({
      from: "dmarc@big.example",
      to: dmarcReportAddress(slug, TEST_INBOUND_DOMAIN),
      subject: "Report domain: bench.example",
      attachments: [
        {
          filename: `big.example!bench.example!${n}.xml.gz`,
          content: Buffer.concat([headGz, gzipSync(`<report_id>big-${n}-${Date.now()}</report_id>`), tailGz]),
          contentType: "application/gzip",
        },
      ],
    });
  const attachment = randomBytes(15 * 1024 * 1024);
  const large = await compose({
    from: "big@sender.example",
    to: tenantMailbox(slug, TEST_INBOUND_DOMAIN),
    subject: "The 20 MB file",
    text: "attached",
    attachments: [{ filename: "large.bin", content: attachment, contentType: "application/octet-stream" }],
  });
  let running = true;
  let bigSent = 0;
  let bigAccepted = 0;
  const bigRefused = new Map<string, number>();
  const loop = async (next: (n: number) => Promise<{ from: string; to: string; data: Buffer }>) => {
    for (let n = 0; running; n++) {
      const m = await next(n);
      bigSent++;
      const r = await sendMail({ port }, { from: m.from, to: [m.to], data: m.data }).catch(() => null);
      if (r?.final?.code === 250) bigAccepted++;
      else {
        const answer = r ? (r.final ?? r.dataCommand ?? r.rcpt.find((x) => x.code !== 250) ?? r.mail) : undefined;
        const key = answer ? `${answer.code} ${answer.text.split("\n")[0]!.trim()}` : "connection failed";
        bigRefused.set(key, (bigRefused.get(key) ?? 0) + 1);
      }
    }
  };
  const loops = [
    loop(() => Promise.resolve({ from: "big@sender.example", to: tenantMailbox(slug, TEST_INBOUND_DOMAIN), data: large })),
    loop(async (n) => ({ from: "dmarc@big.example", to: dmarcReportAddress(slug, TEST_INBOUND_DOMAIN), data: await report(n) })),
  ];
  // Let both large mails get under way before the small ones are timed.
  await new Promise((r) => setTimeout(r, 1_000));
  const latency = await runLoad({ host, port, sessions, ratePerSecond: rate, messages });
  running = false;
  await Promise.all(loops);
  return { latency, bigSent, bigAccepted, bigRefused, xmlBytes: xml.length, mailBytes: large.length };
}
