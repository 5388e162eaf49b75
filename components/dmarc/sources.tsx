"use client";
import { useQuery } from "@tanstack/react-query";
import { ShieldAlert, ShieldCheck } from "lucide-react";
import { useState } from "react";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { useTRPC } from "../trpc/client";
import { count, share } from "./format";
import type { DmarcSource, DmarcSuspect } from "@/server/dmarc/dmarc-overview";


/** Reverse DNS of the shown addresses, asked after the figures are on screen and cached by the server. */
function useReverseDns(ips: string[]) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.dmarcReports.reverseDns.queryOptions({ ips }),
    enabled: ips.length > 0,
    staleTime: 10 * 60_000,
  });
  return { names: new Map((query.data ?? []).map((r) => [r.ip, r])), pending: query.isPending && ips.length > 0, failed: query.isError };
}

function HostName({ ip, dns }: { ip: string; dns: ReturnType<typeof useReverseDns> }) {
  const r = dns.names.get(ip);
  if (r?.name) return <span className="block truncate text-xs text-slate-500" title={r.name}>{r.name}</span>;
  if (dns.pending) return <span className="block text-xs text-slate-400">looking up the name…</span>;
  if (dns.failed || r?.status === "unavailable") return <span className="block text-xs text-slate-400">name unavailable (DNS did not answer)</span>;
  return <span className="block text-xs text-slate-400">no reverse DNS</span>;
}

function PassBar({ pass, total }: { pass: number; total: number }) {
  const p = total ? (pass / total) * 100 : 0;
  return (
    <div className="flex items-center gap-2 whitespace-nowrap">
      <div className="h-1.5 w-16 shrink-0 overflow-hidden rounded-full bg-red-100" aria-hidden>
        <div className="h-full rounded-full bg-emerald-500" style={{ width: `${p}%` }} />
      </div>
      <span className="tabular-nums">{share(pass, total)}</span>
    </div>
  );
}

const PAGE = 15;

/** R-X-1 sources grouped by IP: volume, pass/fail, alignment, disposition, who reported them. */
export function SourcesTable({ sources }: { sources: DmarcSource[] }) {
  const [shown, setShown] = useState(PAGE);
  const visible = sources.slice(0, shown);
  const dns = useReverseDns(visible.map((s) => s.ip));
  return (
    <Card className="overflow-hidden">
      <CardHeader title="Sources" description="Every address that sent mail as this domain, by volume. Reverse DNS names are looked up after the figures load." />
      {sources.length === 0 ? (
        <p className="px-5 py-8 text-center text-sm text-slate-500">No mail from this domain was reported in the period.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Sources">
            <thead className="bg-slate-50">
              <tr className="text-left text-xs font-medium tracking-wide text-slate-500 uppercase">
                <th scope="col" className="px-5 py-3">Source</th>
                <th scope="col" className="px-4 py-3 text-right">Messages</th>
                <th scope="col" className="px-4 py-3">DMARC pass</th>
                <th scope="col" className="px-4 py-3 text-right">DKIM aligned</th>
                <th scope="col" className="px-4 py-3 text-right">SPF aligned</th>
                <th scope="col" className="px-4 py-3">Applied</th>
                <th scope="col" className="px-5 py-3">Reported by</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {visible.map((s) => (
                <tr key={s.ip} className="hover:bg-slate-50" data-testid="dmarc-source-row">
                  <td className="px-5 py-3">
                    <div className="flex items-center gap-2 whitespace-nowrap">
                      <span className="font-mono text-slate-900">{s.ip}</span>
                      {s.gateway ? <Badge tone="indigo">Gateway</Badge> : null}
                      {!s.gateway && s.authorised ? <Badge tone="green">Authorised</Badge> : null}
                      {!s.gateway && !s.authorised && s.fail > 0 ? <Badge tone="red">Unauthorised</Badge> : null}
                    </div>
                    <HostName ip={s.ip} dns={dns} />
                  </td>
                  <td className="px-4 py-3 text-right tabular-nums text-slate-900">{count(s.messages)}</td>
                  <td className="px-4 py-3 whitespace-nowrap text-slate-700">
                    <PassBar pass={s.pass} total={s.messages} />
                    {s.fail ? <span className="text-xs text-red-600">{count(s.fail)} failed</span> : null}
                  </td>
                  <td className="px-4 py-3 text-right tabular-nums text-slate-600">{share(s.dkimAligned, s.messages)}</td>
                  <td className="px-4 py-3 text-right tabular-nums text-slate-600">{share(s.spfAligned, s.messages)}</td>
                  <td className="px-4 py-3 text-xs whitespace-nowrap text-slate-600">
                    {s.rejected ? <div className="text-red-700">{count(s.rejected)} rejected</div> : null}
                    {s.quarantined ? <div className="text-amber-700">{count(s.quarantined)} quarantined</div> : null}
                    {!s.rejected && !s.quarantined ? <span className="text-slate-400">delivered</span> : null}
                  </td>
                  <td className="max-w-48 truncate px-5 py-3 text-xs text-slate-500" title={s.reporters.join(", ")}>
                    {s.reporters.join(", ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {sources.length > 0 ? (
        <div className="flex items-center justify-between border-t border-slate-200 bg-slate-50 px-5 py-2.5 text-xs text-slate-500">
          <span>
            {visible.length < sources.length ? `The ${count(visible.length)} largest of ${count(sources.length)} sources` : `${count(sources.length)} ${sources.length === 1 ? "source" : "sources"}`}
          </span>
          {visible.length < sources.length ? (
            <Button variant="secondary" size="sm" onClick={() => setShown((n) => n + 50)}>
              Show more sources
            </Button>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

/**
 * R-X-1 sources failing DMARC that are neither the gateway nor a sender that passes for the domain elsewhere:
 * nothing authenticated them (possible impersonation) or only another domain did (forwarders, mailing lists,
 * a service not set up to sign as the domain).
 */
export function SuspectsCard({ suspects, domain }: { suspects: DmarcSuspect[]; domain: string }) {
  const dns = useReverseDns(suspects.slice(0, 50).map((s) => s.ip));
  const impersonation = suspects.filter((s) => s.kind === "impersonation").length;
  return (
    <section aria-label="Possible impersonation">
      <Card className="overflow-hidden">
        <CardHeader
          title="Failing sources that are not yours"
          description={`Sources that failed DMARC for ${domain} and are neither the gateway nor a sender that passes for ${domain} elsewhere in the period.`}
          actions={impersonation ? <Badge tone="red">{impersonation} possible impersonation</Badge> : null}
        />
        {suspects.length === 0 ? (
          <p className="flex items-center gap-2 px-5 py-5 text-sm text-slate-600">
            <ShieldCheck className="size-5 text-emerald-500" aria-hidden />
            Every source that failed DMARC is the gateway or a sender that passes for this domain. Nobody else is sending as it.
          </p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {suspects.slice(0, 50).map((s) => (
              <li key={s.ip} className="flex items-start justify-between gap-6 px-5 py-3" data-testid="dmarc-suspect">
                <div className="flex min-w-0 flex-1 items-start gap-3">
                  <ShieldAlert className={s.kind === "impersonation" ? "mt-0.5 size-5 text-red-500" : "mt-0.5 size-5 text-amber-500"} aria-hidden />
                  <div className="min-w-0">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="font-mono text-sm text-slate-900">{s.ip}</span>
                      {s.kind === "impersonation" ? <Badge tone="red">Possible impersonation</Badge> : <Badge tone="amber">Not aligned</Badge>}
                    </div>
                    <HostName ip={s.ip} dns={dns} />
                    <p className="mt-1 text-xs text-slate-600">
                      {s.kind === "impersonation"
                        ? "Nothing authenticated this mail: neither SPF nor DKIM passed for any domain."
                        : `Authenticated as ${s.authenticatedAs.join(", ")} but not as ${domain}: a forwarder or mailing list, or a service you use that is not set up to sign as ${domain}.`}
                    </p>
                  </div>
                </div>
                <div className="w-64 shrink-0 text-right text-sm">
                  <div className="tabular-nums font-medium text-red-700">{count(s.fail)} failed</div>
                  <div className="text-xs text-slate-500">
                    {s.rejected ? `${count(s.rejected)} rejected · ` : ""}
                    {s.quarantined ? `${count(s.quarantined)} quarantined · ` : ""}
                    reported by {s.reporters.join(", ")}
                  </div>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </section>
  );
}
