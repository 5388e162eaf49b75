"use client";
import { useMutation } from "@tanstack/react-query";
import { ShieldAlert } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { formErrorsOf } from "../ui/form-errors";
import { useTRPC } from "../trpc/client";

/** R-SPAM-2: "Mark as spam" on a ticket: its message moves to the Spam queue, the ticket goes, rspamd learns it. */
export function MarkAsSpamButton({ ticket }: { ticket: { id: string; number: number } }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const mark = useMutation(trpc.spamQueue.markTicket.mutationOptions());
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        <ShieldAlert className="size-4" aria-hidden />
        Mark as spam
      </Button>
      <ConfirmDialog
        open={open}
        title={`Mark ticket #${ticket.number} as spam?`}
        confirmLabel="Mark as spam"
        pending={mark.isPending}
        error={formErrorsOf(mark.error, []).form}
        onClose={() => setOpen(false)}
        onConfirm={() =>
          void mark
            .mutateAsync({ ticketId: ticket.id })
            .then(() => router.push("/tickets"))
            .catch(() => undefined)
        }
      >
        The ticket is removed and its message moves to the Spam queue, where it can be released again. The spam filter learns from
        it.
      </ConfirmDialog>
    </>
  );
}
