/**
 * How the end-to-end tests run the checkout's `roster` and daemon processes:
 * from the built bundle (packages/tui/dist, what the package ships) when it
 * was built from the sources as they are now, else the sources through tsx.
 *
 * `pnpm test` builds first, so the suite runs the bundle: a command or a
 * daemon starts in a fraction of the time tsx needs to load and transform
 * every module on each run (the TUI's Ink and React most of all). A plain
 * `pnpm vitest run <file>` after editing a source without `pnpm -s build`
 * still tests the edit: the bundle is then out of date (a file it was built
 * from is newer than its metafile, or gone), and the sources are run instead.
 *
 * The daemon: `runDaemonCli` (what packages/daemon/src/main.ts runs) from the
 * bundle's chunk of @roster/daemon, through support/built-daemon.mjs, so it
 * takes main.ts's flags as they are.
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TUI = join(REPO_ROOT, "packages/tui");
/** The `roster` executable's source entry point (run through tsx). */
export const ROSTER_SOURCE_BIN = join(TUI, "src/bin.ts");
/** The built entry point (`pnpm -s build`). */
export const ROSTER_DIST_BIN = join(TUI, "dist/bin.js");
/** tsx's loader, as a URL that `--import` takes from any working directory. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The daemon's source entry point (run through tsx). */
export const DAEMON_SOURCE_MAIN = join(REPO_ROOT, "packages/daemon/src/main.ts");
const BUILT_DAEMON = join(REPO_ROOT, "test/support/built-daemon.mjs");

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { entryPoint?: string; exports?: string[] }>;
}

/** dist/'s metafile when dist/ was built from the files as they are now (each input is older). */
let freshMeta: Metafile | null | undefined;
function freshDist(): Metafile | null {
  freshMeta ??= (() => {
    try {
      const metaFile = join(TUI, "dist/meta.json");
      const builtAt = statSync(metaFile).mtimeMs;
      const meta = JSON.parse(readFileSync(metaFile, "utf8")) as Metafile;
      statSync(ROSTER_DIST_BIN);
      for (const input of Object.keys(meta.inputs)) {
        // A plugin's namespace ("zod-locales:/abs/path") prefixes some.
        const path = input.replace(/^[a-z-]+:(?=\/)/, "");
        if (statSync(resolve(TUI, path)).mtimeMs > builtAt) return null;
      }
      return meta;
    } catch {
      return null;
    }
  })();
  return freshMeta;
}

/** Whether dist/ was built from the files as they are now. */
export function distIsFresh(): boolean {
  return freshDist() !== null;
}

/** The command and arguments that run `roster <args>` from the checkout. */
export function rosterCommand(args: readonly string[] = []): [string, string[]] {
  return distIsFresh()
    ? [process.execPath, [ROSTER_DIST_BIN, ...args]]
    : [process.execPath, ["--import", TSX_LOADER, ROSTER_SOURCE_BIN, ...args]];
}

/** The bundle's chunk of @roster/daemon (its entry, exporting runDaemonCli), if dist/ is fresh. */
function builtDaemonChunk(): string | undefined {
  const meta = freshDist();
  if (!meta) return undefined;
  for (const [file, out] of Object.entries(meta.outputs)) {
    if (out.entryPoint === "../daemon/src/index.ts" && out.exports?.includes("runDaemonCli"))
      return join(TUI, file);
  }
  return undefined;
}

/** The command and arguments that run the daemon (main.ts's flags) from the checkout. */
export function daemonCommand(args: readonly string[] = []): [string, string[]] {
  const chunk = builtDaemonChunk();
  return chunk
    ? [process.execPath, [BUILT_DAEMON, chunk, ...args]]
    : [process.execPath, ["--import", TSX_LOADER, DAEMON_SOURCE_MAIN, ...args]];
}
