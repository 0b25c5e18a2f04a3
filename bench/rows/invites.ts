/**
 * Invitations created per second through the API (`POST …/invites`, N in
 * flight, from this process) against a raw PGlite loop (plain node, another
 * process) running the same statements one invitation's request ran in the
 * daemon, one transaction each.
 *
 * The statements are captured from the daemon itself (bench/capture/
 * preload.mjs, loaded with `node --import` into a separate daemon run), so the
 * baseline follows whatever the daemon does. Both sides write into the same
 * empty orgs (45 invitations each, under the pending limit) of their own copy
 * of the seeded data; rounds alternate which side goes first.
 *
 * Beside the budget's ratio (against the plain raw loop, as SPEC §8 names
 * it), a third side says what stands in the way: the same raw loop with
 * PGlite opened as the daemon opens it — on its durable file layer, an fsync
 * at every commit (SPEC §7) — which no code above the database can beat.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Api, pool } from "../lib/api.ts";
import {
  instantiate,
  makeTemplate,
  readCapture,
  requestStatements,
  type Captured,
  type Invitation,
  type Template,
} from "../capture/statements.ts";
import { baselineScript, scratch, type Ctx } from "../lib/context.ts";
import { cleanEnv, type DaemonProc } from "../lib/daemon.ts";
import { runToExit, waitQuiet } from "../lib/proc.ts";
import type { Result } from "../lib/report.ts";
import { copySeed, PER_ORG } from "../lib/seed.ts";
import { REPO_ROOT } from "../targets.ts";
import { startRecorded, type Recorded } from "../capture/recorder.ts";
import { fmt, median, minMedian, percentile } from "../lib/stats.ts";

export interface CaptureOutcome {
  template: Template;
  captures: Captured[];
  /** Set when the statements come from another daemon than the measured one. */
  note?: string;
}

/** A daemon with the statement recorder, writing to `log`. */
export interface Recording extends Recorded {
  log: string;
}

/** A daemon with the statement recorder on its own copy of the seeded data. */
export async function startRecording(ctx: Ctx): Promise<Recording> {
  const dir = scratch(ctx, "capture");
  const log = join(dir, "capture.jsonl");
  const dataDir = copySeed(ctx.seedDir, join(dir, "data"));
  const recorded = await startRecorded(ctx, dataDir, { ROSTER_BENCH_CAPTURE: log });
  return { ...recorded, log };
}

/**
 * Two warm-up invitations, then two captured ones, in the capture org, on
 * a recording daemon: a fresh one (stopped after), or `on`.
 */
export async function captureInvitation(ctx: Ctx, on?: Recording): Promise<CaptureOutcome> {
  const { d, log, note } = on ?? (await startRecording(ctx));
  const api = new Api(d.url, ctx.seed.token);
  const org = ctx.seed.captureOrg;
  const windows: { from: number; to: number }[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      await waitQuiet(d.pid, { windowMs: ctx.cfg.quietMs });
      const from = performance.timeOrigin + performance.now();
      await api.createInvite(org, `capture-${i}@bench.example`);
      windows.push({ from, to: performance.timeOrigin + performance.now() });
    }
    await waitQuiet(d.pid, { windowMs: ctx.cfg.quietMs });
  } finally {
    if (!on) await d.stop();
  }
  const records = readCapture(log);
  const route = `POST /api/v2/orgs/${org}/invites`;
  const captures = windows.slice(2).map((w) => requestStatements(records, route, w));
  const template = makeTemplate(captures[0]!.invitation, captures[1]!.invitation, org);
  return note ? { template, captures, note } : { template, captures };
}

export async function apiRound(d: DaemonProc, ctx: Ctx, orgs: string[], n: number, tag: string) {
  const api = new Api(d.url, ctx.seed.token);
  const lat: number[] = [];
  const t0 = performance.now();
  await pool(n, ctx.cfg.invites.inFlight, async (i) => {
    const t = performance.now();
    await api.createInvite(orgs[Math.floor(i / PER_ORG)]!, `${tag}-${i}@bench.example`);
    lat.push(performance.now() - t);
  });
  const ms = performance.now() - t0;
  await waitQuiet(d.pid, { windowMs: ctx.cfg.quietMs }); // the mail worker's deliveries of this round, before the other side runs
  return { perS: (n / ms) * 1000, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

interface RawOutcome {
  n: number;
  ms: number;
  perS: number;
  p50: number;
  p99: number;
}

/**
 * One round of the raw loop on `dataDir`: PGlite with its defaults, or
 * `durable` — opened as the daemon opens it (pglite-loop.mjs --durable).
 */
async function rawRound(
  ctx: Ctx,
  dataDir: string,
  t: Template,
  orgs: string[],
  n: number,
  durable = false,
) {
  const now = Date.now();
  const plan: { warmup: Invitation[]; measured: Invitation[] } = {
    warmup: Array.from({ length: ctx.cfg.invites.warmup }, () =>
      instantiate(t, ctx.seed.warmOrg, now),
    ),
    measured: Array.from({ length: n }, (_, i) =>
      instantiate(t, orgs[Math.floor(i / PER_ORG)]!, now),
    ),
  };
  const planFile = join(dataDir, "..", `plan-${orgs[0]}.json`);
  writeFileSync(planFile, JSON.stringify(plan));
  const script = baselineScript("pglite-loop.mjs");
  // The durable layer is the daemon's TypeScript: tsx loads it (not timed).
  const args = durable
    ? ["--import", "tsx", script, dataDir, planFile, "--durable"]
    : [script, dataDir, planFile];
  const name = durable ? "pglite-loop-durable" : "pglite-loop";
  const { out } = await runToExit(
    process.execPath,
    args,
    {
      env: cleanEnv(join(ctx.work, "home")),
      cwd: REPO_ROOT,
      logFile: join(ctx.work, `${name}.log`),
    },
    `${name} (log in ${ctx.work})`,
  );
  const result = JSON.parse(out) as RawOutcome;
  if (result.n !== n) throw new Error(`pglite-loop.mjs ran ${result.n} invitations, not ${n}`);
  return result;
}

/**
 * The row: `capture` from captureInvitation(), the API side on the running
 * daemon `d`, the raw side on its own copy of the seeded data.
 */
export async function inviteRow(ctx: Ctx, d: DaemonProc, capture: CaptureOutcome): Promise<Result> {
  const { cfg, seed } = ctx;
  const rawDir = copySeed(ctx.seedDir, join(scratch(ctx, "invites"), "raw"));
  const durableDir = copySeed(ctx.seedDir, join(scratch(ctx, "invites"), "durable"));
  const perOrgs = Math.ceil(cfg.invites.perRound / PER_ORG);
  if (seed.rotationOrgs.length < perOrgs * cfg.invites.rounds)
    throw new Error(`the seed has ${seed.rotationOrgs.length} rotation orgs, too few`);

  const api: Awaited<ReturnType<typeof apiRound>>[] = [];
  const raw: RawOutcome[] = [];
  const durable: RawOutcome[] = [];
  const warm = new Api(d.url, seed.token);
  await pool(cfg.invites.warmup, cfg.invites.inFlight, async (i) => {
    await warm.createInvite(seed.warmOrg, `warm-${i}@bench.example`);
  });
  await waitQuiet(d.pid, { windowMs: ctx.cfg.quietMs });
  for (let r = 0; r < cfg.invites.rounds; r++) {
    const orgs = seed.rotationOrgs.slice(r * perOrgs, (r + 1) * perOrgs);
    const runApi = async () =>
      api.push(await apiRound(d, ctx, orgs, cfg.invites.perRound, `r${r}`));
    const runRaw = async () =>
      raw.push(await rawRound(ctx, rawDir, capture.template, orgs, cfg.invites.perRound));
    const runDurable = async () =>
      durable.push(
        await rawRound(ctx, durableDir, capture.template, orgs, cfg.invites.perRound, true),
      );
    const sides = [runApi, runRaw, runDurable];
    // Each round starts with another side, so no side always runs first.
    for (let i = 0; i < sides.length; i++) await sides[(r + i) % sides.length]!();
  }
  const apiPerS = median(api.map((x) => x.perS));
  const durablePerS = median(durable.map((x) => x.perS));
  const inv = capture.template.invitation;
  const c = capture.captures[1]!;
  const result: Result = {
    row: `invitations created per second (${cfg.invites.inFlight} in flight)`,
    roster: `${fmt(apiPerS)} /s`,
    baseline: `${fmt(median(raw.map((x) => x.perS)))} tx/s`,
    value: apiPerS,
    base: median(raw.map((x) => x.perS)),
    budget: { kind: "min-ratio", value: 0.5 },
    aside: `${fmt(apiPerS / durablePerS)}× of the raw loop with the daemon's fsyncs`,
    notes: [
      `the raw loop on the daemon's durable file layer (PGlite opened as the daemon opens it: an fsync ` +
        `at every commit, SPEC §7): ${fmt(durablePerS)} tx/s, min / median ${minMedian(durable.map((x) => x.perS))}, ` +
        `p50 / p99 ${fmt(median(durable.map((x) => x.p50)))} / ${fmt(median(durable.map((x) => x.p99)))} ms; ` +
        `Roster reaches ${fmt(apiPerS / durablePerS)}× of it; the database's own fsyncs bring the raw loop to ` +
        `${fmt(durablePerS / median(raw.map((x) => x.perS)))}× of its plain self`,
      `${cfg.invites.rounds} × ${cfg.invites.perRound} invitations per side, alternating; ` +
        `per second min / median: Roster ${minMedian(api.map((x) => x.perS))}, raw ${minMedian(raw.map((x) => x.perS))}`,
      `latency p50 / p99 ms (median of rounds): Roster ${fmt(median(api.map((x) => x.p50)))} / ${fmt(median(api.map((x) => x.p99)))}, ` +
        `raw (one at a time) ${fmt(median(raw.map((x) => x.p50)))} / ${fmt(median(raw.map((x) => x.p99)))}`,
      `one invitation's request, as captured (${c.attribution}): ${inv.length} transaction(s) of ` +
        `${inv.map((tx) => tx.length).join(" + ")} statements, plus ${c.outside.length} statement(s) outside any transaction; ` +
        `the mail worker's own transactions (delivery state) run beside the API side and are not in the baseline` +
        (capture.note ? `; ${capture.note}` : ""),
    ],
  };
  return result;
}
