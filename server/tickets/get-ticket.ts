import type { Db } from "../db/client";
import { AppError } from "../errors";
import { replyAddress } from "../mail/addresses";
import { isOwnAddress, loadOwnAddresses } from "../tenants/own-addresses";
import { inlineHtmlDocument } from "./message-files";
import { ticketEventKind, type TicketEventKind } from "./record-ticket-event";
import { parseMailboxes, parseTicketStatus, type Mailbox, type TicketStatus } from "./ticket-fields";

export type AuthCheck = { result: string; reason: string | null };
export type MessageAuth = { spf: AuthCheck; dkim: AuthCheck; dmarc: AuthCheck; arc: AuthCheck } | null;

export type ThreadAttachment = { id: string; filename: string; contentType: string; size: number; inline: boolean };

export type ThreadMessage = {
  id: string;
  direction: "INBOUND" | "OUTBOUND";
  kind: string;
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  subject: string;
  sentAt: Date;
  /** The new text of the message (quoted history and signature removed). */
  newText: string;
  /** The whole text part, when it has more than the new text: shown one click away. */
  fullText: string | null;
  hasHtml: boolean;
  /** The message had only HTML (its text is a conversion): the ticket opens it Formatted (B2). */
  opensFormatted: boolean;
  /** The stored HTML names remote images (blocked until the reader asks for them). */
  hasRemoteContent: boolean;
  /**
   * Our own outbound HTML (rendered from the composer's Markdown) as a document for an inline, self-sizing frame;
   * null for inbound mail, which is shown only through the sandboxed viewer route.
   */
  htmlDocument: string | null;
  auth: MessageAuth;
  deliveryState: string | null;
  deliveryDetail: string | null;
  author: { id: string; name: string } | null;
  attachments: ThreadAttachment[];
};

/** An internal note (R-UX-3): shown in the thread, never sent. */
export type ThreadNote = { id: string; body: string; createdAt: Date; author: { id: string; name: string } | null };

/** One change in the ticket's audit trail (R-UX-3), shown as a line in the thread. */
export type ThreadEvent = {
  id: string;
  kind: TicketEventKind;
  from: string | null;
  to: string | null;
  createdAt: Date;
  actor: { id: string; name: string } | null;
};

export type Participant = {
  address: string;
  name: string | null;
  role: "requester" | "cc";
  contact: { id: string; clientId: string | null; clientName: string | null } | null;
};

export type TicketDetail = {
  id: string;
  number: number;
  subject: string;
  status: TicketStatus;
  client: { id: string; name: string } | null;
  requester: {
    id: string;
    email: string;
    name: string | null;
    emailFailing: boolean;
    lastBounceReason: string | null;
  } | null;
  assignee: { id: string; name: string } | null;
  mergedInto: { id: string; number: number; subject: string } | null;
  mergedFrom: { id: string; number: number; subject: string }[];
  replyAddress: string;
  createdAt: Date;
  lastActivityAt: Date;
  messages: ThreadMessage[];
  /** Internal notes, oldest first; the screen interleaves them with messages and events by time. */
  notes: ThreadNote[];
  /** The audit trail, oldest first. */
  events: ThreadEvent[];
  participants: Participant[];
  /** The composer's defaults (R-TKT-2): the requester, and the thread's other people. */
  replyDefaults: { to: Mailbox[]; cc: Mailbox[] };
};

type AuthDetails = {
  spf?: { comment?: string | null; domain?: string | null };
  dkim?: { domain?: string | null; selector?: string | null; result?: string; comment?: string | null }[];
  dmarc?: { comment?: string | null; domain?: string | null; policy?: string | null };
  arc?: { comment?: string | null; vouchedBy?: string | null };
};

/** The verdicts with the reasons shown on hover, from the stored mailauth result. */
function messageAuth(m: {
  spf: string | null;
  dkim: string | null;
  dmarc: string | null;
  arc: string | null;
  authJson: string | null;
}): MessageAuth {
  if (!m.spf && !m.dkim && !m.dmarc && !m.arc) return null;
  let details: AuthDetails = {};
  try {
    const parsed = m.authJson ? (JSON.parse(m.authJson) as { details?: unknown }) : null;
    if (parsed && typeof parsed.details === "object" && parsed.details) details = parsed.details;
  } catch {
    // the verdict columns still say what happened
  }
  const dkimReason = Array.isArray(details.dkim)
    ? details.dkim
        .map((d) =>
          [d.domain ? `d=${d.domain}` : null, d.selector ? `s=${d.selector}` : null, d.result, d.comment]
            .filter(Boolean)
            .join(" "),
        )
        .filter(Boolean)
        .join("; ") || null
    : null;
  const with_ = (parts: (string | null | undefined)[]) => parts.filter(Boolean).join(" · ") || null;
  return {
    spf: {
      result: m.spf ?? "none",
      reason: with_([details.spf?.domain ? `domain ${details.spf.domain}` : null, details.spf?.comment]),
    },
    dkim: { result: m.dkim ?? "none", reason: dkimReason },
    dmarc: {
      result: m.dmarc ?? "none",
      reason: with_([
        details.dmarc?.domain ? `domain ${details.dmarc.domain}` : null,
        details.dmarc?.policy ? `policy ${details.dmarc.policy}` : null,
        details.dmarc?.comment,
      ]),
    },
    arc: {
      result: m.arc ?? "none",
      reason: with_([details.arc?.vouchedBy ? `vouched by ${details.arc.vouchedBy}` : null, details.arc?.comment]),
    },
  };
}

/** One ticket with its whole thread (date order), people and reply address, in the caller's tenant. */
export async function getTicket(
  db: Db,
  params: { tenantId: string; ticketId: string; secret: string; inboundDomain: string },
): Promise<TicketDetail> {
  const { tenantId, ticketId } = params;
  const ticket = await db.ticket.findFirst({
    where: { id: ticketId, tenantId },
    select: {
      id: true,
      number: true,
      subject: true,
      status: true,
      createdAt: true,
      lastActivityAt: true,
      clientId: true,
      tenant: { select: { slug: true } },
      client: { select: { id: true, name: true } },
      requester: { select: { id: true, email: true, name: true, emailFailing: true, lastBounceReason: true } },
      assignee: { select: { id: true, name: true } },
      mergedInto: { select: { id: true, number: true, subject: true } },
      mergedFrom: { select: { id: true, number: true, subject: true }, orderBy: { number: "asc" } },
      notes: {
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: { id: true, body: true, createdAt: true, author: { select: { id: true, name: true } } },
      },
      events: {
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: {
          id: true,
          kind: true,
          fromValue: true,
          toValue: true,
          createdAt: true,
          actor: { select: { id: true, name: true } },
        },
      },
      messages: {
        orderBy: [{ sentAt: "asc" }, { createdAt: "asc" }],
        select: {
          id: true,
          direction: true,
          kind: true,
          fromAddress: true,
          fromName: true,
          toJson: true,
          ccJson: true,
          subject: true,
          sentAt: true,
          textBody: true,
          newText: true,
          htmlBody: true,
          textFromHtml: true,
          spf: true,
          dkim: true,
          dmarc: true,
          arc: true,
          authJson: true,
          deliveryState: true,
          deliveryDetail: true,
          author: { select: { id: true, name: true } },
          attachments: {
            orderBy: { createdAt: "asc" },
            select: { id: true, filename: true, contentType: true, size: true, inline: true, contentId: true },
          },
        },
      },
    },
  });
  if (!ticket) throw new AppError("NOT_FOUND", "Ticket not found.");

  const messages: ThreadMessage[] = ticket.messages.map((m) => {
    const full = (m.textBody ?? "").trim();
    const fresh = (m.newText ?? "").trim() || full;
    const html = m.htmlBody ?? "";
    // An inline image that the HTML shows is part of the message, not an attachment to list.
    const shown = (a: { inline: boolean; contentId: string | null }) =>
      a.inline && a.contentId !== null && html.includes(`cid:${a.contentId}`);
    return {
      id: m.id,
      direction: m.direction === "OUTBOUND" ? "OUTBOUND" : "INBOUND",
      kind: m.kind,
      from: { address: m.fromAddress, name: m.fromName },
      to: parseMailboxes(m.toJson),
      cc: parseMailboxes(m.ccJson),
      subject: m.subject,
      sentAt: m.sentAt,
      newText: fresh,
      fullText: full && full !== fresh ? full : null,
      hasHtml: html.trim().length > 0,
      opensFormatted: html.trim().length > 0 && (m.textFromHtml || m.direction === "OUTBOUND"),
      hasRemoteContent: html.includes("data-remote-src="),
      htmlDocument: m.direction === "OUTBOUND" && html.trim() ? inlineHtmlDocument(html) : null,
      auth: m.direction === "INBOUND" ? messageAuth(m) : null,
      deliveryState: m.deliveryState,
      deliveryDetail: m.deliveryDetail,
      author: m.author,
      attachments: m.attachments
        .filter((a) => !shown(a))
        .map((a) => ({ id: a.id, filename: a.filename, contentType: a.contentType, size: a.size, inline: a.inline })),
    };
  });

  const own = await loadOwnAddresses(db, tenantId, params.inboundDomain);
  const people = new Map<string, Mailbox>();
  const add = (m: Mailbox) => {
    const key = m.address.trim().toLowerCase();
    if (!key.includes("@") || isOwnAddress(own, key)) return;
    const seen = people.get(key);
    if (!seen || (!seen.name && m.name)) people.set(key, { address: key, name: m.name });
  };
  if (ticket.requester) add({ address: ticket.requester.email, name: ticket.requester.name });
  for (const m of messages) {
    if (m.direction === "INBOUND") add(m.from);
    m.to.forEach(add);
    m.cc.forEach(add);
  }
  const contacts = await db.contact.findMany({
    where: { tenantId, email: { in: [...people.keys()] } },
    select: { id: true, email: true, clientId: true, client: { select: { name: true } } },
  });
  const contactBy = new Map(contacts.map((c) => [c.email, c]));
  const requesterEmail = ticket.requester?.email.toLowerCase() ?? null;
  const participants: Participant[] = [...people.values()].map((p) => {
    const c = contactBy.get(p.address);
    return {
      address: p.address,
      name: p.name,
      role: p.address === requesterEmail ? "requester" : "cc",
      contact: c ? { id: c.id, clientId: c.clientId, clientName: c.client?.name ?? null } : null,
    };
  });
  participants.sort((a, b) => (a.role === b.role ? 0 : a.role === "requester" ? -1 : 1));

  const requesterBox: Mailbox | null = ticket.requester
    ? { address: ticket.requester.email, name: ticket.requester.name }
    : (messages.find((m) => m.direction === "INBOUND")?.from ?? null);
  const to = requesterBox && !isOwnAddress(own, requesterBox.address) ? [requesterBox] : [];
  const toKey = to[0]?.address.toLowerCase();
  const cc = participants.filter((p) => p.address !== toKey).map((p) => ({ address: p.address, name: p.name }));

  return {
    id: ticket.id,
    number: ticket.number,
    subject: ticket.subject,
    status: parseTicketStatus(ticket.status),
    client: ticket.client,
    requester: ticket.requester,
    assignee: ticket.assignee,
    mergedInto: ticket.mergedInto,
    mergedFrom: ticket.mergedFrom,
    replyAddress: replyAddress(params.secret, { slug: ticket.tenant.slug, ticketId: ticket.id }, params.inboundDomain),
    createdAt: ticket.createdAt,
    lastActivityAt: ticket.lastActivityAt,
    messages,
    notes: ticket.notes,
    events: ticket.events.flatMap((e) => {
      const kind = ticketEventKind.safeParse(e.kind);
      return kind.success
        ? [{ id: e.id, kind: kind.data, from: e.fromValue, to: e.toValue, createdAt: e.createdAt, actor: e.actor }]
        : [];
    }),
    participants,
    replyDefaults: { to, cc },
  };
}
