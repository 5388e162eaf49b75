/**
 * rspamd's HTTP API (R-SPAM-1, R-SPAM-2): /checkv2 to scan, /learnspam and /learnham to teach its Bayes
 * classifier, /stat for what it has learned. Per-tenant statistics: every request names the tenant in
 * `Deliver-To`, which rspamd's `per_user` Bayes keys its Redis statistics by (README "Spam and malware").
 * Nothing here decides anything; scan-message.ts does.
 */
import { z } from "zod";
import { ScannerUnavailableError } from "./scanner-error";

export type RspamdEnvelope = {
  ip: string;
  helo: string | null;
  mailFrom: string;
  recipients: string[];
  /** The per-user Bayes key. */
  tenantId: string;
  /** Our own SPF/DKIM/DMARC verdicts: rspamd skips its checks and scores ours instead. */
  auth?: { spf: string | null; dkim: string | null; dmarc: string | null };
};

const checkResponse = z.object({
  score: z.number(),
  required_score: z.number().optional(),
  action: z.string(),
  symbols: z.record(z.string(), z.object({ name: z.string(), score: z.number().default(0) })).default({}),
});

export type RspamdCheck = {
  score: number;
  action: string;
  symbols: { name: string; score: number }[];
};

/** Our verdicts as rspamd symbols (its own policies group scores them), its own checks switched off. */
function authSettings(auth: RspamdEnvelope["auth"]): string | null {
  if (!auth) return null;
  const symbols: string[] = [];
  if (auth.spf === "pass") symbols.push("R_SPF_ALLOW");
  else if (auth.spf === "fail") symbols.push("R_SPF_FAIL");
  else if (auth.spf === "softfail") symbols.push("R_SPF_SOFTFAIL");
  if (auth.dkim === "pass") symbols.push("R_DKIM_ALLOW");
  else if (auth.dkim === "fail") symbols.push("R_DKIM_REJECT");
  if (auth.dmarc === "pass") symbols.push("DMARC_POLICY_ALLOW");
  else if (auth.dmarc === "fail") symbols.push("DMARC_POLICY_REJECT");
  return JSON.stringify({ symbols_disabled: ["SPF_CHECK", "DKIM_CHECK", "DMARC_CHECK", "ARC_CHECK"], symbols });
}

/** The message as a request body without copying it (issue 19 item 13: `new Uint8Array(raw)` was a second 20 MB). */
function bodyOf(raw: Buffer): Uint8Array<ArrayBuffer> {
  return new Uint8Array(raw.buffer as ArrayBuffer, raw.byteOffset, raw.byteLength);
}

async function call(url: string, path: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(new URL(path, url), { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new ScannerUnavailableError("rspamd", err instanceof Error ? (err.cause as Error | undefined)?.message ?? err.message : String(err), err);
  }
}

export async function rspamdCheck(url: string, raw: Buffer, env: RspamdEnvelope, timeoutMs = 30_000): Promise<RspamdCheck> {
  const headers: Record<string, string> = {
    IP: env.ip,
    From: env.mailFrom || "<>",
    "Deliver-To": env.tenantId,
  };
  if (env.helo) headers.Helo = env.helo;
  const settings = authSettings(env.auth);
  if (settings) headers.Settings = settings;
  const hs = new Headers(headers);
  for (const r of env.recipients) hs.append("Rcpt", r);
  const res = await call(url, "/checkv2", { method: "POST", headers: hs, body: bodyOf(raw) }, timeoutMs);
  if (!res.ok) throw new ScannerUnavailableError("rspamd", `/checkv2 answered ${res.status}`);
  const body = checkResponse.safeParse(await res.json().catch(() => null));
  if (!body.success) throw new ScannerUnavailableError("rspamd", "/checkv2 answered something unreadable");
  const symbols = Object.values(body.data.symbols)
    .filter((s) => s.score !== 0 || s.name === "GTUBE")
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  return { score: body.data.score, action: body.data.action, symbols };
}

const actionsResponse = z.array(z.object({ action: z.string(), value: z.number().nullable() }));
const addHeaderScores = new Map<string, number>();

/** rspamd's "add header" score (GET /actions), the default Spam queue threshold; asked once per URL and process. */
export async function rspamdAddHeaderScore(url: string, timeoutMs = 10_000): Promise<number> {
  const known = addHeaderScores.get(url);
  if (known !== undefined) return known;
  const res = await call(url, "/actions", { method: "GET" }, timeoutMs);
  const body = actionsResponse.safeParse(await res.json().catch(() => null));
  const value = body.success ? body.data.find((a) => a.action === "add header")?.value : null;
  if (value === null || value === undefined) throw new ScannerUnavailableError("rspamd", "/actions names no \"add header\" score");
  addHeaderScores.set(url, value);
  return value;
}

/**
 * Teaches the tenant's Bayes statistics that `raw` is spam or ham. A message rspamd has already learned the same
 * way is not an error. Throws ScannerUnavailableError when rspamd cannot answer.
 */
export async function rspamdLearn(url: string, kind: "spam" | "ham", raw: Buffer, tenantId: string, timeoutMs = 30_000): Promise<"learned" | "already"> {
  const res = await call(url, kind === "spam" ? "/learnspam" : "/learnham", { method: "POST", headers: { "Deliver-To": tenantId }, body: bodyOf(raw) }, timeoutMs);
  if (res.ok) return "learned";
  const text = await res.text().catch(() => "");
  // 208: already learned; 400 "already in class" / too few tokens: nothing to do about it here.
  if (res.status === 208 || /already|too small|tokens/i.test(text)) return "already";
  throw new ScannerUnavailableError("rspamd", `learning answered ${res.status} ${text.slice(0, 200)}`);
}

const statResponse = z.object({
  learned: z.number().default(0),
  statfiles: z.array(z.object({ symbol: z.string(), revision: z.number().default(0), users: z.number().default(0) })).default([]),
});

/** What rspamd's Bayes has learned overall: ham and spam revisions (learn counts). */
export async function rspamdStat(url: string, timeoutMs = 10_000): Promise<{ learned: number; ham: number; spam: number }> {
  const res = await call(url, "/stat", { method: "GET" }, timeoutMs);
  const body = statResponse.parse(await res.json());
  const rev = (symbol: string) => body.statfiles.filter((s) => s.symbol === symbol).reduce((n, s) => n + s.revision, 0);
  return { learned: body.learned, ham: rev("BAYES_HAM"), spam: rev("BAYES_SPAM") };
}
