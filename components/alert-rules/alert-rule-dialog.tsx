"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { AlertRuleData } from "@/server/alert-rules/alert-rule-fields";
import type { AlertRuleAction } from "@/server/alert-rules/match-alert-rule";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { Field, TextField } from "../ui/field";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";
import { ACTION_HINT, ACTION_LABEL } from "./rule-labels";

const FIELDS = ["name", "sender", "subject", "subjectMode", "headerName", "headerValue", "action", "clientId", "ticketStatus"] as const;
const ACTIONS: AlertRuleAction[] = ["OPEN", "APPEND", "CLOSE", "DROP"];

export type EditableRule = AlertRuleData & { id: string };

/** Create or edit one alert rule; the server's messages appear next to the field they are about. */
export function AlertRuleDialog({
  open,
  rule,
  onClose,
  onSaved,
}: {
  open: boolean;
  rule: EditableRule | null;
  onClose: () => void;
  onSaved: () => Promise<void>;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={rule ? `Edit “${rule.name}”` : "New alert rule"}
      description="A message matches when every condition you fill in holds. Rules are checked in order; the first match wins."
    >
      <RuleForm rule={rule} onClose={onClose} onSaved={onSaved} />
    </Dialog>
  );
}

function RuleForm({ rule, onClose, onSaved }: { rule: EditableRule | null; onClose: () => void; onSaved: () => Promise<void> }) {
  const trpc = useTRPC();
  const clients = useQuery(trpc.clients.list.queryOptions({}));
  const create = useMutation(trpc.alertRules.create.mutationOptions());
  const update = useMutation(trpc.alertRules.update.mutationOptions());
  const [name, setName] = useState(rule?.name ?? "");
  const [sender, setSender] = useState(rule?.senderValue ?? "");
  const [subjectMode, setSubjectMode] = useState(rule?.subjectMode ?? "CONTAINS");
  const [subject, setSubject] = useState(rule?.subjectValue ?? "");
  const [headerName, setHeaderName] = useState(rule?.headerName ?? "");
  const [headerValue, setHeaderValue] = useState(rule?.headerValue && rule.headerValue !== "*" ? rule.headerValue : "");
  const [action, setAction] = useState<AlertRuleAction>(rule?.action ?? "OPEN");
  const [clientId, setClientId] = useState(rule?.clientId ?? "");
  const [ticketStatus, setTicketStatus] = useState(rule?.ticketStatus ?? "OPEN");
  const mutation = rule ? update : create;
  const errors = formErrorsOf(mutation.error, FIELDS);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input = {
      name,
      enabled: rule?.enabled ?? true,
      sender,
      subjectMode: subjectMode as "CONTAINS" | "GLOB",
      subject,
      headerName,
      headerValue,
      action,
      clientId: clientId || null,
      ticketStatus: ticketStatus as "OPEN" | "PENDING" | "CLOSED",
    };
    if (rule) await update.mutateAsync({ id: rule.id, rule: input });
    else await create.mutateAsync({ rule: input });
    await onSaved();
    onClose();
  }

  return (
    <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4" aria-label="Alert rule">
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} autoFocus placeholder="NAS disk alerts" />
      <TextField
        label="Sender"
        name="sender"
        value={sender}
        onChange={(e) => setSender(e.target.value)}
        error={errors.fields.sender}
        spellCheck={false}
        autoComplete="off"
        placeholder="nas01@client.example, client.example or *-alerts@*"
        hint="Optional. An address, a domain (its subdomains too) or a pattern with * and ?, as on the Blocklist."
      />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field label="Subject" error={errors.fields.subjectMode}>
          {(p) => (
            <select {...p} name="subjectMode" value={subjectMode} onChange={(e) => setSubjectMode(e.target.value)}>
              <option value="CONTAINS">contains</option>
              <option value="GLOB">matches (* and ?)</option>
            </select>
          )}
        </Field>
        <div className="sm:col-span-2">
          <TextField
            label="Subject text"
            name="subject"
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
            error={errors.fields.subject}
            placeholder={subjectMode === "GLOB" ? "[Failed] *backup*" : "has degraded"}
            hint="Optional. Upper and lower case are the same."
          />
        </div>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField
          label="Header (optional)"
          name="headerName"
          value={headerName}
          onChange={(e) => setHeaderName(e.target.value)}
          error={errors.fields.headerName}
          spellCheck={false}
          placeholder="X-Alert-Severity"
        />
        <TextField
          label="Header value"
          name="headerValue"
          value={headerValue}
          onChange={(e) => setHeaderValue(e.target.value)}
          error={errors.fields.headerValue}
          spellCheck={false}
          placeholder="crit* (empty: any value)"
        />
      </div>
      <Field label="Then" error={errors.fields.action} hint={ACTION_HINT[action]}>
        {(p) => (
          <select {...p} name="action" value={action} onChange={(e) => setAction(e.target.value as AlertRuleAction)}>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {ACTION_LABEL[a]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {action === "OPEN" ? (
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Client" error={errors.fields.clientId} hint="Empty: routed by sender as usual.">
            {(p) => (
              <select {...p} name="clientId" value={clientId} onChange={(e) => setClientId(e.target.value)}>
                <option value="">Route by sender</option>
                {(clients.data ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Status" error={errors.fields.ticketStatus}>
            {(p) => (
              <select {...p} name="ticketStatus" value={ticketStatus} onChange={(e) => setTicketStatus(e.target.value)}>
                <option value="OPEN">Open</option>
                <option value="PENDING">Pending</option>
                <option value="CLOSED">Closed</option>
              </select>
            )}
          </Field>
        </div>
      ) : null}
      <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <Button type="submit" disabled={mutation.isPending}>
          {mutation.isPending ? "Saving…" : rule ? "Save rule" : "Add rule"}
        </Button>
      </div>
    </form>
  );
}
