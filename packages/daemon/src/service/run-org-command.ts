/**
 * How every command on an org runs (SPEC §3), in the caller's transaction:
 *
 *   1. lock   the org row (`for update`: one writer per org at a time), or
 *             create it (a new org nobody else can see yet);
 *   2. load   just the part of the org's state the rule needs;
 *   3. decide with core's rule: the change, or a refusal — thrown as a
 *             DomainFailure before anything is written;
 *   4. write  the rows of the change;
 *   5. commit the change: version + 1, one change-log row, NOTIFY.
 *
 * A command fills in steps 2–4; this file does the rest, the same way for all.
 */
import {
  errors,
  type Actor,
  type Change,
  type ChangeEntry,
  type Org,
  type Result,
} from "@roster/core";
import { appendChange } from "../storage/change-log.ts";
import { insertOrg, lockOrg } from "../storage/org-store.ts";
import type { OrgRow } from "../storage/rows.ts";
import type { Sql } from "../storage/storage.ts";
import { DomainFailure, fail } from "./domain-failure.ts";

export interface OrgCommand<S, C extends Change | null, R> {
  /** Read, under the org lock, what the rule needs. */
  load(tx: Sql, org: OrgRow): Promise<S>;
  /** Core's rule: the change, a refusal, or null when there is nothing to change. */
  decide(state: S): Result<C>;
  /** Write the rows of the change (not the change log: that is step 5). */
  write(tx: Sql, change: C, state: S): Promise<R>;
  /** Who made the change (null: the daemon itself, e.g. a delivery report). */
  actor(state: S): Actor;
}

/** Which org: an existing one by id, or a new one to create. */
export type OrgTarget = string | { create: Org };

export interface Committed<C extends Change | null, R> {
  org: OrgRow;
  change: C;
  /** The committed entry; null when the command decided there was nothing to change. */
  entry: null extends C ? ChangeEntry | null : ChangeEntry;
  /** What the command's write returned. */
  result: R;
}

export async function runOrgCommand<S, C extends Change | null, R>(
  tx: Sql,
  target: OrgTarget,
  at: string,
  cmd: OrgCommand<S, C, R>,
): Promise<Committed<C, R>> {
  const org =
    typeof target === "string"
      ? ((await lockOrg(tx, target)) ?? fail(errors.orgNotFound()))
      : await insertOrg(tx, target.create);
  const state = await cmd.load(tx, org);
  const decided = cmd.decide(state);
  if (!decided.ok) throw new DomainFailure(decided.error);
  const change = decided.value;
  const result = await cmd.write(tx, change, state);
  let entry: ChangeEntry | null = null;
  if (change !== null) {
    entry =
      (await appendChange(tx, org.id, cmd.actor(state), change, at)) ?? fail(errors.orgNotFound());
  }
  return { org, change, entry: entry as Committed<C, R>["entry"], result };
}
