"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { RotateCcw } from "lucide-react";
import { useState, type FormEvent } from "react";
import {
  AUTO_ACK_PLACEHOLDERS,
  autoAckValues,
  DEFAULT_ACK_SUBJECT,
  DEFAULT_ACK_TEMPLATE,
  renderAutoAck,
} from "@/server/mail/auto-ack-template";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card, CardHeader } from "../ui/card";
import { cn } from "../ui/cn";
import { Field, TextAreaField, TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

type Values = { enabled: boolean; subject: string; template: string; perSenderHour: string };
const FIELDS = ["enabled", "subject", "template", "perSenderHour"] as const;

/** The sample message the preview is rendered for. */
const SAMPLE = { ticketNumber: 1042, subject: "Printer on floor 2 is offline", requesterName: "Alice Example" };

/** R-IN-9: the tenant's automatic acknowledgement of a new ticket: on/off, wording (with a preview), rate limit. */
export function AutoAckCard() {
  const trpc = useTRPC();
  const settings = useQuery(trpc.autoAck.get.queryOptions());
  return (
    <section aria-label="Auto-acknowledgement" data-testid="auto-ack-card" className="mb-6">
      <Card>
        <CardHeader
          title="Auto-acknowledgement"
          description="When a requester's message opens a new ticket, they get this reply with the ticket number. Automatic mail (out-of-office replies, mailing lists, no-reply senders) never gets one."
          actions={
            settings.data ? (
              <Badge tone={settings.data.enabled ? "green" : "slate"}>{settings.data.enabled ? "On" : "Off"}</Badge>
            ) : null
          }
        />
        <div className="px-5 py-5">
          {settings.isError ? (
            <Alert>Could not load the auto-acknowledgement settings: {settings.error.message}</Alert>
          ) : null}
          {settings.isPending ? <p className="text-sm text-slate-500">Loading…</p> : null}
          {settings.data ? (
            <AutoAckForm
              initial={{
                enabled: settings.data.enabled,
                subject: settings.data.subject,
                template: settings.data.template,
                perSenderHour: String(settings.data.perSenderHour),
              }}
              tenantName={settings.data.tenantName}
            />
          ) : null}
        </div>
      </Card>
    </section>
  );
}

function AutoAckForm({ initial, tenantName }: { initial: Values; tenantName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>(initial);
  const [saved, setSaved] = useState(false);
  const update = useMutation(trpc.autoAck.update.mutationOptions());
  const errors = formErrorsOf(update.error, FIELDS);
  const sample = autoAckValues({ ...SAMPLE, tenantName });

  const change = (patch: Partial<Values>) => {
    setSaved(false);
    setValues((v) => ({ ...v, ...patch }));
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const perSenderHour = values.perSenderHour.trim() === "" ? Number.NaN : Number(values.perSenderHour);
    const result = await update.mutateAsync({ ...values, perSenderHour });
    queryClient.setQueryData(trpc.autoAck.get.queryKey(), result);
    setValues({
      enabled: result.enabled,
      subject: result.subject,
      template: result.template,
      perSenderHour: String(result.perSenderHour),
    });
    setSaved(true);
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="grid gap-8 lg:grid-cols-5">
      <div className="space-y-5 lg:col-span-3">
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        <div>
          <label className="flex items-start gap-3">
            <input
              type="checkbox"
              role="switch"
              name="enabled"
              checked={values.enabled}
              aria-checked={values.enabled}
              onChange={(e) => change({ enabled: e.target.checked })}
              className="mt-0.5 size-4 rounded border-slate-300 text-indigo-600 accent-indigo-600 focus:ring-indigo-500"
            />
            <span>
              <span className="block text-sm font-medium text-slate-900">Acknowledge new tickets automatically</span>
              <span className="block text-xs text-slate-500">
                {values.enabled ? "Human requesters get the reply below." : "Off: requesters get no automatic reply."}
              </span>
            </span>
          </label>
          {errors.fields.enabled ? (
            <p role="alert" className="mt-1.5 text-sm text-red-600">
              {errors.fields.enabled}
            </p>
          ) : null}
        </div>
        <TextField
          label="Subject"
          name="subject"
          maxLength={200}
          value={values.subject}
          error={errors.fields.subject}
          onChange={(e) => change({ subject: e.target.value })}
        />
        <TextAreaField
          label="Message"
          name="template"
          rows={12}
          maxLength={5000}
          value={values.template}
          error={errors.fields.template}
          hint={`${values.template.length} of 5000 characters. Plain text.`}
          onChange={(e) => change({ template: e.target.value })}
          className="font-mono text-[13px] leading-relaxed"
        />
        <div className="rounded-lg bg-slate-50 px-4 py-3 ring-1 ring-inset ring-slate-200">
          <p className="text-xs font-medium text-slate-700">Placeholders you can use in the subject and the message</p>
          <dl className="mt-2 grid gap-x-4 gap-y-1.5 text-xs sm:grid-cols-[auto_1fr]" aria-label="Placeholders">
            {Object.entries(AUTO_ACK_PLACEHOLDERS).map(([name, meaning]) => (
              <div key={name} className="contents">
                <dt>
                  <code className="rounded bg-white px-1.5 py-0.5 font-mono text-slate-900 ring-1 ring-slate-200">{`{{${name}}}`}</code>
                </dt>
                <dd className="text-slate-600">{meaning}</dd>
              </div>
            ))}
          </dl>
        </div>
        <Field
          label="Per sender, at most"
          error={errors.fields.perSenderHour}
          hint="Acknowledgements per hour to one address (1 to 20). Stops a misbehaving auto-responder from starting a mail loop."
        >
          {(p) => (
            <div className="flex items-center gap-2">
              <div className="w-24">
                <input
                  {...p}
                  name="perSenderHour"
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={20}
                  value={values.perSenderHour}
                  onChange={(e) => change({ perSenderHour: e.target.value })}
                />
              </div>
              <span className="text-sm text-slate-600">per hour</span>
            </div>
          )}
        </Field>
        <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-4">
          <Button type="submit" disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save"}
          </Button>
          <Button
            variant="secondary"
            disabled={values.subject === DEFAULT_ACK_SUBJECT && values.template === DEFAULT_ACK_TEMPLATE}
            onClick={() => change({ subject: DEFAULT_ACK_SUBJECT, template: DEFAULT_ACK_TEMPLATE })}
          >
            <RotateCcw className="size-3.5" aria-hidden />
            Use default wording
          </Button>
          {saved ? (
            <div className="min-w-0 flex-1">
              <Alert tone="success">Auto-acknowledgement settings saved.</Alert>
            </div>
          ) : null}
        </div>
      </div>

      <section aria-labelledby="auto-ack-preview" className="lg:col-span-2">
        <h3 id="auto-ack-preview" className="text-sm font-medium text-slate-700">
          Preview
        </h3>
        <p className="mt-0.5 text-xs text-slate-500">
          For ticket #{SAMPLE.ticketNumber} from {SAMPLE.requesterName}, “{SAMPLE.subject}”.
        </p>
        <div
          className={cn(
            "mt-3 overflow-hidden rounded-lg bg-white ring-1 ring-slate-200",
            !values.enabled && "opacity-60",
          )}
          data-testid="auto-ack-preview"
        >
          <div className="border-b border-slate-200 bg-slate-50 px-4 py-2.5 text-xs text-slate-600">
            <p>
              <span className="text-slate-400">To:</span> {SAMPLE.requesterName}
            </p>
            <p className="mt-0.5 font-medium text-slate-900" data-testid="auto-ack-preview-subject">
              {renderAutoAck(values.subject, sample) || <span className="text-slate-400">(no subject)</span>}
            </p>
          </div>
          <pre
            className="max-h-96 overflow-auto px-4 py-3 font-sans text-sm whitespace-pre-wrap text-slate-800"
            data-testid="auto-ack-preview-body"
          >
            {renderAutoAck(values.template, sample)}
          </pre>
        </div>
        {!values.enabled ? (
          <p className="mt-2 text-xs text-slate-500">Not sent while automatic acknowledgement is off.</p>
        ) : null}
      </section>
    </form>
  );
}
