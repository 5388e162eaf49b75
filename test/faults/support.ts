/**
 * Shared pieces of the fault tests: a batch of distinct messages for the retrying sender, the count of what the
 * database holds for them, and the one summary line each scenario prints
 * (`FAULT <scenario> [<provider>]: sent=… accepted=… stored=… duplicates=… lost=…`).
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import type { Db } from "../../server/db/client";
import type { OutgoingMessage, SenderReport } from "../support/retrying-sender";

/** `count` small, real RFC 5322 messages, each with its own Message-ID (the id the database is checked by). */
export function faultMessages(count: number, rcptTo: string, tag: string): OutgoingMessage[] {
  const run = randomBytes(4).toString("hex");
  return Array.from({ length: count }, (_, i) => {
    const id = `${tag}-${run}-${i}@load.fault.example`;
    const from = `sender${i % 17}@load.fault.example`;
    const data = Buffer.from(
      [
        `From: Sender ${i % 17} <${from}>`,
        `To: ${rcptTo}`,
        `Subject: Fault load ${tag} #${i}`,
        `Message-ID: <${id}>`,
        `Date: ${new Date().toUTCString()}`,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        `Message ${i} of the ${tag} fault run.`,
        "The quick brown fox jumps over the lazy dog.",
        "",
      ].join("\r\n"),
      "utf8",
    );
    return { id, mailFrom: from, rcptTo, data };
  });
}

export type FaultSummary = {
  sent: number;
  accepted: number;
  stored: number;
  duplicates: number;
  lost: number;
  missingAccepted: string[];
};

/** What the database holds for the batch: stored (distinct ids present), duplicates (extra rows), lost. */
export async function countStored(db: Db, messages: OutgoingMessage[], report: SenderReport): Promise<FaultSummary> {
  const ids = messages.map((m) => m.id);
  const rows: { messageIdHeader: string }[] = [];
  for (let i = 0; i < ids.length; i += 200) {
    rows.push(
      ...(await db.message.findMany({
        where: { messageIdHeader: { in: ids.slice(i, i + 200) } },
        select: { messageIdHeader: true },
      })),
    );
  }
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.messageIdHeader, (counts.get(r.messageIdHeader) ?? 0) + 1);
  const stored = counts.size;
  const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
  const missingAccepted = [...report.acceptedIds].filter((id) => !counts.has(id));
  // Lost: told 250 but not stored, or never delivered at all (the sender gave up or was refused).
  const lost = missingAccepted.length + ids.filter((id) => !report.acceptedIds.has(id) && !counts.has(id)).length;
  return { sent: messages.length, accepted: report.accepted, stored, duplicates, lost, missingAccepted };
}

export function summaryLine(scenario: string, provider: string, s: FaultSummary, report: SenderReport): string {
  return (
    `FAULT ${scenario} [${provider}]: sent=${s.sent} accepted=${s.accepted} stored=${s.stored} duplicates=${s.duplicates} lost=${s.lost}` +
    ` (attempts=${report.attempts} 4xx=${report.tempReplies} connection-errors=${report.connectionErrors}` +
    ` 5xx=${report.rejectedIds.size} ${report.elapsedMs} ms)`
  );
}

/**
 * A free port below Linux's ephemeral range (32768–60999) for a server that is killed and restarted on the same
 * port: while it is down, a client reconnecting to an ephemeral-range port can be handed that very port as its
 * own local port (TCP self-connect) or another process's outgoing connection can take it.
 */
export async function stablePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port between 20000 and 32000");
}

/**
 * Outbound counterpart of countStored: technician replies marked with a unique token in their body, what the
 * database stored for them and what the receiving MTA accepted, by Message-Id.
 * - stored: distinct tokens with an outbound message; storedTwice: extra messages for a token (a retried request
 *   stored again);
 * - deliveredTwice: extra 250s the receiver gave one Message-Id;
 * - lost: tokens the client was told (or found) were stored but that never reached the receiver, plus tokens never
 *   stored at all.
 */
export type OutboundSummary = {
  sent: number;
  accepted: number;
  stored: number;
  duplicates: number;
  lost: number;
  storedTwice: number;
  deliveredTwice: number;
  /** Token → the stored Message-Id header(s). */
  messageIds: Map<string, string[]>;
};

export const TOKEN_PATTERN = /\[fault-token ([a-z0-9-]+)\]/;

export async function countOutbound(
  db: Db,
  input: { tenantId: string; tokens: string[]; accepted: Set<string>; receivedIds: string[] },
): Promise<OutboundSummary> {
  const rows = await db.message.findMany({
    where: { tenantId: input.tenantId, direction: "OUTBOUND", kind: "REPLY" },
    select: { messageIdHeader: true, textBody: true },
  });
  const wanted = new Set(input.tokens);
  const messageIds = new Map<string, string[]>();
  for (const r of rows) {
    const token = TOKEN_PATTERN.exec(r.textBody ?? "")?.[1];
    if (!token || !wanted.has(token)) continue;
    messageIds.set(token, [...(messageIds.get(token) ?? []), r.messageIdHeader]);
  }
  const received = new Map<string, number>();
  for (const id of input.receivedIds) received.set(id, (received.get(id) ?? 0) + 1);
  const storedTwice = [...messageIds.values()].reduce((n, ids) => n + ids.length - 1, 0);
  const allIds = [...messageIds.values()].flat();
  const deliveredTwice = allIds.reduce((n, id) => n + Math.max((received.get(id) ?? 0) - 1, 0), 0);
  const lost = input.tokens.filter((t) => !(messageIds.get(t) ?? []).some((id) => received.has(id))).length;
  return {
    sent: input.tokens.length,
    accepted: input.accepted.size,
    stored: messageIds.size,
    duplicates: storedTwice + deliveredTwice,
    lost,
    storedTwice,
    deliveredTwice,
    messageIds,
  };
}

export function outboundSummaryLine(scenario: string, provider: string, s: OutboundSummary, extra: string): string {
  return (
    `FAULT ${scenario} [${provider}]: sent=${s.sent} accepted=${s.accepted} stored=${s.stored} duplicates=${s.duplicates} lost=${s.lost}` +
    ` (stored-twice=${s.storedTwice} delivered-twice=${s.deliveredTwice} ${extra})`
  );
}
