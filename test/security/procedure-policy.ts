/**
 * The declared access policy of every tRPC procedure (R-TEN-1, R-TEN-4), checked by
 * test/security/procedures.test.ts against appRouter: a procedure without an entry here fails that test, so
 * every new router declares who may call it and how to aim it at another tenant's data.
 *
 * One entry per procedure path:
 *   roles    who may call it (SPEC R-TEN-4: ADMIN everything; TECHNICIAN tickets + own profile; SUPPORT tickets +
 *            the Unattributed queue). Anonymous callers are always refused.
 *   input    a valid input for the caller's own tenant (omit for procedures without input). Called once per
 *            allowed role, so mutations must build a fresh target each time (use `w.unique()` / `w.make*`).
 *   foreign  an input that names the OTHER tenant's rows (omit only for procedures that take no ids: they are
 *            scoped by the session's tenant, and their results are checked for the other tenant's data). A
 *            procedure without one reports its foreign-id cases as skipped (not applicable), never as passed.
 *   foreignName  required for every procedure whose input takes an address, a domain or a value that can be one
 *            (checked against the procedure's input schema): an input naming the OTHER tenant's address or domain
 *            (its verified sending domain, its client domain, …). `refused: "BAD_REQUEST"` when the procedure
 *            must refuse it (a From address on another tenant's verified domain); otherwise the call may succeed
 *            but only for the caller's tenant: the other tenant is unchanged and nothing of it is returned.
 *
 * Adding a router: one line per procedure, e.g.
 *   "tickets.get": { roles: ALL, input: (w) => ({ id: w.own.ticketId }), foreign: (w) => ({ id: w.other.ticketId }) },
 * and, when it needs rows the world below does not have yet, create them in the factory through domain code
 * (`async (w) => ({ id: (await createTicket(w.db, w.other.tenantId, …)).id })`).
 */
import type { Db } from "../../server/db/client";
import type { Role } from "../../server/users/roles";
import { readFileSync } from "node:fs";
import path from "node:path";
import { recordActivity } from "../../server/activity/record-activity";
import { addBlocklistEntry } from "../../server/blocklist/manage-blocklist";
import { createAlertRule } from "../../server/alert-rules/manage-alert-rules";
import { saveCannedResponse } from "../../server/canned-responses/save-canned-response";
import { addContact } from "../../server/clients/add-contact";
import { createClient } from "../../server/clients/create-client";
import { uploadDmarcReport } from "../../server/dmarc/dmarc-overview";
import { loadEnv } from "../../server/env";
import { addSendingDomain } from "../../server/sending-domains";
import { createUser } from "../../server/users/create-user";

export const ALL: Role[] = ["ADMIN", "TECHNICIAN", "SUPPORT"];
export const ADMIN_ONLY: Role[] = ["ADMIN"];
/** The Unattributed queue's roles. */
export const QUEUE: Role[] = ["ADMIN", "SUPPORT"];

export type TenantFixture = {
  tenantId: string;
  slug: string;
  users: Record<Role, { id: string; email: string }>;
  clientId: string;
  clientDomain: string;
  contactId: string;
  blocklistEntryId: string;
  /** An open ticket of the client, requested by the contact, with one inbound message. */
  ticketId: string;
  /** An open ticket without a client (the Unattributed queue), from `sender@<unattributedDomain>`. */
  unattributedTicketId: string;
  unattributedDomain: string;
  /** A sending domain, marked verified (so From addresses on it are accepted). */
  sendingDomainId: string;
  sendingDomain: string;
  activityId: string;
  dmarcReportId: string;
  dmarcDomain: string;
  cannedResponseId: string;
};

/** A real aggregate report from the corpus (uploaded through the same code as the screen's upload). */
const DMARC_XML = readFileSync(path.resolve(import.meta.dirname, "../fixtures/dmarc/stalwart-mail-auth/001.xml"));
/** The routers seal and open DKIM keys with the app's secret, so the fixture's domains use the same one. */
const secret = () => loadEnv().APP_SECRET;

export type World = {
  db: Db;
  /** The caller's tenant. */
  own: TenantFixture;
  /** The tenant the caller must never reach. */
  other: TenantFixture;
  /** The user the current call runs as (own tenant). */
  caller: { id: string; role: Role };
  /** Current password of every user (profile.changePassword updates it). */
  passwords: Map<string, string>;
  unique(): string;
  makeClient(tenant: TenantFixture): Promise<string>;
  makeContact(tenant: TenantFixture): Promise<string>;
  makeBlocklistEntry(tenant: TenantFixture): Promise<string>;
  makeUser(tenant: TenantFixture, role?: Role): Promise<string>;
  makeTicket(tenant: TenantFixture, opts?: { unattributed?: boolean; cc?: string[] }): Promise<string>;
  makeSendingDomain(tenant: TenantFixture): Promise<string>;
};

export type Policy = {
  roles: Role[];
  input?: (w: World) => unknown;
  foreign?: (w: World) => unknown;
  foreignName?: { input: (w: World) => unknown; refused?: "BAD_REQUEST" };
};

/** A Spam queue item of the tenant's (R-SPAM-2), for the procedures that take one. */
const spamItem = async (w: World, tenant: TenantFixture) =>
  (
    await w.db.quarantinedMessage.create({
      data: {
        tenantId: tenant.tenantId,
        kind: "SPAM",
        scanJson: JSON.stringify({ status: "spam", score: 15, threshold: 6 }),
        reason: "spam 15/6 GTUBE",
        envelopeFrom: `offers-${w.unique()}@${tenant.slug}-spammer.example`,
        recipients: `support@${tenant.slug}.in.localhost`,
        fromAddress: null,
        subject: "You won",
        remoteIp: "192.0.2.1",
        raw: new Uint8Array(Buffer.from("Subject: You won\r\n\r\nHello\r\n")),
        dedupeKey: `policy-${w.unique()}`,
      },
    })
  ).id;

/** An alert rule of the tenant's, for the procedures that take one. */
const alertRule = async (w: World, tenant: TenantFixture) =>
  (
    await createAlertRule(w.db, {
      tenantId: tenant.tenantId,
      userId: tenant.users.ADMIN.id,
      rule: { name: `Rule ${w.unique()}`, subject: "disk full", action: "APPEND" },
    })
  ).id;

const newPassword = (w: World) => `rotated password ${w.unique()}`;

export const procedurePolicies: Record<string, Policy> = {
  // Clients: everyone reads them (tickets show and pick clients); only admins change them.
  "clients.list": { roles: ALL, input: () => ({}) },
  "clients.get": { roles: ALL, input: (w) => ({ id: w.own.clientId }), foreign: (w) => ({ id: w.other.clientId }) },
  "clients.create": {
    roles: ADMIN_ONLY,
    input: (w) => ({ name: `C ${w.unique()}`, primaryDomain: `${w.unique()}.example` }),
    // Another MSP may serve the same client domain: allowed, and the other tenant's client stays as it was.
    foreignName: { input: (w) => ({ name: `C ${w.unique()}`, primaryDomain: w.other.clientDomain }) },
  },
  "clients.update": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ clientId: await w.makeClient(w.own), name: `Renamed ${w.unique()}` }),
    foreign: (w) => ({ clientId: w.other.clientId, name: "Hijacked" }),
    foreignName: {
      input: async (w) => ({ clientId: await w.makeClient(w.own), aliasDomains: [w.other.clientDomain] }),
    },
  },
  "clients.delete": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await w.makeClient(w.own) }),
    foreign: (w) => ({ id: w.other.clientId }),
  },
  "clients.addContact": {
    roles: ADMIN_ONLY,
    input: (w) => ({ clientId: w.own.clientId, email: `new.${w.unique()}@${w.own.clientDomain}` }),
    foreign: (w) => ({ clientId: w.other.clientId, email: `mole.${w.unique()}@${w.other.clientDomain}` }),
    // The other tenant's contact's address on the caller's own client: never attaches the other's contact.
    foreignName: { input: (w) => ({ clientId: w.own.clientId, email: `boss@${w.other.clientDomain}` }) },
  },
  "clients.updateContact": {
    roles: ADMIN_ONLY,
    input: async (w) => ({
      contactId: await w.makeContact(w.own),
      email: `changed.${w.unique()}@${w.own.clientDomain}`,
    }),
    foreign: (w) => ({ contactId: w.other.contactId, email: `hijacked@${w.other.clientDomain}` }),
    foreignName: {
      input: async (w) => ({ contactId: await w.makeContact(w.own), email: `boss@${w.other.clientDomain}` }),
    },
  },
  "clients.removeContact": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await w.makeContact(w.own) }),
    foreign: (w) => ({ id: w.other.contactId }),
  },

  // Users: admins only.
  "users.list": { roles: ADMIN_ONLY },
  "users.create": {
    roles: ADMIN_ONLY,
    input: (w) => ({
      name: "New",
      email: `u.${w.unique()}@${w.own.slug}.test`,
      role: "SUPPORT",
      password: "a new user password",
    }),
    // The other tenant's user's address: refused or not, that user and its credentials are untouched.
    foreignName: {
      input: (w) => ({
        name: "Mole",
        email: w.other.users.ADMIN.email,
        role: "ADMIN",
        password: "a new user password",
      }),
    },
  },
  "users.invite": {
    roles: ADMIN_ONLY,
    input: (w) => ({ name: "Invited", email: `i.${w.unique()}@${w.own.slug}.test`, role: "TECHNICIAN" }),
    // The other tenant's user's address: refused or not, that user and its credentials are untouched.
    foreignName: { input: (w) => ({ name: "Mole", email: w.other.users.ADMIN.email, role: "ADMIN" }) },
  },
  "users.twoFactorPolicy": { roles: ADMIN_ONLY },
  // false: turning it on would lock every later caller of the shared world out until they set up TOTP.
  "users.setTwoFactorPolicy": { roles: ADMIN_ONLY, input: () => ({ required: false }) },
  "users.update": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ userId: await w.makeUser(w.own), name: `Renamed ${w.unique()}` }),
    foreign: (w) => ({ userId: w.other.users.ADMIN.id, disabled: true }),
  },
  "users.resetPassword": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ userId: await w.makeUser(w.own), password: "a reset password 1" }),
    foreign: (w) => ({ userId: w.other.users.ADMIN.id, password: "attacker password 1" }),
  },

  // The signed-in user's own profile: every role (ids come from the session, never from input).
  "profile.me": { roles: ALL },
  "profile.update": { roles: ALL, input: (w) => ({ name: `Me ${w.unique()}` }) },
  "profile.changePassword": {
    roles: ALL,
    input: (w) => {
      const current = w.passwords.get(w.caller.id)!;
      const next = newPassword(w);
      w.passwords.set(w.caller.id, next);
      return { currentPassword: current, newPassword: next };
    },
  },

  // Email-gateway settings: admins only.
  "autoAck.get": { roles: ADMIN_ONLY },
  "autoAck.update": {
    roles: ADMIN_ONLY,
    input: (w) => ({ enabled: true, subject: `Received ${w.unique()}`, template: "We got it.", perSenderHour: 3 }),
  },
  "blocklist.list": { roles: ADMIN_ONLY, input: () => ({ includeRemoved: true }) },
  "blocklist.add": {
    roles: ADMIN_ONLY,
    input: (w) => ({ value: `spam.${w.unique()}.example` }),
    foreignName: { input: (w) => ({ value: w.other.unattributedDomain }) },
  },
  "blocklist.remove": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await w.makeBlocklistEntry(w.own) }),
    foreign: (w) => ({ id: w.other.blocklistEntryId }),
  },
  "blocklist.history": { roles: ADMIN_ONLY },
  "alertRules.list": { roles: ADMIN_ONLY },
  "alertRules.create": {
    roles: ADMIN_ONLY,
    input: (w) => ({ rule: { name: `R ${w.unique()}`, sender: w.own.clientDomain, action: "OPEN", clientId: w.own.clientId } }),
    foreign: (w) => ({ rule: { name: "Mole", subject: "x", action: "OPEN", clientId: w.other.clientId } }),
  },
  "alertRules.update": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await alertRule(w, w.own), rule: { name: "Renamed", subject: "disk", action: "DROP" } }),
    foreign: async (w) => ({ id: await alertRule(w, w.other), rule: { name: "Hijacked", subject: "x", action: "DROP" } }),
  },
  "alertRules.setEnabled": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await alertRule(w, w.own), enabled: false }),
    foreign: async (w) => ({ id: await alertRule(w, w.other), enabled: false }),
  },
  "alertRules.move": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await alertRule(w, w.own), direction: "up" }),
    foreign: async (w) => ({ id: await alertRule(w, w.other), direction: "up" }),
  },
  "alertRules.reorder": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ ids: [...(await w.db.alertRule.findMany({ where: { tenantId: w.own.tenantId }, orderBy: { position: "desc" }, select: { id: true } }))].map((r) => r.id) }),
    foreign: async (w) => ({ ids: [await alertRule(w, w.other)] }),
  },
  "alertRules.delete": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await alertRule(w, w.own) }),
    foreign: async (w) => ({ id: await alertRule(w, w.other) }),
  },
  "alertRules.foldSettings": { roles: ADMIN_ONLY },
  "alertRules.setFoldSettings": { roles: ADMIN_ONLY, input: () => ({ foldWindowHours: 24, newTicketsPerSenderHour: 30 }) },
  "alertRules.try": {
    roles: ADMIN_ONLY,
    input: (w) => ({ raw: `From: a@${w.own.clientDomain}\r\nSubject: Disk full\r\n\r\nbody` }),
    foreign: (w) => ({ activityId: w.other.activityId }),
  },
  "blocklist.impact": {
    roles: ADMIN_ONLY,
    input: () => ({ value: "gmail.com" }),
    // What blocking the other tenant's client domain would drop: nothing of that tenant is named.
    foreignName: { input: (w) => ({ value: w.other.clientDomain }) },
  },

  // Client → Settings → Email: everyone may read the override (ticket replies use it); admins change it.
  "clients.sendingOverride": {
    roles: ALL,
    input: (w) => ({ id: w.own.clientId }),
    foreign: (w) => ({ id: w.other.clientId }),
  },
  "clients.setSendingOverride": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ clientId: await w.makeClient(w.own), sendingDomainId: w.own.sendingDomainId }),
    foreign: (w) => ({ clientId: w.other.clientId, sendingDomainId: w.other.sendingDomainId }),
    // The caller's own client on the other tenant's verified domain.
    foreignName: {
      input: async (w) => ({ clientId: await w.makeClient(w.own), sendingDomainId: w.other.sendingDomainId }),
      refused: "BAD_REQUEST",
    },
  },
  "profile.sendAs": { roles: ALL },
  "profile.setSendAs": {
    roles: ALL,
    input: (w) => ({ address: `me.${w.unique()}@${w.own.sendingDomain}`, name: "Me" }),
    // Send as an address on the other tenant's verified sending domain.
    foreignName: {
      input: (w) => ({ address: `me.${w.unique()}@${w.other.sendingDomain}`, name: "Me" }),
      refused: "BAD_REQUEST",
    },
  },

  // Tickets: every role (R-TEN-4), always the caller's tenant.
  "tickets.list": { roles: ALL, input: () => ({ status: "OPEN" }) },
  "tickets.filterOptions": { roles: ALL },
  "tickets.assignees": { roles: ALL },
  "tickets.get": { roles: ALL, input: (w) => ({ id: w.own.ticketId }), foreign: (w) => ({ id: w.other.ticketId }) },
  "tickets.replyFrom": { roles: ALL, input: (w) => ({ ticketId: w.own.ticketId }), foreign: (w) => ({ ticketId: w.other.ticketId }) },
  "tickets.setStatus": {
    roles: ALL,
    input: async (w) => ({ ticketId: await w.makeTicket(w.own), status: "CLOSED" }),
    foreign: (w) => ({ ticketId: w.other.ticketId, status: "CLOSED" }),
  },
  "tickets.assign": {
    roles: ALL,
    input: async (w) => ({ ticketId: await w.makeTicket(w.own), assigneeId: w.caller.id }),
    foreign: (w) => ({ ticketId: w.other.ticketId, assigneeId: w.caller.id }),
  },
  "tickets.mergeTargets": {
    roles: ALL,
    input: (w) => ({ ticketId: w.own.ticketId, query: "" }),
    foreign: (w) => ({ ticketId: w.other.ticketId, query: "" }),
  },
  "tickets.merge": {
    roles: ALL,
    input: async (w) => ({ sourceId: await w.makeTicket(w.own), targetId: await w.makeTicket(w.own) }),
    // The other tenant's ticket as the one that goes away. (Naming it as the survivor is refused too, as a
    // field error on the target, "That ticket does not exist.", with nothing changed.)
    foreign: async (w) => ({ sourceId: w.other.ticketId, targetId: await w.makeTicket(w.own) }),
  },
  "tickets.addParticipantContact": {
    roles: ALL,
    input: async (w) => {
      const email = `cc.${w.unique()}@${w.own.clientDomain}`;
      return { ticketId: await w.makeTicket(w.own, { cc: [email] }), email };
    },
    foreign: (w) => ({ ticketId: w.other.ticketId, email: `cc@${w.other.clientDomain}` }),
    foreignName: {
      input: async (w) => {
        const email = `boss@${w.other.clientDomain}`;
        return { ticketId: await w.makeTicket(w.own, { cc: [email] }), email };
      },
    },
  },
  "tickets.reply": {
    roles: ALL,
    input: async (w) => ({
      ticketId: await w.makeTicket(w.own),
      to: [{ address: `boss@${w.own.clientDomain}` }],
      body: "On it.",
      idempotencyKey: `policy-${w.unique()}-0123456789abcdef`,
    }),
    foreign: (w) => ({
      ticketId: w.other.ticketId,
      to: [{ address: `boss@${w.other.clientDomain}` }],
      body: "Hijacked.",
      idempotencyKey: `policy-${w.unique()}-0123456789abcdef`,
    }),
    // The caller's own ticket, to the other tenant's contact: sent (any address may be written to) but the other
    // tenant's rows are untouched.
    foreignName: {
      input: async (w) => ({
        ticketId: await w.makeTicket(w.own),
        to: [{ address: `boss@${w.other.clientDomain}` }],
        cc: [{ address: w.other.users.ADMIN.email }],
        body: "On it.",
        idempotencyKey: `policy-${w.unique()}-0123456789abcdef`,
      }),
    },
  },
  "tickets.setClient": {
    roles: ALL,
    input: async (w) => ({ ticketId: await w.makeTicket(w.own, { unattributed: true }), clientId: w.own.clientId }),
    foreign: (w) => ({ ticketId: w.other.ticketId, clientId: w.own.clientId }),
  },
  "tickets.addNote": {
    roles: ALL,
    input: (w) => ({ ticketId: w.own.ticketId, body: `Checked the printer ${w.unique()}.` }),
    foreign: (w) => ({ ticketId: w.other.ticketId, body: "Planted note." }),
  },
  // Canned responses: everyone reads and inserts them; admins manage them.
  "cannedResponses.list": { roles: ALL },
  "cannedResponses.render": {
    roles: ALL,
    input: (w) => ({ id: w.own.cannedResponseId, ticketId: w.own.ticketId }),
    foreign: (w) => ({ id: w.other.cannedResponseId, ticketId: w.own.ticketId }),
  },
  "cannedResponses.save": {
    roles: ADMIN_ONLY,
    input: (w) => ({ title: `Greeting ${w.unique()}`, body: "Hi {{requester.firstName}}," }),
    foreign: (w) => ({ id: w.other.cannedResponseId, title: "Hijacked", body: "Hijacked." }),
  },
  "cannedResponses.delete": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: (await saveCannedResponse(w.db, w.own.tenantId, { title: `Gone ${w.unique()}`, body: "Bye." })).id }),
    foreign: (w) => ({ id: w.other.cannedResponseId }),
  },
  // Renders the caller's own draft; names no rows.
  "tickets.previewReply": { roles: ALL, input: () => ({ body: "**On it.**" }) },

  // The Unattributed queue: ADMIN and SUPPORT (R-TEN-4).
  "unattributed.list": {
    roles: QUEUE,
    input: () => ({}),
    foreignName: { input: (w) => ({ domain: w.other.unattributedDomain }) },
  },
  "unattributed.byDomain": { roles: QUEUE },
  "unattributed.setClient": {
    roles: QUEUE,
    input: async (w) => ({ ticketIds: [await w.makeTicket(w.own, { unattributed: true })], clientId: w.own.clientId }),
    // The other tenant's queued ticket with the caller's own client: only the ticket is foreign.
    foreign: (w) => ({ ticketIds: [w.other.unattributedTicketId], clientId: w.own.clientId }),
  },
  "unattributed.addSenderDomain": {
    roles: QUEUE,
    input: async (w) => ({
      ticketId: await w.makeTicket(w.own, { unattributed: true }),
      clientId: await w.makeClient(w.own),
    }),
    foreign: async (w) => ({ ticketId: w.other.unattributedTicketId, clientId: await w.makeClient(w.own) }),
  },
  "unattributed.attributeFrom": {
    roles: QUEUE,
    input: async (w) => ({ clientId: await w.makeClient(w.own), scope: "domain", value: w.own.unattributedDomain }),
    foreign: (w) => ({ clientId: w.other.clientId, scope: "domain", value: w.other.unattributedDomain }),
    // The caller's own client, the other tenant's queued sender domain: the other's queue stays as it was.
    foreignName: {
      input: async (w) => ({ clientId: await w.makeClient(w.own), scope: "domain", value: w.other.unattributedDomain }),
    },
  },
  "unattributed.block": {
    roles: QUEUE,
    input: async (w) => ({ ticketIds: [await w.makeTicket(w.own, { unattributed: true })], scope: "sender" }),
    foreign: (w) => ({ ticketIds: [w.other.unattributedTicketId], scope: "domain" }),
  },

  // The Spam queue (R-SPAM-2): ADMIN and SUPPORT; its settings admins only; Mark as spam is a ticket action.
  "spamQueue.list": { roles: QUEUE },
  "spamQueue.release": {
    roles: QUEUE,
    input: async (w) => {
      // Release opens a ticket: number it after the fixture's rows (written without the tenant's counter).
      const top = await w.db.ticket.aggregate({ where: { tenantId: w.own.tenantId }, _max: { number: true } });
      await w.db.tenant.update({ where: { id: w.own.tenantId }, data: { ticketSeq: (top._max.number ?? 0) + 1 } });
      return { id: await spamItem(w, w.own) };
    },
    foreign: async (w) => ({ id: await spamItem(w, w.other) }),
  },
  "spamQueue.delete": { roles: QUEUE, input: async (w) => ({ id: await spamItem(w, w.own) }), foreign: async (w) => ({ id: await spamItem(w, w.other) }) },
  "spamQueue.block": {
    roles: QUEUE,
    input: async (w) => ({ id: await spamItem(w, w.own), what: "sender" }),
    foreign: async (w) => ({ id: await spamItem(w, w.other), what: "domain" }),
  },
  "spamQueue.markTicket": {
    roles: ALL,
    // A ticket whose received message keeps its source, as every received one does.
    input: async (w) => {
      const ticketId = await w.makeTicket(w.own);
      const message = await w.db.message.findFirstOrThrow({ where: { ticketId }, select: { id: true } });
      await w.db.messageSource.upsert({
        where: { messageId: message.id },
        create: { messageId: message.id, raw: new Uint8Array(Buffer.from("Subject: x\r\n\r\nHello\r\n")) },
        update: {},
      });
      return { ticketId };
    },
    foreign: (w) => ({ ticketId: w.other.ticketId }),
  },
  "spamQueue.settings": { roles: ADMIN_ONLY },
  "spamQueue.updateSettings": { roles: ADMIN_ONLY, input: () => ({ threshold: null, retentionDays: 30 }) },

  // Email-gateway settings screens: admins only.
  "sendingDomains.list": { roles: ADMIN_ONLY },
  "sendingDomains.get": {
    roles: ADMIN_ONLY,
    input: (w) => ({ id: w.own.sendingDomainId }),
    foreign: (w) => ({ id: w.other.sendingDomainId }),
  },
  "sendingDomains.add": {
    roles: ADMIN_ONLY,
    input: (w) => ({ domain: `mail.${w.unique()}.example` }),
    // The other tenant's verified domain: may be added (verification is by DNS), never verified by theirs.
    foreignName: { input: (w) => ({ domain: w.other.sendingDomain }) },
  },
  "sendingDomains.verify": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await w.makeSendingDomain(w.own) }),
    foreign: (w) => ({ id: w.other.sendingDomainId }),
  },
  "sendingDomains.remove": {
    roles: ADMIN_ONLY,
    input: async (w) => ({ id: await w.makeSendingDomain(w.own) }),
    foreign: (w) => ({ id: w.other.sendingDomainId }),
  },
  "sendingDomains.tenantDefault": { roles: ADMIN_ONLY },
  "sendingDomains.gatewayRecords": { roles: ADMIN_ONLY },
  "sendingDomains.setTenantDefault": {
    roles: ADMIN_ONLY,
    input: (w) => ({ address: `support.${w.unique()}@${w.own.sendingDomain}`, name: "Support" }),
    // The tenant's default From on the other tenant's verified sending domain.
    foreignName: {
      input: (w) => ({ address: `support.${w.unique()}@${w.other.sendingDomain}`, name: "Support" }),
      refused: "BAD_REQUEST",
    },
  },
  "activity.list": {
    roles: ADMIN_ONLY,
    input: () => ({}),
    foreignName: { input: (w) => ({ address: `boss@${w.other.clientDomain}` }) },
  },
  "activity.get": {
    roles: ADMIN_ONLY,
    input: (w) => ({ id: w.own.activityId }),
    foreign: (w) => ({ id: w.other.activityId }),
  },
  "activity.volume": { roles: ADMIN_ONLY, input: () => ({ days: 14 }) },
  "activity.retention": { roles: ADMIN_ONLY },
  "activity.setRetention": { roles: ADMIN_ONLY, input: () => ({ days: 30 }) },
  "inbound.startTest": { roles: ADMIN_ONLY },
  "inbound.testResults": { roles: ADMIN_ONLY, input: () => ({ since: new Date(Date.now() - 60_000) }) },
  "health.summary": { roles: ADMIN_ONLY },
  "health.incidents": { roles: ALL },
  "health.canarySettings": { roles: ADMIN_ONLY },
  "health.saveCanarySettings": {
    roles: ADMIN_ONLY,
    input: (w) => ({ addresses: [`help-${w.unique()}@${w.own.clientDomain}`], intervalMinutes: 360 }),
    foreignName: { input: (w) => ({ addresses: [`support@${w.other.clientDomain}`], intervalMinutes: 360 }) },
  },
  "mtaSts.settings": { roles: ADMIN_ONLY },
  "mtaSts.setMode": { roles: ADMIN_ONLY, input: () => ({ mode: "enforce" }) },
  "mtaSts.checkDns": { roles: ADMIN_ONLY },
  "mtaSts.summary": { roles: ADMIN_ONLY, input: () => ({ days: 30 }) },
  "dmarcReports.domains": { roles: ADMIN_ONLY },
  // Both tenants hold the same report, so the domain is also the other tenant's: only the own report comes back.
  "dmarcReports.overview": {
    roles: ADMIN_ONLY,
    input: (w) => ({ domain: w.own.dmarcDomain, period: "all" }),
    foreignName: { input: (w) => ({ domain: w.other.dmarcDomain, period: "all" }) },
  },
  "dmarcReports.reports": {
    roles: ADMIN_ONLY,
    input: (w) => ({ domain: w.own.dmarcDomain, period: "all" }),
    foreignName: { input: (w) => ({ domain: w.other.dmarcDomain, period: "all" }) },
  },
  "dmarcReports.report": {
    roles: ADMIN_ONLY,
    input: (w) => ({ id: w.own.dmarcReportId }),
    foreign: (w) => ({ id: w.other.dmarcReportId }),
  },
  "dmarcReports.reverseDns": { roles: ADMIN_ONLY, input: () => ({ ips: [] }) },
  "dmarcReports.upload": {
    roles: ADMIN_ONLY,
    input: () => ({ fileName: "001.xml", contentBase64: DMARC_XML.toString("base64") }),
  },
};

/** Builds one tenant with a user per role, a client with a domain and a contact, and a blocklist entry. */
export async function seedTenantFixture(
  db: Db,
  tenantId: string,
  slug: string,
  password: string,
  passwords: Map<string, string>,
): Promise<TenantFixture> {
  const users = {} as TenantFixture["users"];
  for (const role of ALL) {
    const email = `${role.toLowerCase()}@${slug}.test`;
    const user = await createUser(db, tenantId, { name: `${role} ${slug}`, email, role, password });
    users[role] = { id: user.id, email };
    passwords.set(user.id, password);
  }
  const clientDomain = `${slug}-client.example`;
  const client = await createClient(db, tenantId, { name: `Client of ${slug}`, primaryDomain: clientDomain });
  const contact = await addContact(db, tenantId, { clientId: client.id, email: `boss@${clientDomain}` });
  const entry = await addBlocklistEntry(db, { tenantId, userId: users.ADMIN.id, value: `blocked.${slug}.example` });
  const base = { tenantId, slug, users, clientId: client.id, clientDomain, contactId: contact.id };
  const unattributedDomain = `${slug}-stranger.example`;
  const ticketId = await createTicketRow(db, base, { clientId: client.id, requesterEmail: contact.email });
  const unattributedTicketId = await createTicketRow(db, base, { requesterEmail: `sender@${unattributedDomain}` });
  const sendingDomain = `${slug}-mail.example`;
  const sendingDomainId = await createVerifiedSendingDomain(db, tenantId, sendingDomain);
  const activity = await recordActivity(db, {
    tenantId,
    direction: "INBOUND",
    outcome: "DELIVERED",
    fromAddress: contact.email,
    toAddress: `support@${slug}.test`,
    subject: `Printer of ${slug}`,
    ticketId,
  });
  await uploadDmarcReport(db, { tenantId, fileName: "001.xml", contentBase64: DMARC_XML.toString("base64") });
  const stored = await db.dmarcReport.findFirstOrThrow({ where: { tenantId }, select: { id: true, domain: true } });
  return {
    ...base,
    blocklistEntryId: entry.id,
    ticketId,
    unattributedTicketId,
    unattributedDomain,
    sendingDomainId,
    sendingDomain,
    activityId: activity.id,
    dmarcReportId: stored.id,
    dmarcDomain: stored.domain,
    cannedResponseId: (await saveCannedResponse(db, tenantId, { title: `Hello from ${slug}`, body: "Hello {{requester.name}}." })).id,
  };
}

/**
 * A ticket with one inbound message from its requester, written as the ingest path leaves it (the domain code
 * that makes tickets needs the MTA's whole pipeline; the ticket screens' own tests build rows the same way).
 */
async function createTicketRow(
  db: Db,
  t: Pick<TenantFixture, "tenantId" | "slug">,
  data: { clientId?: string; requesterEmail: string; cc?: string[] },
): Promise<string> {
  const email = data.requesterEmail.toLowerCase();
  const requester =
    (await db.contact.findFirst({ where: { tenantId: t.tenantId, email }, select: { id: true } })) ??
    (await db.contact.create({
      data: { tenantId: t.tenantId, email, clientId: data.clientId ?? null },
      select: { id: true },
    }));
  const last = await db.ticket.findFirst({
    where: { tenantId: t.tenantId },
    orderBy: { number: "desc" },
    select: { number: true },
  });
  const number = (last?.number ?? 0) + 1;
  const ticket = await db.ticket.create({
    data: {
      tenantId: t.tenantId,
      number,
      subject: `Printer on fire ${number}`,
      clientId: data.clientId ?? null,
      requesterId: requester.id,
    },
  });
  await db.message.create({
    data: {
      tenantId: t.tenantId,
      ticketId: ticket.id,
      direction: "INBOUND",
      kind: "REPLY",
      messageIdHeader: `<${t.slug}-${number}-${Math.random().toString(36).slice(2)}@${email.split("@")[1]}>`,
      fromAddress: email,
      toJson: JSON.stringify([{ address: `support@${t.slug}.test`, name: null }]),
      ccJson: JSON.stringify((data.cc ?? []).map((address) => ({ address, name: "Copied" }))),
      subject: ticket.subject,
      textBody: "It is on fire.",
    },
  });
  return ticket.id;
}

/** A sending domain through the domain code, then marked verified (its DNS check needs real records). */
async function createVerifiedSendingDomain(db: Db, tenantId: string, domain: string): Promise<string> {
  const d = await addSendingDomain(db, { tenantId, domain, secret: secret() });
  await db.sendingDomain.update({
    where: { id: d.id },
    data: { verified: true, spfStatus: "pass", dkimStatus: "pass", dmarcStatus: "pass" },
  });
  return d.id;
}

export function worldHelpers(db: Db, passwords: Map<string, string>) {
  let n = 0;
  const unique = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
  return {
    unique,
    makeClient: async (t: TenantFixture) =>
      (await createClient(db, t.tenantId, { name: `Target ${unique()}`, primaryDomain: `${unique()}.example` })).id,
    makeContact: async (t: TenantFixture) =>
      (await addContact(db, t.tenantId, { clientId: t.clientId, email: `c.${unique()}@${t.clientDomain}` })).id,
    makeBlocklistEntry: async (t: TenantFixture) =>
      (await addBlocklistEntry(db, { tenantId: t.tenantId, userId: t.users.ADMIN.id, value: `b.${unique()}.example` }))
        .id,
    makeUser: async (t: TenantFixture, role: Role = "SUPPORT") => {
      const user = await createUser(db, t.tenantId, {
        name: "Target",
        email: `t.${unique()}@${t.slug}.test`,
        role,
        password: "a target password",
      });
      passwords.set(user.id, "a target password");
      return user.id;
    },
    // A queued ticket's sender gets a domain of its own, so giving that domain to a client works every time.
    makeTicket: (t: TenantFixture, opts: { unattributed?: boolean; cc?: string[] } = {}) =>
      opts.unattributed
        ? createTicketRow(db, t, { requesterEmail: `s@${unique()}-stranger.example`, cc: opts.cc })
        : createTicketRow(db, t, { clientId: t.clientId, requesterEmail: `boss@${t.clientDomain}`, cc: opts.cc }),
    makeSendingDomain: async (t: TenantFixture) =>
      (await addSendingDomain(db, { tenantId: t.tenantId, domain: `mail.${unique()}.example`, secret: secret() })).id,
  };
}
