/**
 * Row ids written by the hot path itself (server/db/sql.ts), which runs beside Prisma's model API and so cannot
 * rely on its client-side cuid() default.
 */
import { randomFillSync } from "node:crypto";

let lastMs = 0;
let counter = 0;
/** Random bytes drawn a few kilobytes at a time: one call into the CSPRNG per 340 ids, not one per id. */
const randomPool = Buffer.alloc(4_080);
let poolOffset = randomPool.length;

/**
 * A new row id of the same shape as Prisma's cuid(): "c", the time in base 36, a per-process counter, then
 * random characters. Ids made later sort after earlier ones from this process, which keeps rows written in the
 * same millisecond (a message and its activity row, say) in the order they were written in the activity
 * screen's (createdAt, id) order. Lower-case alphanumeric: reply and bounce addresses carry ticket and message
 * ids.
 */
export function newRowId(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    counter = 0;
  }
  counter = (counter + 1) % 36 ** 4;
  if (poolOffset + 12 > randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  let random = "";
  for (let i = poolOffset; i < poolOffset + 12; i++) random += (randomPool[i]! % 36).toString(36);
  poolOffset += 12;
  return `c${now.toString(36).padStart(9, "0")}${counter.toString(36).padStart(4, "0")}${random.slice(0, 11)}`;
}
