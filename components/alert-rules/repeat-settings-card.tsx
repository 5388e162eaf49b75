"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

const FIELDS = ["foldWindowHours", "newTicketsPerSenderHour"] as const;

/** R-AUTO-1: the repeat window and the per-sender cap of new tickets. */
export function RepeatSettingsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.alertRules.foldSettings.queryOptions());
  const save = useMutation(trpc.alertRules.setFoldSettings.mutationOptions());
  const [windowHours, setWindowHours] = useState("");
  const [cap, setCap] = useState("");
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (settings.data) {
      setWindowHours(String(settings.data.foldWindowHours));
      setCap(String(settings.data.newTicketsPerSenderHour));
    }
  }, [settings.data]);
  const errors = formErrorsOf(save.error, FIELDS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    await save.mutateAsync({ foldWindowHours: Number(windowHours), newTicketsPerSenderHour: Number(cap) });
    await queryClient.invalidateQueries({ queryKey: trpc.alertRules.foldSettings.queryKey() });
    setSaved(true);
  }

  return (
    <Card>
      <CardHeader
        title="Repeats"
        description="A new mail whose sender and subject (numbers, dates and ids aside) match an open ticket is added to it. Automated mail always folds; a person's mail only past a burst of more than 5 new tickets in 10 minutes."
      />
      <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4 px-5 py-5" aria-label="Repeat settings">
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        {saved ? <Alert tone="success">Saved.</Alert> : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField
            label="Repeat window (hours)"
            name="foldWindowHours"
            inputMode="numeric"
            value={windowHours}
            disabled={settings.isPending}
            onChange={(e) => setWindowHours(e.target.value)}
            error={errors.fields.foldWindowHours}
          />
          <TextField
            label="New tickets per sender per hour"
            name="newTicketsPerSenderHour"
            inputMode="numeric"
            value={cap}
            disabled={settings.isPending}
            onChange={(e) => setCap(e.target.value)}
            error={errors.fields.newTicketsPerSenderHour}
            hint="Past this, mail is added to the sender's newest ticket."
          />
        </div>
        <div className="flex justify-end">
          <Button type="submit" disabled={save.isPending || settings.isPending}>
            {save.isPending ? "Saving…" : "Save"}
          </Button>
        </div>
      </form>
    </Card>
  );
}
