/**
 * A daemon's first start on an empty data directory copies the data-directory
 * template that `pnpm build` made (no initdb, nothing left to migrate), and
 * the database it gets works end to end: setup, invitations, a clean
 * restart, a kill -9 after an acknowledged change.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defaultTemplateFile, readTemplate } from "@roster/daemon/testing";
import { startTestDaemon, type OrgSetup, type TestDaemon } from "./support/daemon.ts";

let d: TestDaemon;
let o: OrgSetup;

beforeAll(async () => {
  d = await startTestDaemon({ fresh: true, timeoutMs: 120_000 });
  o = await d.setupOrg({ org: "Templated", email: "first@example.com" });
}, 180_000);
afterAll(async () => {
  await d?.cleanup();
});

/** The daemon's JSON log records with this message. */
const logged = (msg: string) =>
  d
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.msg === msg);

/** PostgreSQL's system identifier (pg_control's first 8 bytes): initdb makes a new one. */
const systemId = (pgControl: Uint8Array) => Buffer.from(pgControl).subarray(0, 8).toString("hex");

it("copies the built template: no initdb, no migration to apply", async () => {
  expect(logged("created the embedded database")).toEqual([
    expect.objectContaining({ from: "template" }),
  ]);
  expect(logged("database migrated")).toEqual([]);
  const template = await readTemplate(defaultTemplateFile());
  if (!template.ok) throw new Error(`the build made no usable template: ${template.why}`);
  const control = template.entries.find((e) => e.path === "global/pg_control");
  expect(control).toBeDefined();
  const own = readFileSync(join(d.dataDir, "pgdata", "global", "pg_control"));
  expect(systemId(own)).toBe(systemId(control!.data));
});

it("serves, keeps its data across a restart and an acknowledged change across kill -9", async () => {
  const c = d.client(o.token);
  const kept = await c.createInvite(o.orgID, { email: "kept@example.com" });
  expect(await d.stop()).toBe(0);
  await d.restart();
  const survived = await d.client(o.token).createInvite(o.orgID, { email: "acked@example.com" });
  await d.kill();
  await d.restart();
  const after = d.client(o.token);
  expect(await after.me()).toMatchObject({ email: "first@example.com" });
  const ids = (await after.listInvites(o.orgID)).invites.map((i) => i.id);
  expect(ids).toEqual(expect.arrayContaining([kept.id, survived.id]));
  expect(logged("created the embedded database")).toHaveLength(1);
}, 180_000);
