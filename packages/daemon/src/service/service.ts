/**
 * The daemon's commands and reads. Every command runs in ONE transaction
 * (its own, or the caller's `tx` — the HTTP layer passes one so that the
 * Idempotency-Key record commits together with the effect): lock the org row,
 * load state, let core decide, write rows, bump the version, append the
 * change, NOTIFY. Nothing here decides a rule: core does.
 */
import { DEFAULT_LIMITS, type Delivery, type InviteStatusFilter, type Limits } from "@roster/core";
import type { Sql, Storage } from "../storage/storage.ts";
import { acceptInvite, type AcceptInput } from "./accept-invite.ts";
import type { Caller, ServiceContext } from "./context.ts";
import { createInvite, type CreateInviteInput } from "./create-invite.ts";
import { createOrg } from "./create-org.ts";
import { previewActivation } from "./preview-activation.ts";
import {
  changesSince,
  getUser,
  listInvites,
  listMembers,
  listOrgs,
  membershipRole,
  orgCallerByTokenHash,
  userByTokenHash,
} from "./queries.ts";
import { recordDelivery } from "./record-delivery.ts";
import { removeMember } from "./remove-member.ts";
import { resendInvite } from "./resend-invite.ts";
import { hashSecret } from "./secrets.ts";
import { setup, setupAllowed, type SetupInput } from "./setup.ts";
import { withdrawInvite } from "./withdraw-invite.ts";

export interface ServiceOptions {
  limits?: Partial<Limits>;
  now?: () => number;
}

export class RosterService {
  readonly ctx: ServiceContext;

  constructor(
    readonly storage: Storage,
    opts: ServiceOptions = {},
  ) {
    this.ctx = { limits: { ...DEFAULT_LIMITS, ...opts.limits }, now: opts.now ?? Date.now };
  }

  /** Run `fn` in the given transaction, or in a new one. */
  private run<T>(tx: Sql | undefined, fn: (tx: Sql) => Promise<T>): Promise<T> {
    return tx ? fn(tx) : this.storage.transaction(fn);
  }

  // ------------------------------------------------------------ commands

  setup(input: SetupInput, tx?: Sql) {
    return this.run(tx, (t) => setup(this.ctx, t, input));
  }
  createOrg(caller: Caller, name: string, tx?: Sql) {
    return this.run(tx, (t) => createOrg(this.ctx, t, caller, name));
  }
  createInvite(caller: Caller, orgID: string, input: CreateInviteInput, tx?: Sql) {
    return this.run(tx, (t) => createInvite(this.ctx, t, caller, orgID, input));
  }
  resendInvite(caller: Caller, orgID: string, inviteID: string, tx?: Sql) {
    return this.run(tx, (t) => resendInvite(this.ctx, t, caller, orgID, inviteID));
  }
  withdrawInvite(caller: Caller, orgID: string, inviteID: string, tx?: Sql) {
    return this.run(tx, (t) => withdrawInvite(this.ctx, t, caller, orgID, inviteID));
  }
  removeMember(caller: Caller, orgID: string, userID: string, tx?: Sql) {
    return this.run(tx, (t) => removeMember(this.ctx, t, caller, orgID, userID));
  }
  acceptInvite(input: AcceptInput, tx?: Sql) {
    return this.run(tx, (t) => acceptInvite(this.ctx, t, input));
  }
  /**
   * The mail worker's delivery report for send `sendNumber` of an invitation.
   * Returns the committed entry, or null when it was a no-op (an older send,
   * a closed invitation, or nothing changed).
   */
  recordDelivery(
    orgID: string,
    inviteID: string,
    sendNumber: number,
    delivery: Delivery,
    tx?: Sql,
  ) {
    return this.run(tx, (t) => recordDelivery(this.ctx, t, orgID, inviteID, sendNumber, delivery));
  }

  // --------------------------------------------------------------- reads

  setupAllowed(sql: Sql = this.storage) {
    return setupAllowed(sql);
  }
  /** The user holding this raw API token, if any. */
  authenticate(token: string) {
    return userByTokenHash(this.storage, hashSecret(token));
  }
  /** The holder of this raw API token, their role in `orgID` and the org's version (one query). */
  authenticateForOrg(token: string, orgID: string) {
    return orgCallerByTokenHash(this.storage, hashSecret(token), orgID);
  }
  membershipRole(orgID: string, userID: string) {
    return membershipRole(this.storage, orgID, userID);
  }
  getUser(userID: string) {
    return getUser(this.storage, userID);
  }
  listOrgs(userID: string) {
    return listOrgs(this.storage, userID);
  }
  listMembers(orgID: string) {
    return listMembers(this.storage, orgID);
  }
  listInvites(orgID: string, status: InviteStatusFilter = "open") {
    return listInvites(this.storage, orgID, status, this.ctx.now(), this.ctx.limits.pendingLimit);
  }
  changes(orgID: string, since: number, limit?: number) {
    return changesSince(this.storage, orgID, since, limit);
  }
  previewActivation(token: string) {
    return previewActivation(this.ctx, this.storage, token);
  }
}
