/**
 * The shape of server/: no import cycle between its folders (issue 15, item 1), and server/mail/ a leaf library
 * that imports nothing above it. Reads the import statements of every product file under server/ (tests and the
 * generated Prisma clients aside) and fails naming the folders of each cycle it finds.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SERVER = path.resolve(import.meta.dirname, "..");

function productFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "generated" || name === "__tests__" ? [] : productFiles(full);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

/** The folder directly under server/ a file belongs to; a file at server/'s root is its own node. */
function folderOf(file: string): string {
  const rel = path.relative(SERVER, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.tsx?$/, "");
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g;

/** Folder → folders it imports (relative and "@/server/…" specifiers). */
export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of productFiles(SERVER)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      const target = spec.startsWith("@/server/")
        ? path.join(SERVER, spec.slice("@/server/".length))
        : spec.startsWith(".")
          ? path.resolve(path.dirname(file), spec)
          : null;
      if (!target || !target.startsWith(SERVER + path.sep)) continue;
      const to = folderOf(target.endsWith(".ts") ? target : `${target}.ts`);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

describe("server/ layers (issue 15)", () => {
  it("has no import cycle between its folders", () => {
    expect(cycles(folderGraph())).toEqual([]);
  });

  // domain-names (the one normaliseDomain) is itself a leaf: it imports only errors.
  it("keeps server/mail/ a leaf: it imports only errors, dns, domain-names and itself", () => {
    const leaves = ["errors", "dns", "domain-names"];
    expect([...(folderGraph().get("mail") ?? [])].filter((f) => !leaves.includes(f))).toEqual([]);
    expect([...(folderGraph().get("domain-names") ?? [])].filter((f) => f !== "errors")).toEqual([]);
  });
});
