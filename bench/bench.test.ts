/**
 * Keeps the bench from rotting: its building blocks, run for real (real
 * daemon process, real sockets, real PGlite) at smoke size. Nothing here
 * is timed — the figures are not checked, only that every row measured
 * both sides.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runBench } from "./bench.ts";
import { recordable } from "./capture/recorder.ts";
import { startBaseline } from "./lib/context.ts";
import { rssMB } from "./lib/proc.ts";
import { copySeed } from "./lib/seed.ts";
import { checkoutTargets, findTarball, resolveTargets } from "./targets.ts";

const scratch = mkdtempSync(join(tmpdir(), "roster-bench-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("pnpm bench, smoke size", () => {
  it("measures Roster and its baseline for the list, invitation, fan-out and CLI rows", async () => {
    const run = await runBench({
      config: "smoke",
      rows: ["lists", "invites", "fanout", "cli"],
      targets: checkoutTargets(),
      log: () => {},
    });
    expect(run.results.map((r) => r.row)).toEqual([
      "`GET …/members` (3 members, 2 pending)",
      "`GET …/invites` (3 members, 2 pending)",
      "invitations created per second (2 in flight)",
      "commit → frame at every session, 3 sessions (p99)",
      "`roster --version`",
      "`roster members list` (daemon up)",
    ]);
    for (const r of run.results) {
      expect(r.value, r.row).toBeGreaterThan(0);
      expect(r.base, r.row).toBeGreaterThan(0);
    }
    // The statements of one invitation were captured from the daemon, by request.
    const invites = run.results[2]!.notes!.join("\n");
    expect(invites).toMatch(/as captured \(request\): [1-9]\d* transaction\(s\)/);
    // ...and ran again on the daemon's durable file layer, the figure beside the ratio.
    const durable = /the daemon's durable file layer .*?: ([\d.,]+) tx\/s/.exec(invites);
    expect(Number(durable?.[1]?.replace(/,/g, ""))).toBeGreaterThan(0);
    expect(run.results[2]!.aside).toMatch(/^[\d.,]+× of the raw loop with the daemon's fsyncs$/);

    // The PGlite-alone baseline opens the same seeded data and answers /health.
    const dataDir = copySeed(run.ctx.seedDir, join(scratch, "pglite"));
    const p = await startBaseline({ work: scratch }, "pglite-open.mjs", (port) => [
      dataDir,
      String(port),
    ]);
    expect(rssMB(p.proc.pid)).toBeGreaterThan(10);
    expect(await p.stop()).toBe(0);
  }, 120_000);

  it("installs the newest dist/roster-*.tgz into a prefix and runs that roster", () => {
    const root = join(scratch, "repo");
    expect(resolveTargets({}, root).installed).toBe(false);
    // A stand-in package with a `roster` bin, packed as `pnpm run package` will pack Roster.
    const pkg = join(scratch, "pkg");
    mkdirSync(join(pkg, "bin"), { recursive: true });
    const version = `0.0.${Date.now()}`;
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({ name: "roster", version, bin: { roster: "bin/roster.js" } }),
    );
    writeFileSync(
      join(pkg, "bin", "roster.js"),
      `#!/usr/bin/env node\nconsole.log(process.argv[2] === "--version" ? "${version}" : "?");\n`,
      { mode: 0o755 },
    );
    mkdirSync(join(root, "dist"), { recursive: true });
    execFileSync("npm", ["pack", "--pack-destination", join(root, "dist"), pkg], {
      stdio: "ignore",
    });
    const older = join(root, "dist", "roster-0.0.1.tgz");
    writeFileSync(older, "");
    utimesSync(older, 1_000, 1_000);
    expect(findTarball(root)).toBe(join(root, "dist", `roster-${version}.tgz`));

    const t = resolveTargets({}, root);
    expect(t.installed).toBe(true);
    expect(t.cli.command).toMatch(/roster-bench-install-[0-9a-f]+\/bin\/roster$/);
    const out = execFileSync(t.cli.command, [...t.cli.args, "--version"], { encoding: "utf8" });
    expect(out.trim()).toBe(version);
    // Its PGlite (none here; bundled in Roster's) cannot be wrapped: statements come from the checkout.
    const r = recordable(t);
    expect(r.targets).toEqual(checkoutTargets());
    expect(r.note).toMatch(/checkout/);
    expect(recordable(checkoutTargets())).toEqual({ targets: checkoutTargets() });
    rmSync(dirname(dirname(t.cli.command)), { recursive: true, force: true });
    expect(resolveTargets({ ROSTER_BENCH_FROM: "checkout" }, root).installed).toBe(false);
  }, 60_000);
});
