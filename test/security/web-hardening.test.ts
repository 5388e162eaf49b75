/**
 * Issue 19 items 2, 3, 6, 7, 8 and 11 against the real web process (`npm start -- --web-only` on the production
 * build, test/support/web.ts), as an attacker would try them over HTTP, on SQLite and PostgreSQL. No trusted
 * proxy is configured, as on a fresh `npm start`: the socket address is the client.
 *
 * - item 2: `/login?next=` never leads off the site (`/\host`, `/%09/host`);
 * - item 3: a rotating X-Forwarded-For does not reset the sign-in limit;
 * - item 6: better-auth's /update-user is off;
 * - item 7: every page carries a nonce CSP that its own scripts satisfy, no framing, nosniff, Referrer-Policy;
 * - item 8: the data directory is 0700 and every file in it 0600, including the SQLite database and its WAL and
 *   SHM files created after start, and a file an older install left world-readable;
 * - item 11: TLS-RPT POSTs from one source are limited, whatever X-Forwarded-For says.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TLS_REPORT_POST_LIMIT } from "../../server/tls-reports/receive-tls-report-post";
import { stablePort } from "../faults/support";
import { createTestDatabase, testProviders, type TestDatabase } from "../support/database";
import { startWeb, type WebProcess } from "../support/web";

const ADMIN = { email: "admin@demo.local", password: "demo admin password" };

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe.each(testProviders())("web hardening over HTTP on %s (issue 19)", (provider) => {
  let dataDir: string;
  let database: TestDatabase | null = null;
  let web: WebProcess;
  let cookie: string;
  let sqliteFile: string;

  beforeAll(async () => {
    dataDir = path.join(mkdtempSync(path.join(tmpdir(), "opsmerge-hardening-")), "data");
    // An install from before the rule: a world-readable directory and file.
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, "left-over.txt"), "old", { mode: 0o644 });
    chmodSync(path.join(dataDir, "left-over.txt"), 0o644);
    sqliteFile = path.join(dataDir, "opsmerge.db");
    let databaseUrl = `file:${sqliteFile}`;
    if (provider === "postgresql") {
      database = await createTestDatabase("postgresql");
      databaseUrl = database.url;
    }
    // No TRUSTED_PROXIES: what a fresh `npm start` runs with.
    web = await startWeb({ databaseUrl, port: await stablePort(), dataDir, env: { TRUSTED_PROXIES: "" } });
    const res = await fetch(`${web.url}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: web.url },
      body: JSON.stringify(ADMIN),
    });
    expect(res.status).toBe(200);
    cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
  }, 300_000);

  afterAll(async () => {
    await web?.stop();
    await database?.drop();
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  it("item 2: after sign-in, next= goes to a path on this site only", async () => {
    const location = async (next: string) => {
      const res = await fetch(`${web.url}/login?next=${next}`, { headers: { cookie }, redirect: "manual" });
      expect(res.status).toBeGreaterThanOrEqual(300);
      expect(res.status).toBeLessThan(400);
      return res.headers.get("location");
    };
    for (const attack of ["/%5Cexample.org/x", "/%5C127.0.0.1:8999/x", "/%09/example.org", "//example.org", "https://example.org/"]) {
      const to = await location(attack);
      expect(to, attack).toBe("/tickets");
    }
    expect(await location(encodeURIComponent("/clients?q=a"))).toBe("/clients?q=a");
  });

  it("item 7: every page has a nonce CSP its scripts carry, no framing, nosniff and a Referrer-Policy", async () => {
    const nonces = new Set<string>();
    for (const [page, headers] of [
      ["/login", {}],
      ["/tickets", { cookie }],
      ["/settings/email-gateway/mta-sts", { cookie }],
      ["/no-such-page", { cookie }],
    ] as const) {
      const res = await fetch(`${web.url}${page}`, { headers, redirect: "manual" });
      expect(res.status, page).toBeLessThan(500);
      const csp = res.headers.get("content-security-policy") ?? "";
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, `${page}: ${csp}`).toBeTruthy();
      nonces.add(nonce!);
      expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'(;|$)/);
      expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length, page).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, page).toContain(`nonce="${nonce}"`);
    }
    expect(nonces.size).toBe(4);
  });

  it("item 7: API responses cannot be framed either; the mail-content routes keep their own headers", async () => {
    const api = await fetch(`${web.url}/api/health`);
    expect(api.headers.get("x-frame-options")).toBe("DENY");
    expect(api.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");
    // The message viewer must stay frameable by the ticket page (its own CSP says frame-ancestors 'self').
    const viewer = await fetch(`${web.url}/api/messages/nope/html`, { headers: { cookie } });
    expect(viewer.status).toBe(404);
    expect(viewer.headers.get("x-frame-options")).toBeNull();
    expect(viewer.headers.get("content-security-policy")).toBeNull();
  });

  it("item 6: better-auth's /update-user is off: no 200 KB or CR/LF names behind the app's back", async () => {
    for (const name of ["x".repeat(200_000), "Eve\r\nBcc: victim@example.com"]) {
      const res = await fetch(`${web.url}/api/auth/update-user`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", origin: web.url },
        body: JSON.stringify({ name }),
      });
      expect(res.status).toBe(404);
    }
  });

  it("item 8: the data directory and every file in it are the service user's only, also files created after start", () => {
    expect(mode(dataDir)).toBe("700");
    expect(mode(path.join(dataDir, "left-over.txt"))).toBe("600");
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? [path.join(dir, e.name), ...walk(path.join(dir, e.name))] : [path.join(dir, e.name)],
      );
    for (const entry of walk(dataDir)) expect(`${entry} ${mode(entry)}`).toMatch(statSync(entry).isDirectory() ? / 700$/ : / 600$/);
    if (provider === "sqlite") {
      // Created by the web node after it started (migrations, seed, sign-in): the database and its WAL and SHM.
      for (const file of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) {
        expect(existsSync(file), file).toBe(true);
        expect(mode(file), file).toBe("600");
      }
    }
  });

  it("item 11: TLS-RPT POSTs from one source are limited, whatever X-Forwarded-For claims", async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= TLS_REPORT_POST_LIMIT.perSourceHour; i++) {
      const res = await fetch(`${web.url}/api/tls-reports/demo`, {
        method: "POST",
        headers: { "content-type": "application/tlsrpt+json", "x-forwarded-for": `203.0.113.${i + 1}` },
        body: JSON.stringify({
          "organization-name": "Forger",
          "report-id": `forged-${i}`,
          "date-range": { "start-datetime": "2026-12-01T00:00:00Z", "end-datetime": "2026-12-01T23:59:59Z" },
          policies: [{ policy: { "policy-type": "sts" }, summary: { "total-successful-session-count": 999_999 } }],
        }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([...Array.from({ length: TLS_REPORT_POST_LIMIT.perSourceHour }, () => 201), 429]);
  });

  // Last: it uses up this address's sign-in allowance.
  it("item 3: a rotating X-Forwarded-For does not reset the sign-in limit; the right password then waits too", async () => {
    const attempt = (password: string, i: number) =>
      fetch(`${web.url}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: web.url, "x-forwarded-for": `198.51.100.${i}` },
        body: JSON.stringify({ email: ADMIN.email, password }),
      }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++) statuses.push(await attempt("wrong password!", i));
    expect(statuses).toContain(429);
    expect(statuses.indexOf(429)).toBeLessThanOrEqual(5);
    expect(await attempt(ADMIN.password, 7)).toBe(429);
  });
});
