import { CopyButton } from "../ui/copy-button";

/** The tenant's inbound mailbox (R-TEN-2), with a copy button: the address the MSP forwards its support mail to. */
export function MailboxAddress({ address }: { address: string }) {
  return (
    <div className="mb-6 rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
      <p className="text-sm font-medium text-slate-900">Your inbound mailbox</p>
      <p className="mt-1 text-sm text-slate-600">Forward your support mailbox to this address. Mail sent to it becomes tickets.</p>
      <div className="mt-3 flex flex-wrap items-center gap-3">
        <code className="rounded-md bg-slate-100 px-3 py-1.5 font-mono text-sm text-slate-900" data-testid="inbound-mailbox">
          {address}
        </code>
        <CopyButton value={address} label="Copy address" />
      </div>
    </div>
  );
}
