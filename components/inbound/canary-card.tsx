"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field, TextAreaField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

const INTERVALS = [
  { minutes: 15, label: "Every 15 minutes" },
  { minutes: 60, label: "Every hour" },
  { minutes: 360, label: "Every 6 hours (recommended)" },
  { minutes: 1440, label: "Once a day" },
];

/**
 * R-HEALTH-1: the MSP's public support addresses the forwarding canary watches, and how often. The gateway mails each
 * a short check that must come back through the forward; two misses in a row alert the admins.
 */
export function CanaryCard() {
  const trpc = useTRPC();
  const settings = useQuery(trpc.health.canarySettings.queryOptions());
  return (
    <section aria-label="Forwarding canary" className="mb-6">
      <Card>
        <CardHeader
          title="Watch your forwarding"
          description="Enter the public support address(es) your clients write to. The gateway mails each a short automatic check and expects it back through your forward within 15 minutes; two misses in a row alert your admins. The checks never become tickets."
        />
        <div className="px-5 py-5">
          {settings.isError ? <Alert>Could not load the forwarding check settings: {settings.error.message}</Alert> : null}
          {settings.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}
          {settings.data ? <CanaryForm initial={settings.data} /> : null}
        </div>
      </Card>
    </section>
  );
}

function CanaryForm({ initial }: { initial: { addresses: string[]; intervalMinutes: number } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [addresses, setAddresses] = useState(initial.addresses.join("\n"));
  const [interval, setInterval] = useState(String(initial.intervalMinutes));
  const save = useMutation(
    trpc.health.saveCanarySettings.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.health.pathKey() });
      },
    }),
  );
  const errors = formErrorsOf(save.error, ["addresses", "intervalMinutes"]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const list = addresses.split(/[\s,;]+/).map((a) => a.trim()).filter(Boolean);
    save.mutate({ addresses: list, intervalMinutes: Number(interval) });
  };
  return (
    <form onSubmit={submit} className="space-y-4">
      <TextAreaField
        label="Public support addresses"
        name="addresses"
        placeholder="support@yourmsp.com"
        value={addresses}
        onChange={(e) => setAddresses(e.target.value)}
        error={errors.fields.addresses}
        hint="One per line, up to five. Leave empty to stop the checks."
      />
      <Field label="How often" error={errors.fields.intervalMinutes}>
        {(p) => (
          <select {...p} value={interval} onChange={(e) => setInterval(e.target.value)}>
            {INTERVALS.map((i) => (
              <option key={i.minutes} value={i.minutes}>
                {i.label}
              </option>
            ))}
            {INTERVALS.some((i) => String(i.minutes) === interval) ? null : <option value={interval}>Every {interval} minutes</option>}
          </select>
        )}
      </Field>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      {save.isSuccess ? (
        <Alert tone="success">
          Saved. Results appear on the <Link href="/settings/email-gateway/health" className="font-medium underline">Health page</Link>.
        </Alert>
      ) : null}
      <Button type="submit" disabled={save.isPending}>
        {save.isPending ? "Saving…" : "Save"}
      </Button>
    </form>
  );
}
