"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { CheckCircle2, Loader2, Send, XCircle } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { CopyButton } from "../ui/copy-button";
import { useTRPC } from "../trpc/client";
import { formatDate } from "../ui/format-date";

const POLL_MS = 2_000;
/** Stop polling after this long; the admin can start again. */
const GIVE_UP_MS = 15 * 60_000;


/**
 * R-X-2: the live forwarding test. "Start test" takes the server's time; the card then polls the gateway's
 * inbound activity since that moment and shows each message as it arrives: the ticket it made (a link) or
 * the check that dropped it. No reload.
 */
export function LiveTest({ mailbox }: { mailbox: string }) {
  const trpc = useTRPC();
  const start = useMutation(trpc.inbound.startTest.mutationOptions());
  const [since, setSince] = useState<Date | null>(null);
  const [stopped, setStopped] = useState(false);
  const results = useQuery({
    ...trpc.inbound.testResults.queryOptions({ since: since ?? new Date(0) }),
    enabled: since !== null,
    refetchInterval: (q) => {
      if (!since || stopped) return false;
      if (Date.now() - since.getTime() > GIVE_UP_MS) return false;
      return q.state.data?.some((r) => r.outcome !== "DUPLICATE") ? POLL_MS * 2 : POLL_MS;
    },
  });
  const data = results.data ?? [];
  const timedOut = since !== null && Date.now() - since.getTime() > GIVE_UP_MS && data.length === 0;

  async function begin() {
    const { startedAt } = await start.mutateAsync();
    setStopped(false);
    setSince(startedAt);
  }

  return (
    <section aria-label="Live forwarding test" className="mb-6">
      <Card>
        <CardHeader
          title="Test your forwarding"
          description="Start the test, then send an email to your own support address from any mailbox (not the support mailbox itself). This page shows what the gateway did with it."
          actions={
            <Button onClick={() => void begin().catch(() => undefined)} disabled={start.isPending}>
              <Send className="size-4" aria-hidden />
              {since ? "Start again" : "Start test"}
            </Button>
          }
        />
        <div className="px-5 py-5 text-sm">
          {start.error ? <Alert>Could not start the test: {start.error.message}</Alert> : null}
          {!since ? (
            <p className="text-slate-600">
              The gateway listens for mail forwarded to <code className="font-mono text-slate-900">{mailbox}</code>. Nothing
              is sent by the test itself.
            </p>
          ) : (
            <div className="space-y-4">
              <div className="flex flex-wrap items-center gap-2 text-slate-600">
                {results.isError ? null : timedOut || stopped ? (
                  <span>Stopped waiting.</span>
                ) : (
                  <>
                    <Loader2 className="size-4 animate-spin text-indigo-600" aria-hidden />
                    <span role="status">
                      Waiting for mail since {formatDate(since, "time")}… send a message to your support address now.
                    </span>
                    <Button variant="ghost" size="sm" onClick={() => setStopped(true)}>
                      Stop
                    </Button>
                  </>
                )}
              </div>
              <div className="flex flex-wrap items-center gap-2 rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-600 ring-1 ring-inset ring-slate-200">
                Forwarding goes to <code className="font-mono text-slate-900">{mailbox}</code>
                <CopyButton value={mailbox} label="Copy" />
              </div>
              {results.isError ? <Alert>Could not check for mail: {results.error.message}. Retrying…</Alert> : null}
              {timedOut ? (
                <Alert tone="info">
                  Nothing arrived in 15 minutes. Check that the forwarding rule is on and points at the address above, then start again.
                </Alert>
              ) : null}
              {data.length ? (
                <ul className="divide-y divide-slate-100 rounded-lg ring-1 ring-slate-200" aria-label="Test results" data-testid="live-test-results">
                  {data.map((r) => (
                    <li key={r.id} className="flex items-start gap-3 px-4 py-3" data-testid="live-test-result">
                      {r.outcome === "DELIVERED" ? (
                        <CheckCircle2 className="mt-0.5 size-5 shrink-0 text-emerald-600" aria-hidden />
                      ) : (
                        <XCircle className="mt-0.5 size-5 shrink-0 text-red-500" aria-hidden />
                      )}
                      <div className="min-w-0 flex-1">
                        <p className="font-medium text-slate-900">
                          {r.subject || "(no subject)"} <span className="font-normal text-slate-500">from {r.fromAddress ?? "an unknown sender"}</span>
                        </p>
                        {r.outcome === "DELIVERED" && r.ticket ? (
                          <p className="mt-0.5 text-slate-700">
                            Arrived and made{" "}
                            <Link href={`/tickets/${r.ticket.id}`} className="font-medium text-indigo-600 hover:underline">
                              ticket #{r.ticket.number}
                            </Link>
                            .
                          </p>
                        ) : r.outcome === "DUPLICATE" ? (
                          <p className="mt-0.5 text-slate-700">Arrived again: the gateway had already received this message.</p>
                        ) : (
                          <p className="mt-0.5 text-slate-700">
                            Dropped: <span className="font-medium" data-testid="live-test-reason">{r.reason ?? "no reason recorded"}</span>
                          </p>
                        )}
                        <p className="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-slate-500">
                          {formatDate(r.createdAt, "time")}
                          {r.spf ? <Badge>SPF {r.spf}</Badge> : null}
                          {r.dkim ? <Badge>DKIM {r.dkim}</Badge> : null}
                          {r.dmarc ? <Badge>DMARC {r.dmarc}</Badge> : null}
                        </p>
                      </div>
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          )}
        </div>
      </Card>
    </section>
  );
}
