/**
 * runOrgCommand against the real schema on PGlite: what every command
 * relies on — one change committed per command (version + 1, one log row,
 * one NOTIFY), and nothing written when the rule refuses or the write fails.
 */
import { rmSync } from "node:fs";
import { err, errors, ok, type Member } from "@roster/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDataDir, tempDir } from "roster-workspace/test/support/daemon.ts";
import { CHANGES_CHANNEL } from "../storage/change-log.ts";
import { insertMembership } from "../storage/org-store.ts";
import { openPgliteStorage } from "../storage/pglite-storage.ts";
import type { Sql, Storage } from "../storage/storage.ts";
import { DomainFailure } from "./domain-failure.ts";
import { runOrgCommand, type OrgCommand } from "./run-org-command.ts";
import { RosterService } from "./service.ts";

let dir: string;
let storage: Storage;
let orgID: string;
let owner: { userID: string; email: string };

beforeAll(async () => {
  dir = tempDir();
  await seedDataDir(dir);
  storage = await openPgliteStorage({ dataDir: dir });
  const s = await new RosterService(storage).setup({ org: "Cmd", email: "cmd@example.com" });
  orgID = s.org.id;
  owner = { userID: s.user.id, email: s.user.email };
});
afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

const AT = "2030-01-01T00:00:00.000Z";

/** The org's version, its change-log length and its member count, as committed. */
async function committed(id = orgID) {
  const q = async (sql: string) =>
    Number((await storage.query<{ n: number }>(sql, [id])).rows[0]?.n ?? -1);
  return {
    version: await q("select version as n from orgs where id = $1"),
    log: await q("select count(*) as n from changes where org_id = $1"),
    members: await q("select count(*) as n from memberships where org_id = $1"),
  };
}

/** A user to add as a member (the users row must exist for the membership). */
async function newUser(name: string): Promise<Member> {
  const id = `u-${name}-${Math.random().toString(16).slice(2, 8)}`;
  const email = `${id}@example.com`;
  await storage.query("insert into users (id, email, name, created_at) values ($1, $2, $3, $4)", [
    id,
    email,
    name,
    AT,
  ]);
  return { userID: id, email, name, role: "owner", joinedAt: AT };
}

/** A command that adds `member`, with a decide and a write the test may replace. */
function addMember(
  member: Member,
  over: Partial<OrgCommand<Member, { type: "member.added"; member: Member }, string>> = {},
): OrgCommand<Member, { type: "member.added"; member: Member }, string> {
  return {
    load: async () => member,
    decide: (m) => ok({ type: "member.added", member: m }),
    write: async (tx: Sql, change) => {
      await insertMembership(tx, orgID, change.member);
      return "written";
    },
    actor: () => owner,
    ...over,
  };
}

describe("runOrgCommand", () => {
  it("commits exactly one change: version + 1, one change-log row, one NOTIFY", async () => {
    const notified: unknown[] = [];
    const unlisten = await storage.listen(CHANGES_CHANNEL, (p) => notified.push(JSON.parse(p)));
    const before = await committed();
    const member = await newUser("ann");
    const r = await storage.transaction((tx) => runOrgCommand(tx, orgID, AT, addMember(member)));
    expect(r.result).toBe("written");
    expect(r.entry).toEqual({
      version: before.version + 1,
      at: AT,
      actor: owner,
      change: { type: "member.added", member },
    });
    expect(await committed()).toEqual({
      version: before.version + 1,
      log: before.log + 1,
      members: before.members + 1,
    });
    await expect.poll(() => notified).toEqual([{ orgID, version: before.version + 1 }]);
    await unlisten();
  });

  it("a refusal throws before the write, and writes nothing even when the transaction commits", async () => {
    const before = await committed();
    let wrote = false;
    const refused = addMember(await newUser("bob"), {
      decide: () => err(errors.cannotRemoveSelf()),
      write: async () => {
        wrote = true;
        return "written";
      },
    });
    // As with an Idempotency-Key: the caller keeps the refusal and commits its transaction.
    const caught = await storage.transaction(async (tx) =>
      runOrgCommand(tx, orgID, AT, refused).catch((e: unknown) => e),
    );
    expect(caught).toBeInstanceOf(DomainFailure);
    expect((caught as DomainFailure).error).toEqual(errors.cannotRemoveSelf());
    expect(wrote).toBe(false);
    expect(await committed()).toEqual(before);
  });

  it("a write that fails rolls the whole command back", async () => {
    const before = await committed();
    const failing = addMember(await newUser("cy"), {
      write: async (tx, change) => {
        await insertMembership(tx, orgID, change.member);
        throw new Error("disk full");
      },
    });
    await expect(
      storage.transaction((tx) => runOrgCommand(tx, orgID, AT, failing)),
    ).rejects.toThrow("disk full");
    expect(await committed()).toEqual(before);
  });

  it("a decision of null writes what the command writes but commits no change", async () => {
    const before = await committed();
    const r = await storage.transaction((tx) =>
      runOrgCommand(tx, orgID, AT, {
        load: async () => undefined,
        decide: () => ok(null),
        write: async () => "nothing to change",
        actor: () => null,
      }),
    );
    expect(r).toMatchObject({ change: null, entry: null, result: "nothing to change" });
    expect(await committed()).toEqual(before);
  });

  it("an unknown org is not found, and nothing is loaded", async () => {
    let loaded = false;
    const cmd = addMember(await newUser("dee"), {
      load: async (): Promise<Member> => {
        loaded = true;
        throw new Error("unreachable");
      },
    });
    await expect(
      storage.transaction((tx) => runOrgCommand(tx, "no-such-org", AT, cmd)),
    ).rejects.toMatchObject({ error: { code: "not found" } });
    expect(loaded).toBe(false);
  });

  it("a new org is created by the command, its first change at version 1", async () => {
    const org = {
      id: `org-${Math.random().toString(16).slice(2, 10)}`,
      name: "New",
      createdAt: AT,
    };
    const founder = await newUser("eve");
    const r = await storage.transaction((tx) =>
      runOrgCommand(tx, { create: org }, AT, {
        ...addMember(founder),
        write: async (tx, change) => {
          await insertMembership(tx, org.id, change.member);
          return "founded";
        },
      }),
    );
    expect(r.entry.version).toBe(1);
    expect(await committed(org.id)).toEqual({ version: 1, log: 1, members: 1 });
  });
});
