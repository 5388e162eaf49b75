/**
 * clamd's INSTREAM command (R-SPAM-1), written out because no well-kept npm client exists: "zINSTREAM\0", then
 * chunks of <4-byte big-endian length><bytes>, then a zero length; clamd answers "stream: OK" or
 * "stream: <signature> FOUND" and closes. `target` is a Unix socket path or host:port (CLAMD).
 */
import { connect, type Socket } from "node:net";
import { ScannerUnavailableError } from "./scanner-error";

const CHUNK = 64 * 1024;

function open(target: string): Socket {
  if (target.startsWith("/")) return connect({ path: target });
  const i = target.lastIndexOf(":");
  return connect({ host: target.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(target.slice(i + 1)) });
}

/** The signature clamd found in `content`, or null when clean. Throws ScannerUnavailableError when clamd cannot answer. */
export function clamdScan(target: string, content: Buffer, timeoutMs = 30_000): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = open(target);
    let reply = "";
    let settled = false;
    const fail = (detail: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new ScannerUnavailableError("clamd", detail, cause));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.on("error", (err) => fail(err.message, err));
    socket.on("data", (chunk: Buffer) => (reply += chunk.toString("utf8")));
    socket.on("close", () => {
      if (settled) return;
      const line = reply.replace(/\0/g, "").trim();
      const found = /^stream: (.+) FOUND$/.exec(line);
      if (found) {
        settled = true;
        return resolve(found[1]!);
      }
      if (line === "stream: OK") {
        settled = true;
        return resolve(null);
      }
      fail(`unexpected answer "${line.slice(0, 200)}"`);
    });
    socket.on("connect", () => {
      socket.write("zINSTREAM\0");
      for (let at = 0; at < content.length; at += CHUNK) {
        const part = content.subarray(at, at + CHUNK);
        const size = Buffer.alloc(4);
        size.writeUInt32BE(part.length);
        socket.write(size);
        socket.write(part);
      }
      socket.end(Buffer.alloc(4));
    });
  });
}
