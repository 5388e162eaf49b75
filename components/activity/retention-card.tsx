"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

/** R-ACT-2: how many days the activity log is kept; older rows are purged hourly by the MTA. */
export function RetentionCard() {
  const trpc = useTRPC();
  const retention = useQuery(trpc.activity.retention.queryOptions());
  return (
    <section aria-label="Retention" className="mt-8">
      <Card>
        <CardHeader title="Retention" description="Entries older than this are deleted automatically, once an hour." />
        <div className="px-5 py-5">
          {retention.isError ? <Alert>Could not load the retention setting: {retention.error.message}</Alert> : null}
          {retention.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}
          {retention.data ? <RetentionForm initial={retention.data.days} /> : null}
        </div>
      </Card>
    </section>
  );
}

function RetentionForm({ initial }: { initial: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [days, setDays] = useState(String(initial));
  const [saved, setSaved] = useState<number | null>(null);
  const update = useMutation(trpc.activity.setRetention.mutationOptions());
  const errors = formErrorsOf(update.error, ["days"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(null);
    const value = days.trim() === "" ? Number.NaN : Number(days);
    const result = await update.mutateAsync({ days: value });
    queryClient.setQueryData(trpc.activity.retention.queryKey(), result);
    setDays(String(result.days));
    setSaved(result.days);
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="flex flex-wrap items-start gap-4">
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <Field label="Keep activity for" error={errors.fields.days} hint="7 to 3650 days.">
        {(p) => (
          <div className="flex items-center gap-2">
            <div className="w-28">
              <input {...p} name="days" type="number" inputMode="numeric" min={7} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
            </div>
            <span className="text-sm text-slate-600">days</span>
          </div>
        )}
      </Field>
      <div className="flex items-center gap-3 pt-7">
        <Button type="submit" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save"}
        </Button>
        {saved !== null ? <Alert tone="success">Activity is kept for {saved} days.</Alert> : null}
      </div>
    </form>
  );
}
