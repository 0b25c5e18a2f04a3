/**
 * Start-up of the `roster` executable, as bench/targets.ts launches it (the
 * installed one when dist/ holds a tarball): `roster --version`, and
 * `roster members list` with the daemon up (a one-member org: start-up, not
 * table size), each against `node -e 0`, spawn → exit, alternating.
 */
import { join } from "node:path";
import { scratch, type Ctx } from "../lib/context.ts";
import { cleanEnv, type DaemonProc } from "../lib/daemon.ts";
import { runToExit } from "../lib/proc.ts";
import type { Result } from "../lib/report.ts";
import { OWNER_EMAIL } from "../lib/seed.ts";
import { fmt, median, minMedian } from "../lib/stats.ts";

const timeRun = (command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string) =>
  runToExit(command, args, { env, logFile });

export async function cliRows(ctx: Ctx, d: DaemonProc): Promise<Result[]> {
  const dir = scratch(ctx, "cli");
  const env = cleanEnv(join(dir, "home"), { ROSTER_URL: d.url, ROSTER_TOKEN: ctx.seed.token });
  const log = join(dir, "cli.log");
  const { command, args } = ctx.targets.cli;
  const runs = {
    node: () => timeRun(process.execPath, ["-e", "0"], env, log),
    version: () => timeRun(command, [...args, "--version"], env, log),
    list: () =>
      timeRun(command, [...args, "members", "list", "--org", ctx.seed.startupOrg], env, log),
  };
  const list = await runs.list();
  if (!list.out.includes(OWNER_EMAIL))
    throw new Error(`roster members list did not list the owner:\n${list.out}`);
  if (ctx.cfg.warmups) {
    await runs.node();
    await runs.version();
  }
  const ms: Record<keyof typeof runs, number[]> = { node: [], version: [], list: [] };
  const order: (keyof typeof runs)[] = ["node", "version", "list"];
  for (let r = 0; r < ctx.cfg.cli.reps; r++) {
    for (const k of r % 2 === 0 ? order : [...order].reverse()) ms[k].push((await runs[k]()).ms);
  }
  const base = median(ms.node);
  const row = (name: string, k: "version" | "list", limit: number): Result => ({
    row: name,
    roster: `${fmt(median(ms[k]))} ms`,
    baseline: `${fmt(base)} ms`,
    value: median(ms[k]),
    base,
    budget: { kind: "max-ratio", value: limit },
    notes: [
      `${ctx.cfg.cli.reps} runs each${ctx.cfg.warmups ? " after one unmeasured" : ""}, alternating; spawn → exit ms min / median: ` +
        `roster ${minMedian(ms[k])}, \`node -e 0\` ${minMedian(ms.node)}`,
      `${ctx.targets.installed ? "installed" : "checkout launcher (not yet as installed)"}: ${command} ${args.join(" ")}`,
    ],
  });
  return [
    row("`roster --version`", "version", 2),
    row("`roster members list` (daemon up)", "list", 3),
  ];
}
