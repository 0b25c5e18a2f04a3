/**
 * `roster log` through the real executable against a real daemon: the log as
 * a table and as JSON lines, `--since`; `roster log --follow --json` prints
 * the JSON line of an invite made through the API, and goes on after the
 * daemon restarts with no gap and no duplicate.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { ChangeEntry } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, roster, tempDir, type RunResult } from "./cli-support.ts";
import { startTestDaemon, type OrgSetup, type TestDaemon } from "./support/daemon.ts";
import { rosterCommand } from "./support/roster-bin.ts";

let daemon: TestDaemon;
let owner: OrgSetup;
let home: { path: string; remove: () => Promise<void> };
let follower: ChildProcess | undefined;

const env = () => ({ ROSTER_URL: daemon.url, ROSTER_TOKEN: owner.token, ROSTER_ORG: owner.orgID });
const run = (args: string[]) => roster(args, { configHome: home.path, env: env() });
function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

beforeAll(async () => {
  daemon = await startTestDaemon();
  owner = await daemon.setupOrg({ org: "Logged", email: "owner@example.com" });
  home = await tempDir("roster-log-");
  await daemon.client(owner.token).createInvite(owner.orgID, { email: "one@example.com" });
}, 60_000);

afterAll(async () => {
  follower?.kill("SIGKILL");
  await daemon?.cleanup();
  await home?.remove();
});

describe("roster log", { timeout: 120_000 }, () => {
  it("prints the log as a table and as JSON lines, from --since", async () => {
    const all = ok(await run(["log", "--json"]))
      .stdout.trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as ChangeEntry);
    expect(all.map((e) => e.version)).toEqual(all.map((_, i) => i + 1));
    const created = all.find((e) => e.change.type === "invite.created")!;
    expect(created.actor?.email).toBe("owner@example.com");
    expect(JSON.stringify(all)).not.toContain("/activate/");

    const table = ok(await run(["log"])).stdout.split("\n");
    expect(table[0]).toMatch(/^Version +Time +Who +What +Whom/);
    expect(
      table.find((l) => /owner@example\.com +invited as owner +one@example\.com/.test(l)),
    ).toBeDefined();

    const after = ok(await run(["log", "--json", "--since", String(created.version)]))
      .stdout.trimEnd()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => (JSON.parse(l) as ChangeEntry).version);
    expect(after.every((v) => v > created.version)).toBe(true);
  });

  it("--follow --json streams new changes, and goes on after a daemon restart with no gap or duplicate", async () => {
    const lines: ChangeEntry[] = [];
    let buffer = "";
    const waiters: (() => void)[] = [];
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith("ROSTER_") && !k.startsWith("XDG_")) childEnv[k] = v;
    Object.assign(childEnv, { XDG_CONFIG_HOME: home.path, NO_COLOR: "1" }, env());
    follower = spawn(...rosterCommand(["log", "--follow", "--json"]), {
      cwd: REPO,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    follower.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    follower.stdout!.setEncoding("utf8").on("data", (d: string) => {
      buffer += d;
      let i: number;
      while ((i = buffer.indexOf("\n")) >= 0) {
        lines.push(JSON.parse(buffer.slice(0, i)) as ChangeEntry);
        buffer = buffer.slice(i + 1);
      }
      for (const w of waiters.splice(0)) w();
    });
    const exited = new Promise<number | null>((r) => follower!.on("close", (code) => r(code)));
    const waitFor = async (pred: () => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(lines)}\n${stderr}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    };
    const invited = (email: string) => () =>
      lines.some((e) => e.change.type === "invite.created" && e.change.invite.email === email);

    await waitFor(invited("one@example.com"), "the backlog");
    const client = () => daemon.client(owner.token);
    await client().createInvite(owner.orgID, { email: "two@example.com" });
    await waitFor(invited("two@example.com"), "the live change");

    // The daemon goes away and comes back; changes made meanwhile and after all arrive, once.
    await daemon.restart();
    await client().createInvite(owner.orgID, { email: "three@example.com" });
    await waitFor(invited("three@example.com"), "a change after the restart");
    await client().createInvite(owner.orgID, { email: "four@example.com" });
    await waitFor(invited("four@example.com"), "the next one");

    const { version } = await client().changes(owner.orgID, 0);
    await waitFor(() => lines.at(-1)?.version === version, `version ${version}`);
    expect(lines.map((e) => e.version)).toEqual(lines.map((_, i) => i + 1));
    follower.kill("SIGINT");
    expect(await exited).toBe(0);
    follower = undefined;
  });
});
