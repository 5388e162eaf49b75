"use client";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";
import { ClientPicker, type PickedClient } from "./client-picker";

/** A ticket as the dialogs need it. */
export type QueueTicket = {
  id: string;
  number: number;
  subject: string;
  sender: { email: string; name: string | null } | null;
  senderDomain: string | null;
  senderDomainIsFreeMail: boolean;
};

export type FollowUp = { scope: "domain" | "sender"; value: string; count: number };
type TicketRef = { id: string; number: number };
export type AttributeResult = {
  client: { id: string; name: string };
  attributed: TicketRef[];
  alreadyAttributed: TicketRef[];
  attributedElsewhere: (TicketRef & { clientName: string })[];
  followUp: FollowUp | null;
};

/** What happened, in the words an agent reads: what moved, what already had moved, what someone else took. */
export function describeAttribution(r: AttributeResult): string {
  const nums = (list: TicketRef[]) => list.map((t) => `#${t.number}`).join(", ");
  const parts: string[] = [];
  if (r.attributed.length === 1) parts.push(`Ticket #${r.attributed[0]!.number} is now attributed to “${r.client.name}”.`);
  else if (r.attributed.length > 1) parts.push(`${r.attributed.length} tickets are now attributed to “${r.client.name}”.`);
  if (r.alreadyAttributed.length) {
    parts.push(`${r.alreadyAttributed.length === 1 ? "Ticket" : "Tickets"} ${nums(r.alreadyAttributed)} already belonged to “${r.client.name}”.`);
  }
  for (const t of r.attributedElsewhere) {
    parts.push(`Ticket #${t.number} was left alone: someone attributed it to “${t.clientName}” meanwhile.`);
  }
  return parts.join(" ") || "Nothing to change.";
}

function Actions({ onClose, pending, label, pendingLabel, disabled }: { onClose: () => void; pending: boolean; label: string; pendingLabel: string; disabled?: boolean }) {
  return (
    <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
      <Button variant="secondary" onClick={onClose}>
        Cancel
      </Button>
      <Button type="submit" disabled={pending || disabled}>
        {pending ? pendingLabel : label}
      </Button>
    </div>
  );
}

function ticketsLabel(tickets: QueueTicket[]): string {
  return tickets.length === 1 ? `ticket #${tickets[0]!.number}` : `${tickets.length} tickets`;
}

/** Set the client of one or many tickets. */
export function SetClientDialog({
  tickets,
  onClose,
  onDone,
}: {
  tickets: QueueTicket[];
  onClose: () => void;
  onDone: (result: AttributeResult) => void;
}) {
  const trpc = useTRPC();
  const [client, setClient] = useState<PickedClient | null>(null);
  const [missing, setMissing] = useState(false);
  const setClientMutation = useMutation(trpc.unattributed.setClient.mutationOptions());
  const errors = formErrorsOf(setClientMutation.error, ["clientId"]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!client) return setMissing(true);
    const result = await setClientMutation.mutateAsync({ ticketIds: tickets.map((t) => t.id), clientId: client.id });
    onDone(result);
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={`Set the client of ${ticketsLabel(tickets)}`}
      description={
        tickets.length === 1 && tickets[0]!.sender
          ? `${tickets[0]!.sender.email} becomes a contact of the client, so their next message goes there directly.`
          : "Each sender becomes a contact of the client, so their next message goes there directly."
      }
    >
      <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4">
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        <ClientPicker
          value={client}
          onChange={(c) => {
            setClient(c);
            setMissing(false);
          }}
          error={errors.fields.clientId ?? (missing ? "Choose a client." : undefined)}
        />
        <Actions onClose={onClose} pending={setClientMutation.isPending} label="Set client" pendingLabel="Saving…" />
      </form>
    </Dialog>
  );
}

export type AddDomainResult = AttributeResult & { outcome: "ALIAS_DOMAIN" | "CONTACT"; message: string; domain: string };

/** Give the sender's domain to a client (free mail: make the sender a contact instead). */
export function AddDomainDialog({
  ticket,
  onClose,
  onDone,
}: {
  ticket: QueueTicket;
  onClose: () => void;
  onDone: (result: AddDomainResult) => void;
}) {
  const trpc = useTRPC();
  const [client, setClient] = useState<PickedClient | null>(null);
  const [missing, setMissing] = useState(false);
  const add = useMutation(trpc.unattributed.addSenderDomain.mutationOptions());
  const errors = formErrorsOf(add.error, ["clientId"]);
  const domain = ticket.senderDomain ?? "";
  const free = ticket.senderDomainIsFreeMail;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!client) return setMissing(true);
    onDone(await add.mutateAsync({ ticketId: ticket.id, clientId: client.id }));
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={free ? `Add ${ticket.sender?.email ?? "the sender"} as a contact` : `Add ${domain} to a client`}
      description={
        free
          ? undefined
          : `${domain} becomes an alias domain of the client: mail from it (and its subdomains) goes to that client from now on, and ticket #${ticket.number} is attributed.`
      }
    >
      <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4">
        {free ? (
          <Alert tone="info">
            {domain} is a free-mail provider: anyone can have an address there, so it cannot identify a client.{" "}
            <strong className="font-medium text-slate-900">{ticket.sender?.email}</strong> will become a contact of the client you
            choose instead.
          </Alert>
        ) : null}
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        <ClientPicker
          value={client}
          onChange={(c) => {
            setClient(c);
            setMissing(false);
          }}
          error={errors.fields.clientId ?? (missing ? "Choose a client." : undefined)}
        />
        <Actions
          onClose={onClose}
          pending={add.isPending}
          label={free ? "Add as contact" : "Add domain"}
          pendingLabel="Saving…"
        />
      </form>
    </Dialog>
  );
}

export type BlockResult = { message: string; closed: TicketRef[] };

/** Block the senders (or their domains) of one or many tickets; their queued tickets close. */
export function BlockDialog({
  tickets,
  onClose,
  onDone,
}: {
  tickets: QueueTicket[];
  onClose: () => void;
  onDone: (result: BlockResult) => void;
}) {
  const trpc = useTRPC();
  const block = useMutation(trpc.unattributed.block.mutationOptions());
  const senders = [...new Set(tickets.map((t) => t.sender?.email).filter((e): e is string => Boolean(e)))];
  const domains = [...new Set(tickets.map((t) => t.senderDomain).filter((d): d is string => Boolean(d)))];
  const freeDomains = [...new Set(tickets.filter((t) => t.senderDomainIsFreeMail).map((t) => t.senderDomain!))];
  const noSender = tickets.filter((t) => !t.sender);
  const [scope, setScope] = useState<"sender" | "domain">("sender");
  const errors = formErrorsOf(block.error, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    onDone(await block.mutateAsync({ ticketIds: tickets.map((t) => t.id), scope }));
  }

  const list = (values: string[]) => (values.length <= 3 ? values.join(", ") : `${values.slice(0, 3).join(", ")} and ${values.length - 3} more`);

  return (
    <Dialog
      open
      onClose={onClose}
      title={tickets.length === 1 ? "Block this sender?" : `Block the senders of ${tickets.length} tickets?`}
      description="Their next messages are dropped before they become tickets: no bounce, no reply. Their tickets still in this queue are closed."
    >
      <form onSubmit={(e) => void submit(e).catch(() => undefined)} noValidate className="space-y-4 text-sm">
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        {noSender.length ? (
          <Alert>{`Ticket ${noSender.map((t) => `#${t.number}`).join(", ")} has no sender address to block. Leave it out of the selection.`}</Alert>
        ) : null}
        <fieldset className="space-y-2">
          <legend className="mb-1.5 text-sm font-medium text-slate-700">Block</legend>
          <label className="flex cursor-pointer items-start gap-3 rounded-md p-3 ring-1 ring-slate-200 ring-inset has-[:checked]:bg-indigo-50 has-[:checked]:ring-indigo-300">
            <input type="radio" name="scope" value="sender" checked={scope === "sender"} onChange={() => setScope("sender")} className="mt-0.5 size-4" />
            <span>
              <span className="block font-medium text-slate-900">{senders.length === 1 ? "The sender" : "The senders"}</span>
              <span className="block break-all font-mono text-xs text-slate-600">{list(senders)}</span>
            </span>
          </label>
          <label
            className="flex cursor-pointer items-start gap-3 rounded-md p-3 ring-1 ring-slate-200 ring-inset has-[:checked]:bg-indigo-50 has-[:checked]:ring-indigo-300 has-[:disabled]:cursor-not-allowed has-[:disabled]:opacity-60"
          >
            <input
              type="radio"
              name="scope"
              value="domain"
              checked={scope === "domain"}
              disabled={freeDomains.length > 0}
              onChange={() => setScope("domain")}
              className="mt-0.5 size-4"
            />
            <span>
              <span className="block font-medium text-slate-900">
                {domains.length === 1 ? "The whole domain" : "The whole domains"}, subdomains too
              </span>
              <span className="block break-all font-mono text-xs text-slate-600">{list(domains)}</span>
              {freeDomains.length ? (
                <span className="mt-1 block text-xs text-slate-600">
                  {list(freeDomains)} {freeDomains.length === 1 ? "is a free-mail provider" : "are free-mail providers"}: blocking
                  it would drop mail from everyone who uses it. Block the sender instead.
                </span>
              ) : null}
            </span>
          </label>
        </fieldset>
        <div className="flex justify-end gap-2 border-t border-slate-200 pt-4">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" disabled={block.isPending || noSender.length > 0}>
            {block.isPending ? "Blocking…" : "Block"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
