"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowDown, ArrowUp, BellRing, Pencil, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { PageHeader } from "../ui/page-header";
import { useTRPC } from "../trpc/client";
import { AlertRuleDialog, type EditableRule } from "./alert-rule-dialog";
import { RepeatSettingsCard } from "./repeat-settings-card";
import { TryMessageCard } from "./try-message-card";
import { ACTION_LABEL, ACTION_TONE } from "./rule-labels";

/** R-AUTO-2: ordered alert rules, the repeat settings of R-AUTO-1, and "try a message". */
export function AlertRulesScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const rules = useQuery(trpc.alertRules.list.queryOptions());
  const move = useMutation(trpc.alertRules.move.mutationOptions());
  const setEnabled = useMutation(trpc.alertRules.setEnabled.mutationOptions());
  const remove = useMutation(trpc.alertRules.delete.mutationOptions());
  const [editing, setEditing] = useState<EditableRule | "new" | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.alertRules.list.queryKey() });
  const actionError = move.error ?? setEnabled.error ?? null;

  return (
    <>
      <PageHeader
        title="Alert rules"
        description="Monitoring alerts, backup reports and other automated mail: what opens a ticket, what joins the open one, what a recovery closes and what is dropped. Rules are checked in order before routing; the first match wins."
        actions={
          <Button onClick={() => setEditing("new")}>
            <Plus className="size-4" aria-hidden /> New rule
          </Button>
        }
      />
      {actionError ? <Alert>{actionError.message}</Alert> : null}
      {rules.isError ? <Alert>Could not load the alert rules: {rules.error.message}</Alert> : null}
      {rules.isPending ? <Card className="h-32 animate-pulse bg-slate-50"><span className="sr-only">Loading alert rules…</span></Card> : null}
      {rules.data && rules.data.length === 0 ? (
        <Card className="px-6 py-14 text-center">
          <BellRing className="mx-auto size-10 text-slate-300" aria-hidden />
          <h2 className="mt-3 text-sm font-semibold text-slate-900">No alert rules yet</h2>
          <p className="mx-auto mt-1 max-w-md text-sm text-slate-500">
            Without rules, automated mail still opens tickets marked Automated and repeats fold into one ticket. Add a rule to
            send a device&apos;s alerts to its client, close tickets on recovery mails, or drop noise.
          </p>
        </Card>
      ) : null}
      {rules.data && rules.data.length > 0 ? (
        <Card className="overflow-hidden">
          <ol className="divide-y divide-slate-100" aria-label="Alert rules in order">
            {rules.data.map((rule, i) => (
              <li key={rule.id} className="flex flex-wrap items-center gap-3 px-5 py-3.5" data-testid="alert-rule-row">
                <span className="w-6 text-right text-sm text-slate-400 tabular-nums" aria-hidden>
                  {i + 1}
                </span>
                <div className="min-w-0 flex-1">
                  <div className="flex flex-wrap items-center gap-2">
                    <span className={rule.enabled ? "font-medium text-slate-900" : "font-medium text-slate-400 line-through"}>{rule.name}</span>
                    <Badge tone={ACTION_TONE[rule.action]}>{ACTION_LABEL[rule.action]}</Badge>
                    {rule.client ? <Badge tone="slate">{rule.client.name}</Badge> : null}
                    {!rule.enabled ? <Badge tone="slate">Disabled</Badge> : null}
                  </div>
                  <p className="mt-0.5 text-sm break-words text-slate-600">{rule.conditions}</p>
                  <p className="text-xs text-slate-500">
                    {rule.matchCount} {rule.matchCount === 1 ? "match" : "matches"}
                  </p>
                </div>
                <div className="flex items-center gap-1">
                  <Button variant="ghost" size="sm" aria-label={`Move ${rule.name} up`} disabled={i === 0 || move.isPending}
                    onClick={() => void move.mutateAsync({ id: rule.id, direction: "up" }).then(refresh).catch(() => undefined)}>
                    <ArrowUp className="size-4" aria-hidden />
                  </Button>
                  <Button variant="ghost" size="sm" aria-label={`Move ${rule.name} down`} disabled={i === rules.data.length - 1 || move.isPending}
                    onClick={() => void move.mutateAsync({ id: rule.id, direction: "down" }).then(refresh).catch(() => undefined)}>
                    <ArrowDown className="size-4" aria-hidden />
                  </Button>
                  <Button variant="secondary" size="sm" aria-label={`${rule.enabled ? "Disable" : "Enable"} ${rule.name}`}
                    onClick={() => void setEnabled.mutateAsync({ id: rule.id, enabled: !rule.enabled }).then(refresh).catch(() => undefined)}>
                    {rule.enabled ? "Disable" : "Enable"}
                  </Button>
                  <Button variant="ghost" size="sm" aria-label={`Edit ${rule.name}`} onClick={() => setEditing(rule)}>
                    <Pencil className="size-4" aria-hidden />
                  </Button>
                  <Button variant="ghost" size="sm" aria-label={`Delete ${rule.name}`} onClick={() => { remove.reset(); setDeleting({ id: rule.id, name: rule.name }); }}>
                    <Trash2 className="size-4" aria-hidden />
                  </Button>
                </div>
              </li>
            ))}
          </ol>
        </Card>
      ) : null}

      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        <TryMessageCard />
        <RepeatSettingsCard />
      </div>

      <AlertRuleDialog open={editing !== null} rule={editing === "new" ? null : editing} onClose={() => setEditing(null)} onSaved={refresh} />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this rule?"
        confirmLabel="Delete rule"
        pending={remove.isPending}
        error={remove.error ? remove.error.message : null}
        onConfirm={() =>
          void remove
            .mutateAsync({ id: deleting!.id })
            .then(async () => {
              setDeleting(null);
              await refresh();
            })
            .catch(() => undefined)
        }
        onClose={() => setDeleting(null)}
      >
        <p>
          Mail that “{deleting?.name}” matched is routed by the next matching rule, or as usual. Tickets it made stay.
        </p>
      </ConfirmDialog>
    </>
  );
}

