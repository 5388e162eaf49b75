/**
 * Publish DNS records for the product instance a test runs against. Each instance resolves through its own e2e
 * DNS server (e2e/support/dns-server-process.ts, started by playwright.config.ts); this talks to that server's
 * loopback control endpoint. Any spec may use it:
 *
 *   await publishDns(testInfo.project.name, "example.com", [{ type: "TXT", data: ["v=spf1 ", "-all"] }]);
 *   await removeDns(testInfo.project.name, "example.com");
 *
 * TXT data given as an array is published as several character-strings in one record, as DNS providers do with
 * long values. Records stay until removed; use names unique to the spec.
 */
import type { TestRecord } from "../../test/support/dns-server";
import { instanceNamed, type Instance } from "./instances";

export type { TestRecord };

/**
 * The DNS ports of an instance, derived from its web port (which already carries E2E_PORT_SHIFT and the
 * instance's offset): web 3101+n → DNS 2621+n (UDP and TCP), control 2631+n.
 */
export function dnsPortsFor(instance: Instance): { dns: number; control: number } {
  const n = instance.port - 3101;
  return { dns: 2621 + n, control: 2631 + n };
}

function controlUrl(projectName: string, path: string): string {
  return `http://127.0.0.1:${dnsPortsFor(instanceNamed(projectName)).control}${path}`;
}

async function call(projectName: string, method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(controlUrl(projectName, path), {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`e2e DNS ${method} ${path}: ${res.status} ${await res.text()}`);
}

/** Replaces the records at `name` (all types) on the instance's DNS server. */
export async function publishDns(projectName: string, name: string, records: TestRecord[]): Promise<void> {
  await call(projectName, "PUT", `/records/${encodeURIComponent(name)}`, records);
}

/** Removes every record at `name`: it becomes NXDOMAIN. */
export async function removeDns(projectName: string, name: string): Promise<void> {
  await call(projectName, "DELETE", `/records/${encodeURIComponent(name)}`);
}

/** The names the instance has looked up so far (to check what the product asked for). */
export async function dnsQueries(projectName: string): Promise<{ name: string; type: string }[]> {
  const res = await fetch(controlUrl(projectName, "/queries"));
  return (await res.json()) as { name: string; type: string }[];
}
