"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button, ToggleButton } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { Field, TextAreaField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

const CLASS_TONE = { human: "slate", automated: "indigo", "auto-reply": "amber", report: "amber" } as const;

/** R-AUTO-2/3: what the gateway would do with a message, decided by the MTA's own code, without storing anything. */
export function TryMessageCard() {
  const trpc = useTRPC();
  const [source, setSource] = useState<"paste" | "recent">("paste");
  const [raw, setRaw] = useState("");
  const [activityId, setActivityId] = useState("");
  const recent = useQuery({
    ...trpc.activity.list.queryOptions({ messageDirection: "INBOUND", limit: 20 }),
    enabled: source === "recent",
  });
  const tryIt = useMutation(trpc.alertRules.try.mutationOptions());
  const errors = formErrorsOf(tryIt.error, ["raw"]);
  const result = tryIt.data;

  function submit(e: FormEvent) {
    e.preventDefault();
    void tryIt.mutateAsync(source === "paste" ? { raw } : { activityId }).catch(() => undefined);
  }

  return (
    <Card>
      <CardHeader title="Try a message" description="Paste a message with its headers, or pick one the gateway received, to see which rule matches and what would happen. Nothing is stored." />
      <form onSubmit={submit} noValidate className="space-y-4 px-5 py-5" aria-label="Try a message">
        <div className="flex gap-2" role="group" aria-label="Message source">
          <ToggleButton pressed={source === "paste"} onClick={() => { setSource("paste"); tryIt.reset(); }}>
            Paste a message
          </ToggleButton>
          <ToggleButton pressed={source === "recent"} onClick={() => { setSource("recent"); tryIt.reset(); }}>
            A recent message
          </ToggleButton>
        </div>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        {source === "paste" ? (
          <TextAreaField
            label="Raw message"
            name="raw"
            rows={8}
            spellCheck={false}
            className="font-mono text-xs"
            value={raw}
            onChange={(e) => setRaw(e.target.value)}
            error={errors.fields.raw}
            placeholder={"From: NAS01 <nas01@client.example>\nSubject: [NAS01] Storage Pool 1 has degraded\nAuto-Submitted: auto-generated\n\nDrive 3 has failed."}
          />
        ) : (
          <Field label="Received message" hint={recent.isPending ? "Loading recent messages…" : recent.data?.rows.length === 0 ? "Nothing received yet." : undefined}>
            {(p) => (
              <select {...p} value={activityId} onChange={(e) => setActivityId(e.target.value)}>
                <option value="">Choose a message</option>
                {(recent.data?.rows ?? []).map((row) => (
                  <option key={row.id} value={row.id}>
                    {`${row.fromAddress ?? "(no sender)"} — ${row.subject ?? "(no subject)"}`.slice(0, 120)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <div className="flex justify-end">
          <Button type="submit" disabled={tryIt.isPending || (source === "paste" ? !raw.trim() : !activityId)}>
            {tryIt.isPending ? "Trying…" : "Try it"}
          </Button>
        </div>
      </form>
      {result ? (
        <dl className="space-y-3 border-t border-slate-200 px-5 py-4 text-sm" aria-label="What would happen" data-testid="try-result">
          <div>
            <dt className="text-xs font-medium text-slate-500 uppercase">Class</dt>
            <dd className="mt-0.5 flex flex-wrap items-center gap-2">
              <Badge tone={CLASS_TONE[result.mailClass]}>{result.mailClass}</Badge>
              <span className="text-slate-700">{result.classification}</span>
            </dd>
          </div>
          <div>
            <dt className="text-xs font-medium text-slate-500 uppercase">Rule</dt>
            <dd className="mt-0.5 text-slate-700" data-testid="try-rule">
              {result.rule ? `“${result.rule.name}”: ${result.rule.conditions}` : "No rule matches."}
            </dd>
          </div>
          <div>
            <dt className="text-xs font-medium text-slate-500 uppercase">Outcome</dt>
            <dd className="mt-0.5 font-medium text-slate-900" data-testid="try-outcome">{result.outcome}</dd>
          </div>
          <div>
            <dt className="text-xs font-medium text-slate-500 uppercase">Acknowledgement</dt>
            <dd className="mt-0.5 text-slate-700">{result.acknowledgement}</dd>
          </div>
        </dl>
      ) : null}
    </Card>
  );
}
