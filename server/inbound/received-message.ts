/**
 * What every step of ingestion shares about one received message: the input the MTA hands over, what parsing
 * and authentication made of it, the settings it is ingested with, and the outcome each recipient group gets.
 */
import { z } from "zod";
import type { ActivityOutcome, ActivityRow } from "../activity/record-activity";
import type { Resolver } from "../dns/resolver";
import type { AuthenticationResult } from "../mail/authenticate";
import type { ParsedMessage } from "../mail/parse-message";
import type { RecipientTarget } from "./recipients";

export type IngestDeps = {
  secret: string;
  inboundDomain: string;
  /** DNS for SPF/DKIM/DMARC/ARC (DNS_SERVERS). */
  resolver: Resolver;
  trustedArcSealers: string[];
  /**
   * The gateway's own DKIM key for `inboundDomain` (server/sending-domains/gateway-dkim.ts): acknowledgements from
   * a tenant that has no verified sending domain yet go out from its gateway address signed with it (R-UX-1).
   */
  gatewayDkim?: { domain: string; selector: string; privateKeyPem: string };
  now?: () => Date;
};

export const ingestInboundInput = z.object({
  /** The message exactly as received (after SMTP dot-unstuffing). */
  raw: z.instanceof(Buffer),
  remoteIp: z.string().max(64),
  helo: z.string().max(512).nullable(),
  /** MAIL FROM without angle brackets; "" is the null sender. */
  mailFrom: z.string().max(1024),
  /** The RCPT TO addresses the MTA accepted. */
  recipients: z.array(z.string().max(1024)).min(1).max(1000),
  /** End of DATA: processing time in the activity log is measured from here. */
  receivedAt: z.date(),
});
export type IngestInboundInput = z.infer<typeof ingestInboundInput>;

/** One received message, parsed and authenticated once, as every recipient group's step sees it. */
export type ReceivedMessage = {
  input: IngestInboundInput;
  parsed: ParsedMessage;
  auth: AuthenticationResult;
  deps: IngestDeps;
};

export type InboundOutcome = {
  tenantId: string;
  recipients: string[];
  outcome: ActivityOutcome;
  reason: string;
  ticketId?: string;
  ticketNumber?: number;
  messageId?: string;
  createdTicket?: boolean;
  autoAckMessageId?: string;
};

/** The ingestion clock (deps.now in tests and benches). */
export function ingestNow(m: ReceivedMessage): Date {
  return m.deps.now?.() ?? new Date();
}

/** Milliseconds since end of DATA: the activity row's processing time. */
export function elapsedMs(m: ReceivedMessage): number {
  return ingestNow(m).getTime() - m.input.receivedAt.getTime();
}

/** The activity fields every inbound row of this message shares. */
export function inboundActivity(m: ReceivedMessage, tenantId: string, targets: RecipientTarget[]): Omit<ActivityRow, "outcome"> {
  const { parsed, input, auth } = m;
  return {
    tenantId,
    direction: "INBOUND",
    envelopeFrom: input.mailFrom || "<>",
    envelopeTo: targets.map((t) => t.address).join(", "),
    fromAddress: parsed.from?.address ?? null,
    toAddress: [...parsed.to, ...parsed.cc].map((a) => a.address).join(", ") || null,
    subject: parsed.subject,
    messageIdHeader: parsed.messageId,
    spf: auth.spf,
    dkim: auth.dkim,
    dmarc: auth.dmarc,
    arc: auth.arc,
    remoteIp: input.remoteIp,
    headers: parsed.headers,
  };
}
