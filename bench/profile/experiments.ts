/**
 * A/B experiments that size a suspected cause in the same run:
 * - fan-out: the raw `ws` broadcast sending the frame as a string (ws
 *   encodes it per client, as the daemon does) against bytes encoded once;
 * - logging: the list load on a daemon at `--log-level info` (one line per
 *   request, as users run it) against one at `warn`, alternating;
 * - the CLI's start: `roster --version` and `roster members list` under
 *   `--cpu-prof`, how much of it is loading modules.
 */
import { mkdirSync, readdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { scratch, startBaseline, type Ctx } from "../lib/context.ts";
import { cleanEnv, startDaemon } from "../lib/daemon.ts";
import { spawnProc } from "../lib/proc.ts";
import { copySeed } from "../lib/seed.ts";
import { fmt, median, percentile } from "../lib/stats.ts";
import { connect, Group } from "../rows/fanout.ts";
import { cannon } from "../rows/lists.ts";
import { readProfile, renderSummary, summarize } from "./cpu-profile.ts";

export async function encodeOnce(ctx: Ctx, bytes = 512): Promise<string> {
  const n = Math.max(...ctx.cfg.fanout.sessions);
  const ws = await startBaseline(ctx, "ws-broadcast.mjs", (port) => [String(port)]);
  const g = new Group(n);
  const lat: Record<"string" | "once", number[]> = { string: [], once: [] };
  try {
    await connect(g, ws.url.replace("http", "ws"), {}, undefined);
    for (let i = 0; i < 2 * (ctx.cfg.fanout.changes + ctx.cfg.fanout.warmup); i++) {
      const mode = i % 2 === 0 ? "string" : "once";
      const res = await fetch(`${ws.url}/broadcast?size=${bytes}&once=${mode === "once" ? 1 : 0}`, {
        method: "POST",
      });
      const a = await g.complete(`v${await res.text()}`);
      if (i >= 2 * ctx.cfg.fanout.warmup) lat[mode].push(a.last - a.at);
    }
  } finally {
    g.close();
    await ws.stop();
  }
  const show = (xs: number[]) => `${fmt(median(xs))} / ${fmt(percentile(xs, 99))}`;
  return [
    `#### Fan-out: one ${bytes}-byte frame to ${n} clients of the raw ws server, encoded per client or once`,
    "",
    "| send | stamp → all, median / p99 ms |",
    "|---|---:|",
    `| \`client.send(string)\` (ws encodes it for each client, as the daemon does) | ${show(lat.string)} |`,
    `| \`client.send(Buffer.from(string))\` (encoded once) | ${show(lat.once)} |`,
  ].join("\n");
}

export async function logging(ctx: Ctx): Promise<string> {
  const dir = scratch(ctx, "logging");
  const levels = ["info", "warn"] as const;
  const daemons = await Promise.all(
    levels.map((level) =>
      startDaemon(ctx.targets, copySeed(ctx.seedDir, join(dir, level)), { logLevel: level }),
    ),
  );
  const rps: Record<string, number[]> = {};
  try {
    const http = { ...ctx.cfg.http, amount: undefined };
    for (let r = 0; r < Math.max(2, ctx.cfg.http.rounds); r++) {
      for (const what of ["members", "invites"]) {
        const order = r % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) {
          const url = `${daemons[i]!.url}/api/v2/orgs/${ctx.seed.bigOrg}/${what}`;
          const key = `${what} ${levels[i]}`;
          (rps[key] ??= []).push(
            (await cannon(url, ctx.seed.token, ctx.cfg.http.seconds, http)).rps,
          );
        }
      }
    }
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
  }
  const m = (k: string) => fmt(median(rps[k] ?? []));
  return [
    "#### Logging: the list load at `--log-level info` (a line per request) and `warn`, alternating",
    "",
    "| route | info, req/s | warn, req/s |",
    "|---|---:|---:|",
    ...["members", "invites"].map((w) => `| GET …/${w} | ${m(`${w} info`)} | ${m(`${w} warn`)} |`),
  ].join("\n");
}

export async function cliProfiles(ctx: Ctx): Promise<string> {
  const dir = scratch(ctx, "cli-prof");
  const d = await startDaemon(ctx.targets, copySeed(ctx.seedDir, join(dir, "data")));
  const { command, args } = ctx.targets.cli;
  // Run the CLI's script with this node, so --cpu-prof can go first.
  const script = command === process.execPath ? args : [realpathSync(command), ...args];
  const env = cleanEnv(join(dir, "home"), { ROSTER_URL: d.url, ROSTER_TOKEN: ctx.seed.token });
  const out: string[] = [];
  try {
    for (const [label, sub] of [
      ["`roster --version`", ["--version"]],
      ["`roster members list` (daemon up)", ["members", "list", "--org", ctx.seed.startupOrg]],
    ] as const) {
      const prof = join(dir, `prof-${out.length}`);
      mkdirSync(prof);
      const p = spawnProc(
        process.execPath,
        ["--cpu-prof", `--cpu-prof-dir=${prof}`, ...script, ...sub],
        { env, logFile: join(dir, "cli.log") },
      );
      const code = await p.exited;
      const ms = performance.now() - p.spawnedAt;
      const file = readdirSync(prof).find((f) => f.endsWith(".cpuprofile"));
      if (code !== 0 || !file) throw new Error(`${label} exited ${code} (${dir})`);
      const s = summarize(readProfile(join(prof, file)), {
        "module loading (Node's ESM loader; tsx compiles on its loader thread)":
          /internal\/modules\//,
        "zod (building schemas)": /(^|\/)zod[/@]/,
        commander: /(^|\/)commander[/@]/,
      });
      out.push(renderSummary(`CLI: ${label}, spawn → exit ${fmt(ms)} ms under --cpu-prof`, s));
    }
  } finally {
    await d.stop();
  }
  return out.join("\n\n");
}
