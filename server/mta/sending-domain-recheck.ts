/**
 * Runs the scheduled sending-domain re-check (R-DOM-3) inside the MTA process, on the MTA's database client and
 * DNS resolver (server/mta/runtime.ts). background-jobs.ts starts it once Haraka is up and stops it before the
 * database is closed:
 *
 *   const recheck = startSendingDomainRecheck((m) => log(m));   // after Haraka is started
 *   await recheck.stop();                                        // in the SIGTERM/SIGINT handler, before shutdown
 */
import { startRecheckJob, type RecheckJob, type RecheckJobOptions } from "../sending-domains/recheck-job";
import { openMta } from "./runtime";

export function startSendingDomainRecheck(
  log: (line: string) => void = () => undefined,
  timing: Pick<RecheckJobOptions, "intervalMs" | "firstRunDelayMs" | "onRun" | "lease"> = {},
): RecheckJob {
  const rt = openMta();
  return startRecheckJob({
    ...timing,
    db: rt.db,
    resolver: rt.resolver,
    spfInclude: rt.env.SPF_INCLUDE,
    inboundDomain: rt.env.INBOUND_DOMAIN,
    log,
  });
}
