/** Test seeding for the Unattributed queue: tickets shaped the way ingestion writes them. */
import { randomBytes } from "node:crypto";
import type { Db } from "../../db/client";
import { normaliseSenderAddress } from "../../mail/addresses";

let number = 0;
let clock = Date.parse("2026-11-01T09:00:00Z");

/**
 * A ticket as ingestion makes it: the sender's contact (one per normalised address, no client) is the requester;
 * `inbound` messages from the sender plus one auto-acknowledgement going out.
 */
export async function seedTicket(
  db: Db,
  tenantId: string,
  from: string | null,
  subject: string,
  opts: { clientId?: string; status?: string; inbound?: number; name?: string } = {},
) {
  const email = normaliseSenderAddress(from);
  const requester = email
    ? await db.contact.upsert({
        where: { tenantId_email: { tenantId, email } },
        update: {},
        create: { tenantId, email, name: opts.name ?? null, clientId: null },
      })
    : null;
  clock += 60_000;
  const created = await db.ticket.create({
    data: {
      tenantId,
      number: ++number,
      subject,
      status: opts.status ?? "OPEN",
      clientId: opts.clientId ?? null,
      requesterId: requester?.id ?? null,
      createdAt: new Date(clock),
    },
  });
  const message = (direction: string, kind: string, fromAddress: string) =>
    db.message.create({
      data: {
        tenantId,
        ticketId: created.id,
        direction,
        kind,
        messageIdHeader: `${randomBytes(6).toString("hex")}@test`,
        fromAddress,
        subject,
      },
    });
  for (let i = 0; i < (opts.inbound ?? 1); i++) await message("INBOUND", "REPLY", from ?? "");
  await message("OUTBOUND", "AUTO_ACK", "support@tenant.in.localhost");
  return created;
}
