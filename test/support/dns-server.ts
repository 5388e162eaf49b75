/**
 * A local authoritative DNS server for tests (UDP and TCP on 127.0.0.1, port chosen by the OS unless given). Zones
 * are a mutable map, so a test can publish, change or remove records while the product runs. TXT records are given
 * as arrays of strings to reproduce records split into several character-strings. Answers larger than the
 * resolver's UDP size (EDNS, else 512 bytes) come back truncated (TC) over UDP and whole over TCP on the same
 * port, as real servers do (dns2 ≥ 3 does this; e.g. two 2048-bit DKIM keys at one name).
 */
import dns2 from "dns2";
import type { AddressInfo } from "node:net";

const { Packet } = dns2;
const NXDOMAIN = 3; // RFC 1035 RCODE 3 (dns2's typings lack Packet.RCODE)

export type TestRecord =
  | { type: "A"; address: string }
  | { type: "AAAA"; address: string }
  | { type: "MX"; exchange: string; priority?: number }
  | { type: "TXT"; data: string | string[] }
  | { type: "CNAME"; domain: string }
  | { type: "PTR"; domain: string };

export type TestDnsServer = {
  /** "127.0.0.1:port", ready for DNS_SERVERS. */
  address: string;
  port: number;
  set(name: string, records: TestRecord[]): void;
  add(name: string, record: TestRecord): void;
  remove(name: string): void;
  /** Names asked for, in order (to check what the product looked up). */
  queries: { name: string; type: string }[];
  close(): Promise<void>;
};

/** Splits a long TXT value into ≤255-octet strings, the way DNS providers publish it. */
export function splitTxt(value: string, size = 255): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += size) out.push(value.slice(i, i + size));
  return out.length ? out : [""];
}

type UdpLike = {
  bind(port: number, address: string): void;
  address(): AddressInfo;
  once(event: string, fn: (...args: unknown[]) => void): void;
};
type TcpLike = {
  listen(port: number, host: string, cb: () => void): void;
  once(event: string, fn: (e: unknown) => void): void;
};

export type DnsServerOptions = {
  /** UDP and TCP port; 0 (default) lets the OS choose. */
  port?: number;
  host?: string;
};

export async function startDnsServer(
  initial: Record<string, TestRecord[]> = {},
  options: DnsServerOptions = {},
): Promise<TestDnsServer> {
  const host = options.host ?? "127.0.0.1";
  const zone = new Map<string, TestRecord[]>();
  const key = (name: string) => name.toLowerCase().replace(/\.$/, "");
  for (const [name, records] of Object.entries(initial)) zone.set(key(name), records);
  const queries: TestDnsServer["queries"] = [];
  const typeName = (t: number) => Object.entries(Packet.TYPE).find(([, v]) => v === t)?.[0] ?? String(t);

  const create = () =>
    dns2.createServer({
      udp: true,
      tcp: true,
      handle: (request, send) => {
        const response = Packet.createResponseFromRequest(request);
        // dns2's typings want encoded Resource objects; it encodes plain records itself.
        const answers = response.answers as unknown as object[];
        const reply = () => void send(response);
        const question = request.questions[0];
        if (!question) return reply();
        const qtype = typeName(question.type);
        queries.push({ name: question.name, type: qtype });
        const records = zone.get(key(question.name));
        if (!records) {
          response.header.rcode = NXDOMAIN;
          return reply();
        }
        for (const r of records) {
          if (r.type !== qtype) continue;
          const base = { name: question.name, class: Packet.CLASS.IN, ttl: 60, type: Packet.TYPE[r.type] };
          switch (r.type) {
            case "A":
            case "AAAA":
              answers.push({ ...base, address: r.address });
              break;
            case "MX":
              answers.push({ ...base, exchange: r.exchange, priority: r.priority ?? 10 });
              break;
            case "TXT":
              answers.push({ ...base, data: Array.isArray(r.data) ? r.data : [r.data] });
              break;
            case "CNAME":
            case "PTR":
              answers.push({ ...base, domain: r.domain });
              break;
          }
        }
        reply();
      },
    });

  // Resolvers fall back from UDP to TCP on the same port, so TCP binds the port the OS gave UDP. That port can
  // be taken for TCP (a busy machine's outgoing connections use the same ephemeral range): then try another.
  // dns2 re-emits each socket's errors on the server object; the listeners below handle them, so that copy is
  // ignored instead of becoming an uncaught exception.
  let server = create();
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    (server as unknown as { on(event: string, fn: () => void): void }).on("error", () => undefined);
    const { udp, tcp } = (server as unknown as { servers: { udp: UdpLike; tcp: TcpLike } }).servers;
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.once("listening", () => resolve());
      udp.bind(options.port ?? 0, host);
    });
    port = udp.address().port;
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, host, () => resolve());
      });
      break;
    } catch (err) {
      await server.close().catch(() => undefined);
      if (attempt >= 10 || options.port) throw err;
      server = create();
    }
  }
  const running = server;

  return {
    address: `${host}:${port}`,
    port,
    set: (name, records) => void zone.set(key(name), records),
    add: (name, record) => void zone.set(key(name), [...(zone.get(key(name)) ?? []), record]),
    remove: (name) => void zone.delete(key(name)),
    queries,
    close: () => running.close(),
  };
}
