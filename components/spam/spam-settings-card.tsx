"use client";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

/** R-SPAM-3: what the engines' configuration means, and how to turn filtering on when it is off. */
export function FilteringStatus({ rspamd, clamd, failOpen }: { rspamd: boolean; clamd: boolean; failOpen: boolean }) {
  if (!rspamd && !clamd) {
    return (
      <Alert tone="info">
        <span data-testid="filtering-off">
          Spam and malware filtering is off: every message that passes authentication and the blocklist becomes a ticket. To turn
          it on, install rspamd and ClamAV (Debian packages <code>rspamd</code> and <code>clamav-daemon</code>) and set{" "}
          <code>RSPAMD_URL</code> (e.g. <code>http://127.0.0.1:11334</code>) and <code>CLAMD</code> (e.g.{" "}
          <code>/run/clamav/clamd.ctl</code>) for the web app and the MTA; the README&apos;s “Spam and malware” section has the details.
        </span>
      </Alert>
    );
  }
  return (
    <Alert tone="info">
      <span data-testid="filtering-on">
        Spam filtering (rspamd) is {rspamd ? "on" : "off"}; malware scanning of attachments (ClamAV) is {clamd ? "on" : "off"}. Held
        mail waits in the <Link href="/spam" className="font-medium underline">Spam queue</Link>.{" "}
        {failOpen
          ? "While a scanner is unreachable, mail is accepted unscanned and marked “not scanned” (SPAM_FAIL_OPEN=1)."
          : "While a scanner is unreachable, senders are asked to retry later (451), so nothing unscanned gets in."}
      </span>
    </Alert>
  );
}

/** R-SPAM-2: the tenant's threshold and retention (admins). */
export function SpamSettingsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.spamQueue.settings.queryOptions());
  const save = useMutation(trpc.spamQueue.updateSettings.mutationOptions());
  const [threshold, setThreshold] = useState("");
  const [retention, setRetention] = useState("30");
  const [saved, setSaved] = useState(false);
  const errors = formErrorsOf(save.error, ["threshold", "retentionDays"]);

  useEffect(() => {
    if (!settings.data) return;
    setThreshold(settings.data.threshold === null ? "" : String(settings.data.threshold));
    setRetention(String(settings.data.retentionDays));
  }, [settings.data]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const t = threshold.trim();
    await save.mutateAsync({ threshold: t === "" ? null : Number(t), retentionDays: Number(retention) });
    await queryClient.invalidateQueries({ queryKey: trpc.spamQueue.settings.queryKey() });
    setSaved(true);
  }

  return (
    <section aria-label="Spam filtering settings" className="mt-6">
      <Card>
        <CardHeader
          title="Spam filtering"
          description="When a message is held, and for how long."
          actions={settings.data ? <Badge tone={settings.data.rspamd || settings.data.clamd ? "green" : "slate"}>{settings.data.rspamd || settings.data.clamd ? "On" : "Off"}</Badge> : null}
        />
        <div className="space-y-4 px-5 py-4">
          {settings.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}
          {settings.isError ? <Alert>The settings could not be loaded: {settings.error.message}</Alert> : null}
          {settings.data ? <FilteringStatus {...settings.data} /> : null}
          {settings.data ? (
            <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="grid gap-4 sm:grid-cols-2">
              {errors.form ? (
                <div className="sm:col-span-2">
                  <Alert>{errors.form}</Alert>
                </div>
              ) : null}
              <TextField
                label="Spam score threshold"
                inputMode="decimal"
                value={threshold}
                placeholder="rspamd's “add header” score (6)"
                onChange={(e) => setThreshold(e.target.value)}
                error={errors.fields.threshold}
                hint="Mail scoring this or more is held. Empty: rspamd's own “add header” score."
              />
              <TextField
                label="Keep held mail for (days)"
                inputMode="numeric"
                value={retention}
                onChange={(e) => setRetention(e.target.value)}
                error={errors.fields.retentionDays}
                hint="Older items are deleted automatically."
              />
              <div className="flex items-center gap-3 sm:col-span-2">
                <Button type="submit" disabled={save.isPending}>
                  {save.isPending ? "Saving…" : "Save"}
                </Button>
                {saved ? <span role="status" className="text-sm text-emerald-700">Saved.</span> : null}
              </div>
            </form>
          ) : null}
        </div>
      </Card>
    </section>
  );
}
