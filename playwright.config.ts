import { defineConfig, type PlaywrightTestConfig, type Project } from "@playwright/test";
import { dnsPortsFor } from "./e2e/support/dns-control";
import { ADMIN_PASSWORD, instances, preparePostgres } from "./e2e/support/instances";

// webServer entries start before globalSetup, so the fresh PostgreSQL database is made here, at config load.
await preparePostgres();

const chromium = {
  browserName: "chromium" as const,
  // Debian's Chromium: `npx playwright install` cannot download browsers on these machines.
  launchOptions: {
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
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
  webServer.push({
    command: "npx tsx scripts/start.ts",
    url: `${instance.baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      SKIP_BUILD: "1",
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
      // The e2e instances have no receiving MTA to deliver to: replies stay QUEUED, as the composer specs expect.
      // Delivery itself is tested over real SMTP in test/mta/outbound*.test.ts.
      OUTBOUND_DELIVERY: "off",
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
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: { trace: "retain-on-failure", screenshot: "only-on-failure" },
  projects,
  webServer,
});
