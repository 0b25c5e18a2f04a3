/**
 * Daemons with the statement recorder (preload.mjs) loaded. The recorder
 * wraps the daemon's own `@electric-sql/pglite` module; a daemon whose PGlite
 * cannot be found as a package (an installed Roster that bundles it) is
 * recorded from the checkout instead — the statements do not depend on the
 * packaging — and the note says so.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Ctx } from "../lib/context.ts";
import { startDaemon, type DaemonProc } from "../lib/daemon.ts";
import { checkoutTargets, REPO_ROOT, type Targets } from "../targets.ts";

export const PRELOAD = join(REPO_ROOT, "bench", "capture", "preload.mjs");

/** Whether `@electric-sql/pglite` resolves as a package from `dir` (as preload.mjs looks it up). */
export function pgliteResolvable(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, "node_modules", "@electric-sql", "pglite", "package.json"))) return true;
    if (dirname(d) === d) return false;
  }
}

export function recordable(targets: Targets): { targets: Targets; note?: string } {
  if (pgliteResolvable(targets.pgliteFrom)) return { targets };
  return {
    targets: checkoutTargets(),
    note: "recorded on the checkout's daemon: the measured one bundles PGlite, which the recorder cannot wrap",
  };
}

export interface Recorded {
  d: DaemonProc;
  /** Set when the recording daemon is not the measured one. */
  note?: string;
}

/** A daemon on `dataDir` with the recorder; `env` selects what it writes (see preload.mjs). */
export async function startRecorded(
  ctx: Pick<Ctx, "targets">,
  dataDir: string,
  env: Record<string, string>,
): Promise<Recorded> {
  const { targets, note } = recordable(ctx.targets);
  const d = await startDaemon(targets, dataDir, {
    nodeArgs: [`--import=${pathToFileURL(PRELOAD).href}`],
    env: { ROSTER_BENCH_PGLITE_FROM: targets.pgliteFrom, ...env },
  });
  return note ? { d, note } : { d };
}
