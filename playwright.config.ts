import { defineConfig, type PlaywrightTestConfig, type Project } from "@playwright/test";
import { dnsPortsFor } from "./e2e/support/dns-control";
import { ADMIN_PASSWORD, instances, preparePostgres } from "./e2e/support/instances";
import { receivingMtaPortsFor } from "./e2e/support/receiving-mta";
import { ensureTestPostgres } from "./test/support/test-postgres";

// webServer entries start before globalSetup, so the PostgreSQL server (TEST_POSTGRES_URL, or an embedded one
// started once for the run; e2e/support/teardown.ts stops it) and the run's database are made here, at config
// load, in the runner process. Workers load this config too: they inherit TEST_POSTGRES_URL and find both made.
if (process.env.TEST_WORKER_INDEX === undefined && !process.env.OPSMERGE_E2E_PG_READY) {
  await ensureTestPostgres("playwright");
}
await preparePostgres();

const chromium = {
  browserName: "chromium" as const,
  // Debian's Chromium: `npx playwright install` cannot download browsers on these machines.
  launchOptions: {
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  },
};

const projects: Project[] = [];
const webServer: NonNullable<PlaywrightTestConfig["webServer"]> = [];

for (const instance of instances()) {
  projects.push(
    { name: `${instance.name}-setup`, testMatch: /auth\.setup\.ts/, use: { ...chromium, baseURL: instance.baseURL } },
    {
      name: instance.name,
      dependencies: [`${instance.name}-setup`],
      testIgnore: /auth\.setup\.ts/,
      use: { ...chromium, baseURL: instance.baseURL, storageState: `e2e/.auth/${instance.name}-setup.json` },
    },
  );
  // Each instance resolves DNS through its own test DNS server, whose records the specs publish
  // (e2e/support/dns-control.ts; see e2e/support/README.md).
  const dns = dnsPortsFor(instance);
  webServer.push({
    command: "npx tsx e2e/support/dns-server-process.ts",
    url: `http://127.0.0.1:${dns.control}/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: "pipe",
    stderr: "pipe",
    env: { E2E_DNS_PORT: String(dns.dns), E2E_DNS_CONTROL_PORT: String(dns.control) },
  });
  // And delivers all outbound mail through OUTBOUND_RELAY to its own receiving MTA, which keeps what it got for the
  // specs (e2e/support/receiving-mta.ts).
  const mta = receivingMtaPortsFor(instance);
  webServer.push({
    command: "npx tsx e2e/support/receiving-mta-process.ts",
    url: `http://127.0.0.1:${mta.control}/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: "pipe",
    stderr: "pipe",
    env: { E2E_MTA_PORT: String(mta.smtp), E2E_MTA_CONTROL_PORT: String(mta.control) },
  });
  webServer.push({
    command: "npx tsx scripts/start.ts",
    url: `${instance.baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      SKIP_BUILD: "1",
      // The specs stand in for a load balancer on loopback: their X-Forwarded-For gives each sign-in its own
      // rate-limit bucket (e2e/support/helpers.ts signIn). Without it the socket address would be the client.
      TRUSTED_PROXIES: "127.0.0.1",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      HOST: "127.0.0.1",
      PORT: String(instance.port),
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(instance.smtpPort),
      MTA_HEALTH_PORT: String(instance.mtaHealthPort),
      DATA_DIR: instance.dataDir,
      APP_URL: instance.baseURL,
      SEED_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: "warn",
      DATABASE_URL: instance.databaseUrl,
      DNS_SERVERS: `127.0.0.1:${dns.dns}`,
      // Real delivery: replies and auto-acknowledgements go to the instance's receiving MTA and move to DELIVERED
      // (e2e/outbound-round-trip.spec.ts). Deferrals, bounces and DSNs are tested in test/mta/outbound*.test.ts.
      OUTBOUND_DELIVERY: "on",
      OUTBOUND_RELAY: `127.0.0.1:${mta.smtp}`,
      // Forwarding canaries in seconds (e2e/health.spec.ts); only tenants that watch an address get them.
      CANARY_TEST_TIMINGS: "on",
      CANARY_INTERVAL_SECONDS: "4",
      CANARY_WAIT_SECONDS: "4",
      HEALTH_CHECK_SECONDS: "2",
      MTA_METRICS_PORT: String(instance.mtaMetricsPort),
    },
  });
}

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  globalTeardown: "./e2e/support/teardown.ts",
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: true,
  // Two instances (web, a clustered MTA, DNS and a receiving MTA each) and Chromium share two cores in CI: a spec
  // that mails through Haraka and waits for the page has been seen taking 33 s there, against 12–17 s on a quiet
  // machine. The budget is for a slow machine, not a bound on speed.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: { trace: "retain-on-failure", screenshot: "only-on-failure" },
  projects,
  webServer,
});
