/**
 * How the end-to-end tests run the checkout's `roster`: the built bundle
 * (packages/tui/dist/bin.js, what the package ships) when it was built from
 * the sources as they are now, else the sources through tsx.
 *
 * `pnpm test` builds first, so the suite runs the bundle: a command starts in
 * a fraction of the time tsx needs to load and transform every module on each
 * run (the TUI's Ink and React most of all). A plain `pnpm vitest run <file>`
 * after editing a source without `pnpm -s build` still tests the edit: the
 * bundle is then out of date (a file it was built from is newer than its
 * metafile, or gone), and the sources are run instead.
 */
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "./daemon.ts";

const TUI = join(REPO_ROOT, "packages/tui");
/** The `roster` executable's source entry point (run through tsx). */
export const ROSTER_SOURCE_BIN = join(TUI, "src/bin.ts");
/** The built entry point (`pnpm -s build`). */
export const ROSTER_DIST_BIN = join(TUI, "dist/bin.js");
/** tsx's loader, as a URL that `--import` takes from any working directory. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

let fresh: boolean | undefined;

/** Whether dist/ was built from the files as they are now (every input of its metafile is older). */
export function distIsFresh(): boolean {
  fresh ??= (() => {
    try {
      const metaFile = join(TUI, "dist/meta.json");
      const builtAt = statSync(metaFile).mtimeMs;
      const meta = JSON.parse(readFileSync(metaFile, "utf8")) as {
        inputs: Record<string, unknown>;
      };
      statSync(ROSTER_DIST_BIN);
      for (const input of Object.keys(meta.inputs)) {
        // A plugin's namespace ("zod-locales:/abs/path") prefixes some.
        const path = input.replace(/^[a-z-]+:(?=\/)/, "");
        if (statSync(resolve(TUI, path)).mtimeMs > builtAt) return false;
      }
      return true;
    } catch {
      return false;
    }
  })();
  return fresh;
}

/** The command and arguments that run `roster <args>` from the checkout. */
export function rosterCommand(args: readonly string[] = []): [string, string[]] {
  return distIsFresh()
    ? [process.execPath, [ROSTER_DIST_BIN, ...args]]
    : [process.execPath, ["--import", TSX_LOADER, ROSTER_SOURCE_BIN, ...args]];
}
