/**
 * Scans one inbound message for one tenant (R-SPAM-1, R-SPAM-3): attachments through clamd (CLAMD), the whole
 * message through rspamd (RSPAMD_URL) with its envelope and our authentication verdicts. Decides only what the
 * engines' answers mean for the tenant: malware → "malware", score ≥ threshold → "spam", else "clean". A scanner
 * that cannot answer throws ScannerUnavailableError (→ 451 4.7.1) unless `failOpen`, which gives "not-scanned".
 * Returns null when no scanner is configured: the product then works as before.
 */
import { clamdScan } from "./clamd";
import { rspamdAddHeaderScore, rspamdCheck, type RspamdEnvelope } from "./rspamd";
import { isScannerUnavailable } from "./scanner-error";
import type { ScanVerdict } from "./scan-verdict";

export type ScannerConfig = {
  rspamdUrl?: string | undefined;
  clamd?: string | undefined;
  failOpen: boolean;
};

export function scannerConfigured(config: ScannerConfig | undefined): config is ScannerConfig {
  return !!config && !!(config.rspamdUrl || config.clamd);
}

export type ScanInput = RspamdEnvelope & {
  raw: Buffer;
  attachments: { content: Buffer }[];
  /** The tenant's threshold; null = rspamd's "add header" score. */
  threshold: number | null;
};

export async function scanMessage(config: ScannerConfig | undefined, input: ScanInput): Promise<ScanVerdict | null> {
  if (!scannerConfigured(config)) return null;
  try {
    return await scan(config, input);
  } catch (err) {
    if (!config.failOpen || !isScannerUnavailable(err)) throw err;
    return { status: "not-scanned", error: err.message };
  }
}

async function scan(config: ScannerConfig, input: ScanInput): Promise<ScanVerdict> {
  if (config.clamd) {
    for (const a of input.attachments) {
      const signature = await clamdScan(config.clamd, a.content);
      if (signature) return { status: "malware", malware: signature };
    }
  }
  if (!config.rspamdUrl) return { status: "clean" };
  const check = await rspamdCheck(config.rspamdUrl, input.raw, input);
  const threshold = input.threshold ?? (await rspamdAddHeaderScore(config.rspamdUrl));
  return {
    status: check.score >= threshold ? "spam" : "clean",
    score: check.score,
    action: check.action,
    threshold,
    symbols: check.symbols,
  };
}
