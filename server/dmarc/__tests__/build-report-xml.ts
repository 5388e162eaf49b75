/**
 * Writes RFC 7489 aggregate report XML for tests and e2e seeding: the same shape receivers send, so what is
 * seeded goes through the real reader (unpack → parse → store), never straight into the tables.
 */
export type TestRecord = {
  ip: string;
  count: number;
  disposition?: "none" | "quarantine" | "reject";
  headerFrom?: string;
  envelopeFrom?: string;
  /** policy_evaluated; left out of the XML when undefined. */
  evaluated?: { dkim: "pass" | "fail"; spf: "pass" | "fail" };
  dkim?: { domain: string; result: string; selector?: string }[];
  spf?: { domain: string; result: string; scope?: string }[];
};

export type TestReport = {
  orgName: string;
  email?: string;
  reportId: string;
  domain: string;
  begin: Date;
  end?: Date;
  p?: string;
  adkim?: "r" | "s";
  aspf?: "r" | "s";
  records: TestRecord[];
};

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const unix = (d: Date) => Math.floor(d.getTime() / 1000);

export function buildReportXml(r: TestReport): string {
  const end = r.end ?? new Date(r.begin.getTime() + 86_399_000);
  const records = r.records
    .map((rec) => {
      const evaluated = rec.evaluated
        ? `<policy_evaluated><disposition>${rec.disposition ?? "none"}</disposition><dkim>${rec.evaluated.dkim}</dkim><spf>${rec.evaluated.spf}</spf></policy_evaluated>`
        : "";
      const dkim = (rec.dkim ?? [])
        .map((d) => `<dkim><domain>${esc(d.domain)}</domain>${d.selector ? `<selector>${esc(d.selector)}</selector>` : ""}<result>${d.result}</result></dkim>`)
        .join("");
      const spf = (rec.spf ?? [])
        .map((s) => `<spf><domain>${esc(s.domain)}</domain><scope>${s.scope ?? "mfrom"}</scope><result>${s.result}</result></spf>`)
        .join("");
      return `  <record>
    <row><source_ip>${rec.ip}</source_ip><count>${rec.count}</count>${evaluated}</row>
    <identifiers><header_from>${esc(rec.headerFrom ?? r.domain)}</header_from>${rec.envelopeFrom ? `<envelope_from>${esc(rec.envelopeFrom)}</envelope_from>` : ""}</identifiers>
    <auth_results>${dkim}${spf}</auth_results>
  </record>`;
    })
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <report_metadata>
    <org_name>${esc(r.orgName)}</org_name>
    <email>${esc(r.email ?? `noreply-dmarc@${r.orgName}`)}</email>
    <report_id>${esc(r.reportId)}</report_id>
    <date_range><begin>${unix(r.begin)}</begin><end>${unix(end)}</end></date_range>
  </report_metadata>
  <policy_published>
    <domain>${esc(r.domain)}</domain><adkim>${r.adkim ?? "r"}</adkim><aspf>${r.aspf ?? "r"}</aspf><p>${r.p ?? "quarantine"}</p><sp>none</sp><pct>100</pct>
  </policy_published>
${records}
</feedback>
`;
}
