"use client";
import { AlertTriangle } from "lucide-react";
import { useState, type ReactNode } from "react";
import { Card, CardHeader } from "../ui/card";
import { cn } from "../ui/cn";
import { CopyButton } from "../ui/copy-button";

type GuideId = "m365" | "google" | "forward";
const TABS: { id: GuideId; label: string }[] = [
  { id: "m365", label: "Microsoft 365" },
  { id: "google", label: "Google Workspace" },
  { id: "forward", label: "Other (.forward)" },
];

/** R-X-2: step-by-step guides to forward the MSP's support mailbox to the gateway, one tab per provider. */
export function ForwardingGuides({ mailbox }: { mailbox: string }) {
  const [tab, setTab] = useState<GuideId>("m365");
  return (
    <section aria-label="Forwarding guides" className="mb-6">
      <Card>
        <CardHeader
          title="Forward your support mailbox"
          description="Keep your support address as it is; forward a copy of everything it receives to the gateway. Pick your mail provider."
        />
        <div className="px-5 pt-4">
          <div role="tablist" aria-label="Mail provider" className="flex gap-1 border-b border-slate-200">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                id={`guide-tab-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls={`guide-${t.id}`}
                onClick={() => setTab(t.id)}
                className={cn(
                  "-mb-px border-b-2 px-3 py-2 text-sm font-medium",
                  tab === t.id ? "border-indigo-600 text-indigo-700" : "border-transparent text-slate-600 hover:text-slate-900",
                )}
              >
                {t.label}
              </button>
            ))}
          </div>
        </div>
        <div role="tabpanel" id={`guide-${tab}`} aria-labelledby={`guide-tab-${tab}`} className="px-5 py-5 text-sm text-slate-700">
          {tab === "m365" ? <Microsoft365 mailbox={mailbox} /> : tab === "google" ? <Google mailbox={mailbox} /> : <DotForward mailbox={mailbox} />}
          <Warning title="Turn off auto-replies on the forwarding mailbox">
            An out-of-office or “we received your email” rule on your support mailbox answers every client a second time,
            and can answer the gateway’s own acknowledgements, which starts a mail loop. Let the gateway acknowledge new
            tickets (below) and switch the mailbox’s own auto-replies off.
          </Warning>
        </div>
      </Card>
    </section>
  );
}

function Steps({ children }: { children: ReactNode }) {
  return <ol className="list-decimal space-y-2 pl-5 marker:font-medium marker:text-slate-400">{children}</ol>;
}

function Address({ mailbox }: { mailbox: string }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-2 align-middle">
      <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-slate-900">{mailbox}</code>
      <CopyButton value={mailbox} label="Copy" />
    </span>
  );
}

function Warning({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="mt-5 flex gap-3 rounded-lg bg-amber-50 px-4 py-3 ring-1 ring-inset ring-amber-200" role="note">
      <AlertTriangle className="mt-0.5 size-4 shrink-0 text-amber-600" aria-hidden />
      <div>
        <p className="font-medium text-amber-900">{title}</p>
        <p className="mt-1 text-amber-900/90">{children}</p>
      </div>
    </div>
  );
}

function Microsoft365({ mailbox }: { mailbox: string }) {
  return (
    <div className="space-y-4">
      <p>
        Recommended: a <strong>mail flow (transport) rule</strong> in the Exchange admin center. It copies every message
        with its original sender and keeps the client’s address as the ticket’s requester.
      </p>
      <Steps>
        <li>
          Open the Exchange admin center (<span className="font-mono">admin.exchange.microsoft.com</span>) → <em>Mail flow</em> → <em>Rules</em> → <em>Add a rule</em> → <em>Create a new rule</em>.
        </li>
        <li>
          Name it “OpsMerge gateway”. <em>Apply this rule if</em>: <em>The recipient</em> → <em>is this person</em> → your support mailbox.
        </li>
        <li>
          <em>Do the following</em>: <em>Add recipients</em> → <em>to the Bcc box</em> → <Address mailbox={mailbox} />
        </li>
        <li>Save, then enable the rule. It takes effect within a few minutes.</li>
      </Steps>
      <p>
        Without admin rights you can use an <strong>inbox rule</strong> in Outlook instead: <em>Settings</em> → <em>Mail</em> → <em>Rules</em> →{" "}
        <em>Add new rule</em>, condition <em>Apply to all messages</em>, action <strong><em>Redirect to</em></strong> the address above.
      </p>
      <Warning title="Use Redirect, not Forward">
        An inbox rule that <strong>forwards</strong> a message sends it as a new message from your support mailbox: the
        gateway then sees your own address as the sender and every ticket lands on you instead of the client. A{" "}
        <strong>Redirect</strong> (or the transport rule above) keeps the original sender. If your tenant blocks external
        forwarding, allow it for this mailbox in the outbound anti-spam policy.
      </Warning>
    </div>
  );
}

function Google({ mailbox }: { mailbox: string }) {
  return (
    <div className="space-y-4">
      <p>
        Use a <strong>routing rule</strong> in the Google Admin console. It adds the gateway as an extra recipient and
        keeps the original sender.
      </p>
      <Steps>
        <li>
          Open <span className="font-mono">admin.google.com</span> → <em>Apps</em> → <em>Google Workspace</em> → <em>Gmail</em> → <em>Routing</em>.
        </li>
        <li>
          Next to <em>Routing</em>, click <em>Configure</em> (or <em>Add another rule</em>). Name it “OpsMerge gateway”.
        </li>
        <li>
          <em>Email messages to affect</em>: <em>Inbound</em>. Add a condition so it applies only to your support address
          (<em>Envelope recipient</em> → <em>Pattern match</em> with your support address).
        </li>
        <li>
          Under <em>Also deliver to</em>, check <em>Add more recipients</em> → <em>Add</em> → <Address mailbox={mailbox} />
        </li>
        <li>Save. Changes can take up to an hour to apply.</li>
      </Steps>
      <p>
        For a single user without admin rights: Gmail <em>Settings</em> → <em>Forwarding and POP/IMAP</em> → <em>Add a forwarding address</em>.
        Gmail sends a confirmation email to the gateway; it arrives as a ticket with the confirmation link.
      </p>
    </div>
  );
}

function DotForward({ mailbox }: { mailbox: string }) {
  const line = `\\support, ${mailbox}`;
  return (
    <div className="space-y-4">
      <p>
        On a mail server that reads <span className="font-mono">~/.forward</span> (Postfix, Exim, Sendmail), the mailbox
        owner adds the gateway to their forward file. The leading <span className="font-mono">\support</span> keeps a local
        copy; leave it out to forward only.
      </p>
      <Steps>
        <li>Log in as the support mailbox’s user.</li>
        <li>
          Put this line in <span className="font-mono">~/.forward</span>:
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code className="rounded bg-slate-100 px-2 py-1 font-mono text-slate-900">{line}</code>
            <CopyButton value={line} label="Copy line" />
          </div>
        </li>
        <li>
          Make sure the file is owned by the user and not writable by others (<span className="font-mono">chmod 644 ~/.forward</span>).
        </li>
      </Steps>
      <p>
        Forwarding this way keeps the original <em>From</em> header but not the envelope sender, and SPF then fails at
        the gateway. That is expected: the gateway accepts it when the client’s DKIM signature survives (most providers
        sign) or when a trusted forwarder vouches with ARC. Prefer a routing rule at your provider when one exists.
      </p>
    </div>
  );
}
