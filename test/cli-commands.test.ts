/**
 * The scripting subcommands of the real `roster` executable against a real
 * daemon process: every command in table and JSON form, every refusal with
 * the daemon's message and exit 1, and `roster accept` with the emailed link.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Invite, Member, Org } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailedLinks, roster, tempDir, type RunResult } from "./cli-support.ts";
import { startTestDaemon, type TestDaemon } from "./support/daemon.ts";

/**
 * Long enough that a resend two commands after the invitation is refused on a
 * loaded machine; the resend test waits out what is left of it.
 */
const RESEND_INTERVAL_S = 6;

let daemon: TestDaemon;
let owner: { path: string; remove: () => Promise<void> };
let orgID: string;

/** Run as the owner (their config dir). */
const run = (args: string[], env?: Record<string, string | undefined>) =>
  roster(args, { configHome: owner.path, ...(env ? { env } : {}) });

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  expect(r.stderr).toBe("");
  return r;
}
const json = <T>(r: RunResult): T => JSON.parse(ok(r).stdout) as T;

/** Exit 1, nothing on stdout, and exactly this error line on stderr. */
function refused(r: RunResult, line: string | RegExp): void {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: "" });
  const first = r.stderr.split("\n")[0];
  if (typeof line === "string") expect(first).toBe(line);
  else expect(first).toMatch(line);
}

/** The header line and the data lines of a table, each split on its column gaps. */
function table(r: RunResult): string[][] {
  return ok(r)
    .stdout.trimEnd()
    .split("\n")
    .map((l) => l.split(/ {2,}/));
}

beforeAll(async () => {
  daemon = await startTestDaemon({ resendIntervalS: RESEND_INTERVAL_S });
  owner = await tempDir("roster-cli-owner-");
  const r = ok(
    await run([
      "setup",
      "--org",
      "Acme",
      "--email",
      "owner@example.com",
      "--name",
      "Olga Owner",
      "--url",
      daemon.url,
    ]),
  );
  expect(r.stdout).toContain('organization "Acme"');
  const cfg = JSON.parse(await readFile(join(owner.path, "roster", "config.json"), "utf8")) as {
    org: string;
  };
  orgID = cfg.org;
});

afterAll(async () => {
  await daemon?.cleanup();
  await owner?.remove();
});

describe("orgs", { timeout: 60_000 }, () => {
  it("lists the caller's orgs as a table and as JSON", async () => {
    const [asTable, asJson] = await Promise.all([
      run(["orgs", "list"]),
      run(["orgs", "list", "--json"]),
    ]);
    const rows = table(asTable);
    expect(rows[0]).toEqual(["ID", "Name", "Role", "Created"]);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2]])).toEqual([[orgID, "Acme", "owner"]]);
    const orgs = json<(Org & { role: string })[]>(asJson);
    expect(orgs).toEqual([
      { id: orgID, name: "Acme", role: "owner", createdAt: expect.any(String) },
    ]);
  });

  it("creates an org as a table and as JSON; --org then picks by name or id", async () => {
    const rows = table(await run(["orgs", "create", "Beta"]));
    expect(rows[0]).toEqual(["ID", "Name", "Role", "Created"]);
    expect(rows[1]?.slice(1, 3)).toEqual(["Beta", "owner"]);
    const gamma = json<Org>(await run(["orgs", "create", "Gamma", "--json"]));
    expect(gamma).toEqual({ id: expect.any(String), name: "Gamma", createdAt: expect.any(String) });
    const names = json<Org[]>(await run(["orgs", "ls", "--json"])).map((o) => o.name);
    expect(names.sort()).toEqual(["Acme", "Beta", "Gamma"]);

    // The default org (from setup) is still Acme; --org picks another by name or id.
    expect(json<Member[]>(await run(["members", "list", "--json", "--org", "gamma"]))).toHaveLength(
      1,
    );
    const added = json<Invite>(
      await run(["invites", "add", "g@example.com", "--org", gamma.id, "--json"]),
    );
    expect(added.orgID).toBe(gamma.id);
    // Options before the subcommand count too.
    const list = json<Invite[]>(await run(["--org", "Gamma", "invites", "list", "--json"]));
    expect(list.map((i) => i.email)).toEqual(["g@example.com"]);
  });

  it("refuses an org the caller does not belong to, listing theirs with their ids", async () => {
    const [r, listed] = await Promise.all([
      run(["members", "list", "--org", "Nope"]),
      run(["orgs", "list", "--json"]),
    ]);
    refused(r, 'Error: You are not a member of an organization "Nope". (not found: org_not_found)');
    const orgs = json<Org[]>(listed);
    const hint = r.stderr.trimEnd().split("\n").slice(1);
    expect(hint[0]).toBe("Your organizations (pass one to --org, by name or id):");
    expect(hint.slice(1).sort()).toEqual(
      orgs
        .map((o) => `  ${o.name.padEnd(Math.max(...orgs.map((x) => x.name.length)))}  ${o.id}`)
        .sort(),
    );
  });
});

describe("members and invitations", { timeout: 90_000 }, () => {
  let bob: Invite;

  it("lists members as a table and as JSON", async () => {
    const [asTable, asJson] = await Promise.all([
      run(["members", "list"]),
      run(["members", "list", "--json"]),
    ]);
    const rows = table(asTable);
    expect(rows[0]).toEqual(["ID", "Email", "Name", "Role", "Joined"]);
    expect(rows.slice(1).map((r) => r.slice(1, 4))).toEqual([
      ["owner@example.com", "Olga Owner", "owner"],
    ]);
    expect(rows[1]?.[4]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    const members = json<Member[]>(asJson);
    expect(members).toEqual([
      {
        userID: expect.any(String),
        email: "owner@example.com",
        name: "Olga Owner",
        role: "owner",
        joinedAt: expect.any(String),
      },
    ]);
  });

  it("adds invitations (trimmed, lower-cased) as a table and as JSON", async () => {
    const rows = table(await run(["invites", "add", "  Bob@Example.com "]));
    expect(rows[0]).toEqual(["ID", "Email", "Role", "Status", "Expires", "Sends", "Delivery"]);
    expect(rows[1]?.slice(1, 4)).toEqual(["bob@example.com", "owner", "pending"]);
    expect(rows[1]?.[4]).toMatch(/^expires in 7[12]h$/);
    expect(rows[1]?.[5]).toBe("1");
    expect(["queued", "sent"]).toContain(rows[1]?.[6]);

    const carol = json<Invite>(
      await run(["invites", "add", "carol@example.com", "--role", "owner", "--json"]),
    );
    expect(carol).toMatchObject({
      orgID,
      email: "carol@example.com",
      role: "owner",
      status: "pending",
      sendCount: 1,
    });
    expect(carol).not.toHaveProperty("token");
  });

  it("lists invitations as a table and as JSON, with a status filter", async () => {
    const [asTable, pending, withdrawn] = await Promise.all([
      run(["invites", "list"]),
      run(["invites", "list", "--json", "--status", "pending"]),
      run(["invites", "ls", "--json", "--status", "withdrawn"]),
    ]);
    const rows = table(asTable);
    expect(rows[0]).toEqual(["ID", "Email", "Role", "Status", "Expires", "Sends", "Delivery"]);
    expect(
      rows
        .slice(1)
        .map((r) => r[1])
        .sort(),
    ).toEqual(["bob@example.com", "carol@example.com"]);
    const invites = json<Invite[]>(pending);
    expect(invites.map((i) => i.email).sort()).toEqual(["bob@example.com", "carol@example.com"]);
    bob = invites.find((i) => i.email === "bob@example.com")!;
    expect(json<Invite[]>(withdrawn)).toEqual([]);
  });

  it("refuses what the daemon refuses, with its message and reason, exit 1", async () => {
    const [invited, member, self] = await Promise.all([
      run(["invites", "add", "BOB@example.com"]),
      run(["invites", "add", "owner@example.com"]),
      run(["members", "remove", "owner@example.com"]),
    ]);
    refused(
      invited,
      "Error: bob@example.com already has a pending invitation. Resend that invitation instead. (conflict: already_invited)",
    );
    refused(
      member,
      "Error: owner@example.com is already a member of this organization. (conflict: already_member)",
    );
    refused(
      self,
      "Error: You cannot remove yourself from an organization. Have another member remove you. (forbidden: cannot_remove_self)",
    );
    // A fresh invitation cannot be resent within the resend interval.
    ok(await run(["invites", "add", "fay@example.com"]));
    refused(
      await run(["invites", "resend", "fay@example.com"]),
      /^Error: This invitation was sent moments ago\. Try resending again in \d+ s\. \(too many requests: resend_too_soon\)$/,
    );
  });

  it("checks emails and roles locally with the daemon's words before sending anything", async () => {
    const [list, notEmail, notRole, notMember, notInvited] = await Promise.all([
      run(["invites", "add", "a@example.com, b@example.com"]),
      run(["invites", "add", "not-an-email"]),
      run(["invites", "add", "dan@example.com", "--role", "admin"]),
      run(["members", "remove", "nobody@example.com"]),
      run(["invites", "withdraw", "nobody@example.com"]),
    ]);
    refused(
      list,
      "Error: Invite one person at a time: give a single email address, not a list. (invalid: multiple_emails)",
    );
    refused(
      notEmail,
      'Error: "not-an-email" is not a valid email address. (invalid: invalid_email)',
    );
    refused(notRole, 'Error: "admin" is not a role. Roles: owner. (invalid: invalid_role)');
    refused(
      notMember,
      "Error: That user is not a member of this organization. (not found: member_not_found)",
    );
    refused(
      notInvited,
      "Error: No invitation for nobody@example.com in this organization. (not found: invite_not_found)",
    );
    const invites = json<Invite[]>(await run(["invites", "list", "--json", "--status", "all"]));
    const emails = invites.map((i) => i.email);
    for (const e of ["a@example.com", "b@example.com", "not-an-email", "dan@example.com"]) {
      expect(emails).not.toContain(e);
    }
  });

  it("refuses a bad token with the daemon's message and a hint", async () => {
    const r = await run(["members", "list"], { ROSTER_TOKEN: "not-a-real-token" });
    refused(
      r,
      "Error: A valid API token is required (Authorization: Token <token>, or Bearer <token>). (unauthorized: unauthorized)",
    );
    expect(r.stderr).toContain("roster setup");
  });

  it("resends by email (table) and by id (JSON); the old link then says it was superseded", async () => {
    const carol = json<Invite[]>(await run(["invites", "list", "--json"])).find(
      (i) => i.email === "carol@example.com",
    )!;
    const [firstLink] = await mailedLinks(daemon.dataDir, "bob@example.com", 1);
    // Wait out the resend interval since bob's invitation was sent.
    const wait = Date.parse(bob.sentAt) + RESEND_INTERVAL_S * 1000 + 300 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));

    const rows = table(await run(["invites", "resend", "BOB@example.com"]));
    expect(rows[1]?.slice(0, 4)).toEqual([bob.id, "bob@example.com", "owner", "pending"]);
    expect(rows[1]?.[5]).toBe("2");
    // carol was invited right after bob: her interval is over too.
    const resent = json<Invite>(await run(["invites", "resend", carol.id, "--json"]));
    expect(resent).toMatchObject({
      id: carol.id,
      email: "carol@example.com",
      status: "pending",
      sendCount: 2,
    });
    expect(Date.parse(resent.expiresAt)).toBeGreaterThan(Date.parse(carol.expiresAt));

    const stranger = await tempDir("roster-cli-stranger-");
    try {
      refused(
        await roster(["accept", firstLink!], { configHome: stranger.path }),
        "Error: This link was replaced by a newer one: the invitation was sent again. Use the link in the most recent email. (conflict: invite_superseded)",
      );
    } finally {
      await stranger.remove();
    }
  });

  it("withdraws by email (text) and by id (JSON); the link then says it was withdrawn", async () => {
    const dan = json<Invite>(await run(["invites", "add", "dan@example.com", "--json"]));
    const r = ok(await run(["invites", "withdraw", "carol@example.com"]));
    expect(r.stdout).toMatch(/^Withdrew the invitation of carol@example\.com \(\w+\) to Acme\.\n$/);
    const withdrawn = json<Invite>(await run(["invites", "withdraw", dan.id, "--json"]));
    expect(withdrawn).toMatchObject({ id: dan.id, email: "dan@example.com", status: "withdrawn" });
    const listed = json<Invite[]>(
      await run(["invites", "list", "--json", "--status", "withdrawn"]),
    );
    expect(listed.map((i) => i.email).sort()).toEqual(["carol@example.com", "dan@example.com"]);

    // Withdrawing it again: the email now names only a closed invitation, which the daemon refuses.
    refused(
      await run(["invites", "withdraw", "carol@example.com"]),
      "Error: This invitation was already withdrawn, so it can no longer be resent or withdrawn. Invite the person again. (conflict: invite_withdrawn)",
    );
    refused(
      await run(["invites", "resend", dan.id]),
      "Error: This invitation was already withdrawn, so it can no longer be resent or withdrawn. Invite the person again. (conflict: invite_withdrawn)",
    );

    const carolLinks = await mailedLinks(daemon.dataDir, "carol@example.com", 2);
    const stranger = await tempDir("roster-cli-stranger-");
    try {
      refused(
        await roster(["accept", carolLinks[1]!], { configHome: stranger.path }),
        "Error: This invitation was withdrawn. (conflict: invite_withdrawn)",
      );
      refused(
        await roster(["accept", "A".repeat(43), "--url", daemon.url], {
          configHome: stranger.path,
        }),
        "Error: No invitation matches this link. (not found: invite_not_found)",
      );
      // A bare token that begins with "-" is a token, not an unknown option.
      refused(
        await roster(["accept", `-${"A".repeat(42)}`, "--url", daemon.url], {
          configHome: stranger.path,
        }),
        "Error: No invitation matches this link. (not found: invite_not_found)",
      );
    } finally {
      await stranger.remove();
    }
  });

  it("accepts the emailed link: joins the org and stores the new token (0600)", async () => {
    const links = await mailedLinks(daemon.dataDir, "bob@example.com", 2);
    const latest = json<Invite[]>(await run(["invites", "list", "--json"])).find(
      (i) => i.email === "bob@example.com",
    );
    expect(latest?.sendCount).toBe(2);
    const bobHome = await tempDir("roster-cli-bob-");
    try {
      // Bob's machine has no config: the daemon URL comes from the link.
      const outcomes: RunResult[] = [];
      for (const link of links)
        outcomes.push(
          await roster(["accept", link, "--name", "Bob"], { configHome: bobHome.path }),
        );
      const accepted = outcomes.filter((r) => r.code === 0);
      expect(accepted).toHaveLength(1);
      expect(accepted[0]!.stdout).toContain('Joined "Acme"');
      expect(accepted[0]!.stdout).not.toMatch(/token:/i);
      for (const r of outcomes.filter((o) => o.code !== 0)) {
        expect(r.stderr).toMatch(/\(conflict: invite_(superseded|accepted)\)/);
      }

      const file = join(bobHome.path, "roster", "config.json");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const cfg = JSON.parse(await readFile(file, "utf8")) as {
        url: string;
        token: string;
        org: string;
      };
      const ownerCfg = JSON.parse(
        await readFile(join(owner.path, "roster", "config.json"), "utf8"),
      ) as {
        token: string;
      };
      expect(cfg.url).toBe(daemon.url);
      expect(cfg.org).toBe(orgID);
      expect(cfg.token).toMatch(/^\S{20,}$/);
      expect(cfg.token).not.toBe(ownerCfg.token);

      // Bob acts with his own token now.
      const asBob = (args: string[]) => roster(args, { configHome: bobHome.path });
      const members = json<Member[]>(await asBob(["members", "list", "--json"]));
      expect(members.map((m) => [m.email, m.name]).sort()).toEqual([
        ["bob@example.com", "Bob"],
        ["owner@example.com", "Olga Owner"],
      ]);
      // His invitation is closed now: withdrawing it says he is a member.
      refused(
        await run(["invites", "withdraw", latest!.id]),
        "Error: This invitation was already accepted: bob@example.com is a member now. (conflict: invite_accepted)",
      );

      // The owner removes Bob (by email, text), and Bob loses access at once.
      const removed = ok(await run(["members", "remove", "bob@example.com"]));
      expect(removed.stdout).toMatch(/^Removed bob@example\.com \(\w+\) from Acme\.\n$/);
      const denied = await asBob(["members", "list"]);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/\(not found(: \w+)?\)|\(unauthorized/);
    } finally {
      await bobHome.remove();
    }
  });

  it("accepts a bare token with --json --show-token, and removes a member by id (JSON)", async () => {
    const erin = json<Invite>(await run(["invites", "add", "erin@example.com", "--json"]));
    const [link] = await mailedLinks(daemon.dataDir, "erin@example.com", 1);
    const token = new URL(link!).pathname.split("/").pop()!;
    const erinHome = await tempDir("roster-cli-erin-");
    try {
      const res = json<{
        org: Org;
        user: Member & { id: string };
        url: string;
        configPath: string;
        token: string;
      }>(
        await roster(["accept", token, "--json", "--show-token", "--url", daemon.url], {
          configHome: erinHome.path,
        }),
      );
      expect(res.org.id).toBe(erin.orgID);
      expect(res.user.email).toBe("erin@example.com");
      expect(res.configPath).toBe(join(erinHome.path, "roster", "config.json"));
      const cfg = JSON.parse(await readFile(res.configPath, "utf8")) as { token: string };
      expect(res.token).toBe(cfg.token);
      // The printed token works on its own, from the environment, with no config file.
      const nobody = await tempDir("roster-cli-env-");
      try {
        const orgs = json<Org[]>(
          await roster(["orgs", "list", "--json"], {
            configHome: nobody.path,
            env: { ROSTER_TOKEN: res.token, ROSTER_URL: daemon.url },
          }),
        );
        expect(orgs.map((o) => o.id)).toEqual([orgID]);
      } finally {
        await nobody.remove();
      }
      const removed = json<Member>(await run(["members", "remove", res.user.id, "--json"]));
      expect(removed).toMatchObject({ userID: res.user.id, email: "erin@example.com" });
    } finally {
      await erinHome.remove();
    }
  });

  it("refuses the 51st pending invitation (pending_limit), exit 1", async () => {
    const beta = json<Org[]>(await run(["orgs", "list", "--json"])).find((o) => o.name === "Beta")!;
    const cfg = JSON.parse(await readFile(join(owner.path, "roster", "config.json"), "utf8")) as {
      token: string;
    };
    const client = daemon.client(cfg.token);
    for (let i = 0; i < 50; i++)
      await client.createInvite(beta.id, { email: `p${i}@example.com`, role: "owner" });
    refused(
      await run(["invites", "add", "p50@example.com", "--org", "Beta"]),
      "Error: This organization already has 50 pending invitations, the most it can have. Withdraw one, or wait until some are accepted or expire. (conflict: pending_limit)",
    );
  });
});
