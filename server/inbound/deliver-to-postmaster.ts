/**
 * RFC 5321 §4.5.1: mail to `postmaster@<INBOUND_DOMAIN>` is the gateway operator's (issue 19 item 10). It belongs
 * to no tenant, so it is not a ticket: it is written, as received, into a Maildir under DATA_DIR (`postmaster/`,
 * private to the service user like the rest of DATA_DIR), which the operator reads with any mail client
 * (`mutt -f data/postmaster`) or collects with a forwarder. Written the Maildir way — tmp/, fsync, rename into
 * new/ — before the MTA answers 250, so an accepted message is on disk.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

/** Stores one message for the operator; resolves with its file name under `new/`. */
export async function deliverToOperatorPostmaster(dir: string, raw: Buffer, receivedAt: Date): Promise<string> {
  for (const sub of ["tmp", "new", "cur"]) await mkdir(path.join(dir, sub), { recursive: true, mode: 0o700 });
  const name = `${Math.floor(receivedAt.getTime() / 1000)}.${randomBytes(8).toString("hex")}.${hostname().replace(/[/:]/g, "_")}`;
  const tmp = path.join(dir, "tmp", name);
  const file = await open(tmp, "wx", 0o600);
  try {
    await file.writeFile(raw);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path.join(dir, "new", name));
  return name;
}
