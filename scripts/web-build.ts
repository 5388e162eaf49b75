/**
 * The web app's production build (`.next/`): whether it is current, and building it. Used by `npm start` (rebuilds
 * only when the sources are newer than the build) and by the tests that run the real web process.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/** Newest modification time among the files that go into the web build (tests do not). */
function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const name of readdirSync(p)) {
        if (name === "node_modules" || name.startsWith(".") || name === "generated" || name === "__tests__") continue;
        walk(path.join(p, name));
      }
    } else if (/\.(tsx?|css|mjs|json)$/.test(p) && !/\.test\.tsx?$/.test(p)) {
      newest = Math.max(newest, s.mtimeMs);
    }
  };
  for (const entry of ["app", "components", "server", "next.config.ts", "proxy.ts", "package.json", "postcss.config.mjs"]) {
    const p = path.join(root, entry);
    if (existsSync(p)) walk(p);
  }
  return newest;
}

/** `.next/BUILD_ID` exists and is newer than every source file. */
export function webBuildIsCurrent(): boolean {
  const buildId = path.join(root, ".next/BUILD_ID");
  return existsSync(buildId) && statSync(buildId).mtimeMs > newestSource();
}

/** Runs `next build` in the project root, output inherited (or discarded). True when it succeeded. */
export function buildWeb(options: { quiet?: boolean } = {}): boolean {
  // `next build` is always a production build; a NODE_ENV of "test" (vitest) would make a broken one.
  const env = { ...process.env, NODE_ENV: "production" as const, NEXT_TELEMETRY_DISABLED: "1" };
  const result = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    cwd: root,
    stdio: options.quiet ? "ignore" : "inherit",
    env,
  });
  return result.status === 0;
}

// `tsx scripts/web-build.ts`: build unless the build is current (what `npm run test:e2e` runs before Playwright;
// the fault tests in `vitest` may already have built it).
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  if (webBuildIsCurrent()) console.log("[web-build] web build is current");
  else if (!buildWeb()) process.exit(1);
}
