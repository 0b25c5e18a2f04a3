/**
 * The one place that says how the bench launches Roster.
 *
 * - From the checkout (today): the daemon is
 *   `node --import tsx packages/daemon/src/main.ts`, the CLI is
 *   `node packages/tui/bin/roster.js` (whatever that launcher runs: tsx and
 *   the TypeScript sources today, a build once there is one).
 * - As installed: when `dist/` holds a packed tarball (`pnpm run package` →
 *   `dist/roster-<version>.tgz`), it is installed with npm into a temporary
 *   prefix (cached per tarball) and `<prefix>/bin/roster` is measured: the
 *   CLI rows run it, and the daemon is `roster daemon`.
 *
 * `ROSTER_BENCH_FROM=checkout` forces the checkout even when a tarball exists.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface Command {
  command: string;
  args: string[];
}

export interface Targets {
  /**
   * `roster daemon`-equivalent, run by this node (so that node flags such as
   * `--cpu-prof` can go first); the bench appends `--port`, `--data-dir`, …
   */
  daemon: Command;
  /** The `roster` executable; the bench appends the subcommand. */
  cli: Command;
  /** Where both come from, for the report. */
  label: string;
  installed: boolean;
  /** Directory to resolve the daemon's own `@electric-sql/pglite` from (statement capture). */
  pgliteFrom: string;
}

export function checkoutTargets(): Targets {
  return {
    daemon: {
      command: process.execPath,
      args: ["--import", "tsx", join(REPO_ROOT, "packages/daemon/src/main.ts")],
    },
    cli: { command: process.execPath, args: [join(REPO_ROOT, "packages/tui/bin/roster.js")] },
    label:
      "checkout: daemon `node --import tsx packages/daemon/src/main.ts`, CLI `node packages/tui/bin/roster.js`",
    installed: false,
    pgliteFrom: join(REPO_ROOT, "packages/daemon"),
  };
}

/** The newest `dist/roster-*.tgz`, if any. */
export function findTarball(root = REPO_ROOT): string | undefined {
  const dist = join(root, "dist");
  if (!existsSync(dist)) return undefined;
  const tgz = readdirSync(dist)
    .filter((f) => /^roster-.+\.tgz$/.test(f))
    .map((f) => join(dist, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return tgz[0];
}

/** Install `tarball` with npm into a cached temporary prefix; returns the prefix. */
export function installTarball(tarball: string): string {
  const hash = createHash("sha256").update(readFileSync(tarball)).digest("hex").slice(0, 16);
  const prefix = join(tmpdir(), `roster-bench-install-${hash}`);
  if (existsSync(join(prefix, "bin", "roster"))) return prefix;
  const building = `${prefix}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  execFileSync(
    "npm",
    ["install", "--global", "--prefix", building, "--no-audit", "--no-fund", tarball],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  try {
    renameSync(building, prefix);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another run won the race
  }
  return prefix;
}

/** The installed package's directory under a global npm prefix. */
function installedPackageDir(prefix: string): string {
  const lib = join(prefix, "lib", "node_modules");
  const names = readdirSync(lib).flatMap((n) =>
    n.startsWith("@") ? readdirSync(join(lib, n)).map((m) => `${n}/${m}`) : [n],
  );
  const found = names.find((n) => existsSync(join(lib, n, "package.json")));
  return found ? join(lib, found) : lib;
}

export function resolveTargets(
  env: NodeJS.ProcessEnv = process.env,
  root: string = REPO_ROOT,
): Targets {
  const tarball = env.ROSTER_BENCH_FROM === "checkout" ? undefined : findTarball(root);
  if (!tarball) return checkoutTargets();
  const prefix = installTarball(tarball);
  const roster = join(prefix, "bin", "roster");
  return {
    // What the bin's `#!/usr/bin/env node` runs, with this node.
    daemon: { command: process.execPath, args: [realpathSync(roster), "daemon"] },
    cli: { command: roster, args: [] },
    label: `installed: ${tarball} → ${roster}`,
    installed: true,
    pgliteFrom: installedPackageDir(prefix),
  };
}
