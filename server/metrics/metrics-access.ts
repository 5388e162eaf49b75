/** Who may read the web's /metrics without a token (R-HEALTH-5): loopback clients only. */
import { isIP } from "node:net";

export function isLoopback(address: string | null | undefined): boolean {
  const a = (address ?? "").trim().replace(/^::ffff:/i, "");
  if (a === "::1") return true;
  return isIP(a) === 4 && a.startsWith("127.");
}
