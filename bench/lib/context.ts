/** What every row gets: the sizes of this run, the targets, the seed, a work directory. */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, type Targets } from "../targets.ts";
import { cleanEnv } from "./daemon.ts";
import { freePort, spawnProc, stopProc, waitHealth, type Proc } from "./proc.ts";
import { PER_ORG, type Seed, type SeedSize } from "./seed.ts";

export interface BenchConfig {
  name: "full" | "quick" | "smoke";
  seed: SeedSize;
  /**
   * autocannon: seconds per measurement, warm-up seconds, A/B rounds, connections;
   * `amount` (requests) instead of seconds for smoke runs (autocannon runs ≥ 1 s otherwise).
   */
  http: {
    seconds: number;
    warmupSeconds: number;
    rounds: number;
    connections: number;
    amount?: number;
  };
  /** Invitations per measured round, warm-up invitations, requests in flight, A/B rounds. */
  invites: { perRound: number; warmup: number; inFlight: number; rounds: number };
  /** Session counts; measured and warm-up changes per count. */
  fanout: { sessions: number[]; changes: number; warmup: number };
  /** Restarts (and PGlite opens) measured, alternating. */
  restart: { reps: number };
  /** Runs of each command, alternating with `node -e 0`. */
  cli: { reps: number };
  /** Also measure a first start on an empty data directory. */
  firstStart: boolean;
  /** "Quiet" means under 3–5 % CPU over this many ms (mail sent, timers done). */
  quietMs: number;
  /** Unmeasured runs before measuring (OS caches, JIT). */
  warmups: boolean;
}

function rotation(perRound: number, rounds: number): number {
  return Math.ceil(perRound / PER_ORG) * rounds;
}

export const CONFIGS: Record<BenchConfig["name"], BenchConfig> = {
  full: {
    name: "full",
    seed: { members: 1000, pending: 50, rotationOrgs: 40 },
    http: { seconds: 5, warmupSeconds: 1, rounds: 3, connections: 10 },
    invites: { perRound: 300, warmup: 30, inFlight: 8, rounds: 3 },
    // 100 changes: p99 is then not simply the slowest one.
    fanout: { sessions: [100, 1000], changes: 100, warmup: 5 },
    restart: { reps: 3 },
    cli: { reps: 5 },
    firstStart: true,
    quietMs: 500,
    warmups: true,
  },
  quick: {
    name: "quick",
    seed: { members: 100, pending: 10, rotationOrgs: rotation(90, 1) },
    http: { seconds: 1, warmupSeconds: 0.5, rounds: 1, connections: 10 },
    invites: { perRound: 90, warmup: 10, inFlight: 8, rounds: 1 },
    fanout: { sessions: [20, 100], changes: 8, warmup: 2 },
    restart: { reps: 1 },
    cli: { reps: 2 },
    firstStart: false,
    quietMs: 300,
    warmups: true,
  },
  smoke: {
    name: "smoke",
    seed: { members: 3, pending: 2, rotationOrgs: 1 },
    http: { seconds: 1, warmupSeconds: 1, rounds: 1, connections: 2, amount: 20 },
    invites: { perRound: 5, warmup: 1, inFlight: 2, rounds: 1 },
    fanout: { sessions: [3], changes: 2, warmup: 1 },
    restart: { reps: 1 },
    cli: { reps: 1 },
    firstStart: false,
    quietMs: 100,
    warmups: false,
  },
};

export interface Ctx {
  cfg: BenchConfig;
  targets: Targets;
  seed: Seed;
  /** The cached seed directory (copy it with copySeed before use). */
  seedDir: string;
  /** This run's scratch directory. */
  work: string;
  log(line: string): void;
}

/** A new directory under the run's scratch directory. */
export function scratch(ctx: Pick<Ctx, "work">, name: string): string {
  return mkdtempSync(join(ctx.work, `${name}-`));
}

export function baselineScript(name: string): string {
  return join(REPO_ROOT, "bench", "baselines", name);
}

export interface Server {
  proc: Proc;
  url: string;
  port: number;
  /** spawn() → first passing /health, ms. */
  startMs: number;
  stop(): Promise<number | string>;
}

/**
 * Start a baseline script (plain node, no tsx) that serves /health on a
 * port; `args(port)` builds its arguments.
 */
export async function startBaseline(
  ctx: Pick<Ctx, "work">,
  script: string,
  args: (port: number) => string[],
  env: Record<string, string> = {},
): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnProc(process.execPath, [baselineScript(script), ...args(port)], {
    env: cleanEnv(join(ctx.work, "home"), env),
    cwd: REPO_ROOT,
    logFile: join(ctx.work, `${script}.log`),
  });
  try {
    const ready = await waitHealth(url, proc, { what: script, timeoutMs: 120_000 });
    return { proc, url, port, startMs: ready - proc.spawnedAt, stop: () => stopProc(proc) };
  } catch (e) {
    await stopProc(proc);
    throw e;
  }
}
