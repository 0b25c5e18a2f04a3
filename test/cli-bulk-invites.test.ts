/**
 * `roster invites add --from-file` through the real executable against a real
 * daemon: a list with a member, a duplicate, an invalid line and new
 * addresses gives one right result per line, a summary and exit 1; `--dry-run`
 * sends nothing; rerunning the same list creates nothing twice; a CSV is read
 * by its email column, stdin with `-`; at the pending limit it stops cleanly.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, roster, tempDir, type RunResult } from "./cli-support.ts";
import { startTestDaemon, type OrgSetup, type TestDaemon } from "./support/daemon.ts";
import { rosterCommand } from "./support/roster-bin.ts";

let daemon: TestDaemon;
let owner: OrgSetup;
let home: { path: string; remove: () => Promise<void> };

const env = () => ({ ROSTER_URL: daemon.url, ROSTER_TOKEN: owner.token, ROSTER_ORG: owner.orgID });
const run = (args: string[]) => roster(args, { configHome: home.path, env: env() });
const lines = (r: RunResult) => r.stdout.trimEnd().split("\n");

async function openInvites(orgID = owner.orgID) {
  return (await daemon.client(owner.token).listInvites(orgID, "open")).invites;
}

beforeAll(async () => {
  daemon = await startTestDaemon();
  owner = await daemon.setupOrg({ org: "Bulk", email: "owner@example.com" });
  home = await tempDir("roster-bulk-");
}, 60_000);

afterAll(async () => {
  await daemon?.cleanup();
  await home?.remove();
});

describe("roster invites add --from-file", { timeout: 120_000 }, () => {
  it("one result per line, a summary, exit 1; --dry-run sends nothing; a rerun creates nothing twice", async () => {
    const file = join(home.path, "team.txt");
    await writeFile(
      file,
      [
        "# the new team",
        "ann@example.com",
        "Owner@Example.com",
        "",
        "bo@example.com",
        "not-an-email",
        "ANN@example.com",
        "cy@example.com",
      ].join("\n"),
    );

    const dry = await run(["invites", "add", "--from-file", file, "--dry-run"]);
    expect(dry.code).toBe(1);
    expect(lines(dry)).toEqual([
      "line 2   would create     ann@example.com",
      "line 3   refused          owner@example.com: owner@example.com is already a member of this organization. (already_member)",
      "line 5   would create     bo@example.com",
      `line 6   refused          "not-an-email": ${invalidMessage(dry)}`,
      "line 7   refused          ann@example.com: ann@example.com is already on line 2 of the list. (already_invited)",
      "line 8   would create     cy@example.com",
      "Dry run: 3 would be created, 3 refused.",
    ]);
    expect(await openInvites()).toEqual([]);

    const first = await run(["invites", "add", "--from-file", file]);
    expect(first.code).toBe(1);
    const out = lines(first);
    expect(out.filter((l) => / created /.test(l)).map((l) => l.split(/\s+/)[3])).toEqual([
      "ann@example.com",
      "bo@example.com",
      "cy@example.com",
    ]);
    expect(out.filter((l) => / refused /.test(l))).toHaveLength(3);
    expect(out.at(-1)).toBe("3 created, 3 refused.");
    const after = await openInvites();
    expect(after.map((i) => i.email).sort()).toEqual([
      "ann@example.com",
      "bo@example.com",
      "cy@example.com",
    ]);

    // The same list again (say, after an interruption): nothing is created twice.
    const again = await run(["invites", "add", "--from-file", file, "--json"]);
    expect(again.code).toBe(1);
    const report = JSON.parse(again.stdout) as {
      results: { line: number; result: string; inviteID?: string }[];
      summary: Record<string, number>;
    };
    expect(report.summary).toMatchObject({ created: 0, createdEarlier: 3, refused: 3, leftOut: 0 });
    const ids = report.results
      .filter((r) => r.inviteID)
      .map((r) => r.inviteID)
      .sort();
    expect(ids).toEqual(after.map((i) => i.id).sort());
    expect(await openInvites()).toHaveLength(3);
    const changes = await daemon.client(owner.token).changes(owner.orgID, 0);
    expect(changes.changes.filter((c) => c.change.type === "invite.created")).toHaveLength(3);
  });

  it("a CSV by its email column, from stdin; stops at the pending limit and says how many were left out", async () => {
    const org = await daemon.client(owner.token).createOrg("Bulk CSV");
    const rows = ["name,email"];
    for (let i = 0; i < 52; i++) rows.push(`"Person, ${i}",p${i}@example.com`);
    const r = await runWithStdin(
      ["invites", "add", "--from-file", "-", "--org", org.id],
      `${rows.join("\n")}\n`,
    );
    expect(r.code).toBe(1);
    const out = lines(r);
    expect(out.filter((l) => / created /.test(l))).toHaveLength(50);
    expect(out.filter((l) => / left out /.test(l)).map((l) => l.split(/\s+/)[4])).toEqual([
      "p50@example.com",
      "p51@example.com",
    ]);
    expect(out.at(-1)).toBe(
      "50 created, 0 refused, 2 left out: the pending limit of 50 was reached (withdraw or wait for acceptances, then run the list again).",
    );
    expect(await openInvites(org.id)).toHaveLength(50);
  });

  it("usage: an address and --from-file together, or neither, exit 2", async () => {
    const both = await run(["invites", "add", "a@example.com", "--from-file", "x"]);
    expect(both.code).toBe(2);
    const none = await run(["invites", "add"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--from-file");
  });
});

function invalidMessage(r: RunResult): string {
  // The rule's own words for the invalid line (from core, as the daemon says it).
  return /"not-an-email": (.*)$/m.exec(r.stdout)?.[1] ?? "(missing)";
}

function runWithStdin(args: string[], input: string): Promise<RunResult> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("ROSTER_") && !k.startsWith("XDG_")) childEnv[k] = v;
  Object.assign(childEnv, { XDG_CONFIG_HOME: home.path, NO_COLOR: "1" }, env());
  return new Promise((resolve, reject) => {
    const child = spawn(...rosterCommand(args), {
      cwd: REPO,
      env: childEnv,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
