/**
 * Account mail (issue 21 item 6): the invitation and password-reset links better-auth issues
 * (emailAndPassword.sendResetPassword), written as mail and queued on the product's outbound path, the database
 * queue the MTA delivers. From the tenant's gateway mailbox on INBOUND_DOMAIN, as auto-acknowledgements are when
 * the tenant has no verified sending domain: account mail must reach people before any domain is set up.
 *
 * A user who has no password yet (invited, not accepted) gets the invitation wording; everyone else gets the reset
 * wording. Both links are better-auth's own reset-password tokens: single use, valid ACCOUNT_LINK_HOURS.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db/client";
import { newRowId } from "../db/raw-sql";
import { bounceAddress, tenantMailbox } from "../mail/addresses";
import { composeOutboundMessage } from "../outbound/compose-message";
import { enqueueMessage } from "../outbound/enqueue-message";
import { CREDENTIAL_PROVIDER } from "../users/passwords";

/** How long an invitation or reset link works. */
export const ACCOUNT_LINK_HOURS = 72;
export const ACCOUNT_LINK_SECONDS = ACCOUNT_LINK_HOURS * 3600;

/** The activity reason of a queued account mail. */
export const ACCOUNT_MAIL_REASON = "account mail";

export const accountMailInput = z.object({
  userId: z.string().min(1),
  /** better-auth's link: /api/auth/reset-password/<token>?callbackURL=… */
  url: z.url(),
  secret: z.string().min(1),
  inboundDomain: z.string().min(1),
});
export type AccountMailInput = z.input<typeof accountMailInput>;

export type AccountMailKind = "INVITATION" | "PASSWORD_RESET";

/**
 * Queues the invitation or reset mail for `userId` with better-auth's link. Returns what was queued; null for a
 * disabled user (they may not sign in, so a link would only say the account exists).
 */
export async function queueAccountMail(db: Db, rawInput: AccountMailInput): Promise<{ kind: AccountMailKind; jobId: string } | null> {
  const input = accountMailInput.parse(rawInput);
  const user = await db.user.findUniqueOrThrow({
    where: { id: input.userId },
    select: {
      name: true,
      email: true,
      disabled: true,
      tenant: { select: { id: true, slug: true, name: true, defaultFromName: true } },
      accounts: { where: { providerId: CREDENTIAL_PROVIDER, password: { not: null } }, select: { id: true } },
    },
  });
  if (user.disabled) return null;
  const kind: AccountMailKind = user.accounts.length ? "PASSWORD_RESET" : "INVITATION";
  const tenantName = user.tenant.defaultFromName ?? user.tenant.name;
  const from = { address: tenantMailbox(user.tenant.slug, input.inboundDomain), name: tenantName };
  const { subject, text } = accountMailText(kind, { name: user.name, tenantName, url: input.url });
  const now = new Date();
  const messageIdHeader = `account-${randomBytes(12).toString("hex")}@${from.address.slice(from.address.indexOf("@") + 1)}`;
  const raw = await composeOutboundMessage({
    from,
    to: [{ address: user.email, name: user.name }],
    subject,
    text,
    messageId: messageIdHeader,
    // RFC 3834: automatic mail; responders should not answer it.
    extraHeaders: { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All" },
    date: now,
  });
  const messageId = newRowId();
  const envelopeFrom = bounceAddress(input.secret, { slug: user.tenant.slug, messageId }, input.inboundDomain);
  // No ticket: enqueueMessage writes the delivery job and its QUEUED activity row only.
  const queued = await db.$transaction((tx) =>
    enqueueMessage(tx, {
      tenantId: user.tenant.id,
      ticketId: null,
      kind: "ACCOUNT",
      messageId,
      messageIdHeader,
      envelopeFrom,
      from,
      to: [{ address: user.email, name: user.name }],
      subject,
      text,
      raw,
      at: now,
      reason: ACCOUNT_MAIL_REASON,
    }),
  );
  return { kind, jobId: queued.jobIds[0]! };
}

/** The words of each account mail. Plain text: the link must survive every client. */
export function accountMailText(kind: AccountMailKind, v: { name: string; tenantName: string; url: string }) {
  if (kind === "INVITATION") {
    return {
      subject: `You are invited to ${v.tenantName} on OpsMerge`,
      text: [
        `Hello ${v.name},`,
        "",
        `${v.tenantName} invited you to their OpsMerge helpdesk. Choose your password here to accept:`,
        "",
        v.url,
        "",
        `The link works once and expires in ${ACCOUNT_LINK_HOURS} hours. If it has expired, ask your administrator for a new invitation.`,
      ].join("\n"),
    };
  }
  return {
    subject: "Reset your OpsMerge password",
    text: [
      `Hello ${v.name},`,
      "",
      "Someone (hopefully you) asked to reset your OpsMerge password. Choose a new one here:",
      "",
      v.url,
      "",
      `The link works once and expires in ${ACCOUNT_LINK_HOURS} hours. Resetting signs you out everywhere.`,
      "If you did not ask for this, ignore this mail: your password stays as it is.",
    ].join("\n"),
  };
}
