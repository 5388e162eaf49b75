/**
 * The real web process for integration tests: `node --import tsx scripts/start.ts --web-only` (what a scale-out web
 * node runs: migrations, the demo seed, then `next start` on the production build) on a given port, in its own
 * process group so a fault test can kill -9 the whole node (start.ts and the Next server under it) at once. Plus a
 * small HTTP client that signs in like the browser does and calls tRPC procedures over HTTP with the session cookie.
 *
 * The production build (`.next/`) is made once, under a lock, when it is missing or older than the sources, so two
 * test files (or two web nodes of one test) never build at the same time.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import superjson from "superjson";
import { buildWeb, webBuildIsCurrent } from "../../scripts/web-build";
import { TEST_APP_SECRET, TEST_INBOUND_DOMAIN } from "./mta";

const root = path.resolve(import.meta.dirname, "../..");
const BUILD_LOCK = path.join(
  tmpdir(),
  `opsmerge-web-build-${createHash("sha1").update(root).digest("hex").slice(0, 10)}.lock`,
);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Builds the web app unless `.next/` is current; only one process builds at a time (the others wait). */
export async function ensureWebBuild(): Promise<void> {
  for (;;) {
    if (webBuildIsCurrent()) return;
    try {
      mkdirSync(BUILD_LOCK);
    } catch {
      // Someone else builds; take the lock over only if its holder is gone.
      let holder = 0;
      try {
        holder = Number(readFileSync(path.join(BUILD_LOCK, "pid"), "utf8"));
      } catch {
        // written a moment after the directory
      }
      if (holder && !alive(holder)) rmSync(BUILD_LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 1_000));
      continue;
    }
    try {
      writeFileSync(path.join(BUILD_LOCK, "pid"), String(process.pid));
      if (webBuildIsCurrent()) return;
      if (!buildWeb({ quiet: true })) throw new Error("next build failed (run `npm run build` to see why)");
      return;
    } finally {
      rmSync(BUILD_LOCK, { recursive: true, force: true });
    }
  }
}

export type WebProcess = {
  port: number;
  /** http://127.0.0.1:port, also its APP_URL. */
  url: string;
  output(): string;
  /** Signals the whole node (start.ts and `next start`); resolves once start.ts has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
};

export type StartWebOptions = {
  databaseUrl: string;
  port: number;
  dataDir: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
};

/** Starts a web-only node and resolves once `/api/health` answers 200. */
export async function startWeb(options: StartWebOptions): Promise<WebProcess> {
  await ensureWebBuild();
  const url = `http://127.0.0.1:${options.port}`;
  const env: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: options.dataDir,
    PORT: String(options.port),
    HOST: "127.0.0.1",
    APP_URL: url,
    APP_SECRET: TEST_APP_SECRET,
    INBOUND_DOMAIN: TEST_INBOUND_DOMAIN,
    SEED_ADMIN_PASSWORD: "demo admin password",
    SKIP_BUILD: "1",
    // The test client stands in for a load balancer on loopback: its X-Forwarded-For is believed, so each
    // signInOverHttp gets its own rate-limit bucket. A test of the limit itself passes TRUSTED_PROXIES: "".
    TRUSTED_PROXIES: "127.0.0.1",
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    LOG_LEVEL: "warn",
    ...options.env,
  };
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/start.ts"), "--web-only"], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  for (;;) {
    if (gone()) throw new Error(`the web node exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      signalGroup("SIGKILL");
      throw new Error(
        `the web node did not answer /api/health within ${options.startTimeoutMs ?? 120_000} ms:\n${output}`,
      );
    }
    const status = await fetch(`${url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await new Promise((r) => setTimeout(r, 300));
  }

  return {
    port: options.port,
    url,
    output: () => output,
    kill: async (signal) => {
      signalGroup(signal);
      await exited;
    },
    stop: async () => {
      if (gone()) {
        signalGroup("SIGKILL");
        return;
      }
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      // `next start` may outlive start.ts by a moment.
      signalGroup("SIGKILL");
    },
  };
}

/** A tRPC failure as the HTTP client sees it: the HTTP status and tRPC's error code. */
export class TrpcHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A signed-in browser, minus the browser: the session cookie, the same-origin headers, tRPC's wire format. */
export type WebSession = {
  query<T>(baseUrl: string, procedure: string, input: unknown): Promise<T>;
  mutation<T>(baseUrl: string, procedure: string, input: unknown, signal?: AbortSignal): Promise<T>;
};

let ipCounter = 1;

/** Signs in through better-auth's endpoint (as the login page does) on `baseUrl`; the session works on every node. */
export async function signInOverHttp(baseUrl: string, email: string, password: string): Promise<WebSession> {
  const res = await fetch(`${baseUrl}/api/auth/sign-in/email`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      origin: baseUrl,
      "x-forwarded-for": `10.77.${ipCounter >> 8}.${ipCounter++ & 255}`,
    },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${email} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");

  const unwrap = async <T>(res: Response): Promise<T> => {
    const body = (await res.json()) as {
      result?: { data: unknown };
      error?: { json?: { message: string; data?: { code?: string } } };
    };
    if (res.ok && body.result)
      return superjson.deserialize(body.result.data as Parameters<typeof superjson.deserialize>[0]);
    const err = body.error?.json;
    throw new TrpcHttpError(res.status, err?.data?.code ?? "UNKNOWN", err?.message ?? `HTTP ${res.status}`);
  };
  return {
    async query<T>(base: string, procedure: string, input: unknown) {
      const u = new URL(`${base}/api/trpc/${procedure}`);
      u.searchParams.set("input", JSON.stringify(superjson.serialize(input)));
      return unwrap<T>(await fetch(u, { headers: { cookie } }));
    },
    async mutation<T>(base: string, procedure: string, input: unknown, signal?: AbortSignal) {
      const res = await fetch(`${base}/api/trpc/${procedure}`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", origin: base },
        body: JSON.stringify(superjson.serialize(input)),
        ...(signal ? { signal } : {}),
      });
      return unwrap<T>(res);
    },
  };
}
