/**
 * A configured scanner (rspamd or clamd) that could not answer (R-SPAM-3). The MTA answers 451 4.7.1 for it,
 * so the sender retries: nothing unscanned gets in and nothing is lost.
 */
import { AppError } from "../errors";

export class ScannerUnavailableError extends AppError {
  readonly scanner: "rspamd" | "clamd";

  constructor(scanner: "rspamd" | "clamd", detail: string, cause?: unknown) {
    super("UNAVAILABLE", `${scanner} is unavailable: ${detail}`, { cause });
    this.name = "ScannerUnavailableError";
    this.scanner = scanner;
  }
}

export function isScannerUnavailable(err: unknown): err is ScannerUnavailableError {
  return err instanceof ScannerUnavailableError || (err instanceof Error && err.name === "ScannerUnavailableError");
}
