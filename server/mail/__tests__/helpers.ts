/** Test helpers for server/mail: fixture paths and a raw header splitter independent of the code under test. */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

export const FIXTURES = path.resolve(import.meta.dirname, "../../../test/fixtures");

export function fixture(rel: string): Buffer {
  return readFileSync(path.join(FIXTURES, rel));
}

export function fixtureText(rel: string): string {
  return readFileSync(path.join(FIXTURES, rel), "utf8");
}

export function listFixtures(dir: string, ext = ".eml"): string[] {
  return readdirSync(path.join(FIXTURES, dir))
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => `${dir}/${f}`);
}

/** Header block of a raw message as [name, value] pairs (unfolded), skipping an mbox "From " line. */
export function rawHeaders(raw: Buffer | string): [string, string][] {
  const text = raw.toString("latin1").replace(/\r\n?/g, "\n");
  const end = text.indexOf("\n\n");
  const block = end >= 0 ? text.slice(0, end) : text;
  const out: [string, string][] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("From ") && out.length === 0) continue;
    if (/^[ \t]/.test(line) && out.length) {
      out[out.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon > 0) out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return out;
}
