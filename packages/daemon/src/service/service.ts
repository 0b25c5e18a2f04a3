/**
 * The daemon's commands and reads. Each command is one run of runOrgCommand
 * (lock the org, load, decide with core, write, commit the change), filled in
 * here: what it loads, which rule of core decides, what it writes. It runs
 * in the caller's transaction (the HTTP layer passes the one that also holds
 * the Idempotency-Key record) or in its own. Nothing here decides a rule:
 * core does.
 */
import {
  decideInvite,
  decideRemove,
  decideResend,
  decideWithdraw,
  DEFAULT_ABUSE_LIMITS,
  DEFAULT_LIMITS,
  errors,
  normalizeEmail,
  type Change,
  type ChangeEntry,
  type Delivery,
  type Invite,
  type AbuseLimits,
  type InviteStatusFilter,
  type Limits,
  type User,
} from "@roster/core";
import { changesPage } from "../storage/change-log.ts";
import {
  cancelEmails,
  closeInvite,
  deleteMembership,
  loadInvites,
  loadMembers,
  writeInviteSend,
} from "../storage/org-store.ts";
import {
  listInvites,
  listMembers,
  listOrgs,
  orgCallerByTokenHash,
  userByTokenHash,
  type AuthenticatedUser,
  type OrgAccess,
} from "../storage/read-queries.ts";
import {
  insertApiToken,
  listApiTokens,
  revokeApiToken,
  TOKEN_REVOKED_CHANNEL,
} from "../storage/token-store.ts";
import { iso } from "../storage/rows.ts";
import type { Sql, Storage } from "../storage/storage.ts";
import { anyOrgExists, getUser } from "../storage/user-store.ts";
import { admitInvitationEmail, admitOrgCreation } from "./abuse-limits.ts";
import {
  acceptInvite,
  createOrgWithOwner,
  setupFirstOrg,
  type AcceptInput,
  type SetupInput,
} from "./account-commands.ts";
import type { Caller, Credential, ServiceContext } from "./context.ts";
import { fail } from "./domain-failure.ts";
import { previewActivation } from "./preview-activation.ts";
import { reportDelivery, runReport } from "./record-delivery.ts";
import { runOrgCommand, type OrgCommand } from "./run-org-command.ts";
import { hashesEqual, hashSecret, newId, newLinkToken, newSecret } from "./secrets.ts";
import { TokenCache } from "./token-cache.ts";
import { TokenUsage } from "./token-usage.ts";

export interface ServiceOptions {
  limits?: Partial<Limits>;
  /** R14's limits (default DEFAULT_ABUSE_LIMITS; 0 turns one off). */
  abuse?: Partial<AbuseLimits> | undefined;
  now?: () => number;
  /** Where a failed "last used" write of a token is reported. */
  onError?: (err: unknown) => void;
  /**
   * Whether this daemon is the only one using its database (PGlite: the
   * data-directory lock makes it so). Only then are live tokens kept in
   * memory: with several daemons on PostgreSQL every request reads its token,
   * so that another daemon's revocation holds from the very next request (R13).
   */
  soleUser?: boolean;
}

/** Who a valid API token signs in, and the token itself. */
export interface SignedIn {
  user: User;
  credential: Credential;
}

/** Membership of a user, from memory: undefined when memory cannot say for sure. */
export type KnownMembership = (userID: string) => OrgAccess | undefined;

export type { AcceptInput, SetupInput } from "./account-commands.ts";

export interface CreateTokenInput {
  description?: string | undefined;
  expiresAt?: string | undefined;
}

export interface CreateInviteInput {
  email?: unknown;
  role?: unknown;
}

export class RosterService {
  readonly ctx: ServiceContext;
  readonly #usage: TokenUsage;
  /** Live tokens by hash (token-cache.ts): authentication without a read; sole user only. */
  readonly #tokens: TokenCache | undefined;

  constructor(
    readonly storage: Storage,
    opts: ServiceOptions = {},
  ) {
    this.ctx = {
      limits: { ...DEFAULT_LIMITS, ...opts.limits },
      abuse: { ...DEFAULT_ABUSE_LIMITS, ...opts.abuse },
      now: opts.now ?? Date.now,
    };
    this.#usage = new TokenUsage(storage, this.ctx.now, opts.onError);
    this.#tokens = opts.soleUser ? new TokenCache() : undefined;
  }

  /** Run `fn` in the given transaction, or in a new one. */
  #inTx<T>(tx: Sql | undefined, fn: (tx: Sql) => Promise<T>): Promise<T> {
    return tx ? fn(tx) : this.storage.transaction(fn);
  }

  // ------------------------------------------------------------ commands

  /** A command of `caller` on `orgID` at `now`, in `tx` or in a transaction of its own. */
  #byCaller<S, C extends Change, R>(
    caller: Caller,
    orgID: string,
    now: number,
    tx: Sql | undefined,
    cmd: Omit<OrgCommand<S, C, R>, "actor">,
  ) {
    const actor = () => ({ userID: caller.userID, email: caller.email });
    return this.#inTx(tx, (t) => runOrgCommand(t, orgID, iso(new Date(now)), { ...cmd, actor }));
  }

  /** R2–R6: invite one person; the email is queued in the outbox, same transaction. */
  createInvite(caller: Caller, orgID: string, input: CreateInviteInput, tx?: Sql) {
    const now = this.ctx.now();
    const { email, role } = input;
    // Core parses the address (and words any refusal); its stored form only narrows the load.
    const emails = typeof email === "string" ? [normalizeEmail(email)] : [];
    const command = { actorID: caller.userID, email: email ?? "", role, inviteID: newId(), now };
    const link = newLinkToken();
    return this.#byCaller(caller, orgID, now, tx, {
      load: async (t) => ({
        orgID,
        members: await loadMembers(t, orgID, { userIDs: [caller.userID], emails }),
        invites: await loadInvites(t, orgID, now),
      }),
      decide: (state) => decideInvite(state, command, this.ctx.limits),
      write: async (t, { invite }) => {
        await admitInvitationEmail(t, this.ctx, orgID, invite.email, now);
        await writeInviteSend(t, "create", invite, link);
      },
    }).then((r) => ({ ...withInvite(r), linkToken: link.token }));
  }

  /** R7: a new link, a new clock, the email again; the unsent one is cancelled. */
  resendInvite(caller: Caller, orgID: string, inviteID: string, tx?: Sql) {
    const now = this.ctx.now();
    const link = newLinkToken();
    return this.#byCaller(caller, orgID, now, tx, {
      load: async (t) => {
        const invites = await loadInvites(t, orgID, now, [inviteID]);
        const emails = invites.filter((i) => i.id === inviteID).map((i) => i.email);
        const members = await loadMembers(t, orgID, { userIDs: [caller.userID], emails });
        return { orgID, members, invites };
      },
      decide: (state) =>
        decideResend(state, { actorID: caller.userID, inviteID, now }, this.ctx.limits),
      write: async (t, { invite }) => {
        await admitInvitationEmail(t, this.ctx, orgID, invite.email, now);
        await cancelEmails(t, invite.id);
        await writeInviteSend(t, "resend", invite, link);
      },
    }).then((r) => ({ ...withInvite(r), linkToken: link.token }));
  }

  /** R8: withdraw a pending or expired invitation; its link stops working. */
  withdrawInvite(caller: Caller, orgID: string, inviteID: string, tx?: Sql) {
    const now = this.ctx.now();
    return this.#byCaller(caller, orgID, now, tx, {
      load: async (t) => ({
        orgID,
        invites: await loadInvites(t, orgID, now, [inviteID]),
        members: await loadMembers(t, orgID, { userIDs: [caller.userID] }),
      }),
      decide: (state) => decideWithdraw(state, { actorID: caller.userID, inviteID, now }),
      write: (t, { invite }) => closeInvite(t, invite),
    }).then(withInvite);
  }

  /** R10, R11: remove a member (never yourself); they lose access at once. */
  removeMember(caller: Caller, orgID: string, userID: string, tx?: Sql) {
    return this.#byCaller(caller, orgID, this.ctx.now(), tx, {
      load: async (t) => ({
        orgID,
        members: await loadMembers(t, orgID, { userIDs: [caller.userID, userID] }),
        invites: [],
      }),
      decide: (state) => decideRemove(state, { actorID: caller.userID, userID }),
      write: (t, change) => deleteMembership(t, orgID, change.userID),
    }).then(({ entry }) => ({ entry }));
  }

  /** R9: accept an invitation (see account-commands.ts). */
  acceptInvite(input: AcceptInput, tx?: Sql, caller?: Caller) {
    return this.#inTx(tx, (t) => acceptInvite(t, this.ctx, input, caller));
  }

  /** First-run setup (SPEC §2): while no org exists, the first org, its owner and an API token. */
  setup(input: SetupInput, tx?: Sql) {
    return this.#inTx(tx, (t) => setupFirstOrg(t, this.ctx, input));
  }

  /** POST /orgs: a new org with the caller as its only owner. */
  createOrg(caller: Caller, name: string, tx?: Sql) {
    return this.#inTx(tx, async (t) => {
      const user = (await getUser(t, caller.userID)) ?? fail(errors.unauthorized());
      const now = this.ctx.now();
      await admitOrgCreation(t, this.ctx, user.id, now);
      return createOrgWithOwner(t, name, user, now);
    });
  }

  /**
   * A delivery report on send `sendNumber` of an invitation (the mail
   * worker's, see outbox-queue.ts): the committed entry, or null when it
   * changed nothing (an older send, a closed invitation, the same state).
   */
  recordDelivery(
    orgID: string,
    inviteID: string,
    sendNumber: number,
    delivery: Delivery,
    tx?: Sql,
  ): Promise<ChangeEntry | null> {
    const at = iso(new Date(this.ctx.now()));
    const command = reportDelivery({ orgID, inviteID, sendNumber }, delivery);
    return this.#inTx(tx, async (t) => (await runReport(t, orgID, at, command))?.entry ?? null);
  }

  // --------------------------------------------------------------- reads

  async setupAllowed(sql: Sql = this.storage): Promise<boolean> {
    return !(await anyOrgExists(sql));
  }
  /**
   * The user holding this raw API token, if it is live (not revoked, not
   * expired: R13; the stored hash compared in constant time). From memory
   * once the token has been seen (token-cache.ts).
   */
  async authenticate(token: string): Promise<SignedIn | undefined> {
    const hash = hashSecret(token);
    const now = this.ctx.now();
    const cached = this.#tokens?.get(hash, now);
    if (cached) return this.#signedIn(hash, cached);
    const read = () => userByTokenHash(this.storage, hash, now);
    const found = await (this.#tokens ? this.#tokens.readThrough(read, (u) => u) : read());
    return this.#signedIn(hash, found);
  }
  /**
   * The holder of this live raw API token, their role in `orgID` (none: not
   * a member) and the org's version; undefined for an unknown, revoked or
   * expired token. `known` answers membership from memory when it can (the
   * org's projection, current with every commit this daemon has seen): with
   * the token cached too, no database read at all; else one statement.
   */
  async authenticateForOrg(token: string, orgID: string, known?: KnownMembership) {
    const hash = hashSecret(token);
    const now = this.ctx.now();
    const cached = this.#tokens?.get(hash, now);
    const inMemory = cached && known?.(cached.id);
    if (cached && inMemory) return this.#withRole(hash, cached, inMemory);
    const read = () => orgCallerByTokenHash(this.storage, hash, orgID, now);
    const found = await (this.#tokens ? this.#tokens.readThrough(read, (c) => c?.user) : read());
    return found && this.#withRole(hash, found.user, found);
  }
  #withRole(hash: string, user: AuthenticatedUser, access: OrgAccess) {
    const who = this.#signedIn(hash, user);
    return who && { ...who, role: access.role, version: access.version };
  }
  /**
   * After a revocation committed (here: before its 2xx; another daemon's:
   * when its NOTIFY arrives): the token no longer authenticates from memory.
   */
  tokenRevoked(tokenID: string): void {
    this.#tokens?.forget(tokenID);
  }
  /**
   * Forget each revoked token as its NOTIFY arrives (any daemon's
   * revocation), and every token when the LISTEN connection was lost
   * (notifications may have been missed). Resolves to the unsubscribe.
   */
  followRevocations(): Promise<() => Promise<void>> {
    return this.storage.listen(TOKEN_REVOKED_CHANNEL, (id) => this.tokenRevoked(id), {
      onReconnect: () => this.#tokens?.clear(),
    });
  }
  #signedIn(hash: string, found: AuthenticatedUser | undefined): SignedIn | undefined {
    const user = holder(hash, found);
    if (!user || !found) return undefined;
    this.#usage.used(found.tokenID);
    return { user, credential: { tokenID: found.tokenID, expiresAt: found.tokenExpiresAt } };
  }

  // ---------------------------------------------------------- API tokens (R13)

  /** The user's own tokens (never a secret); `currentID` is the one asking. */
  listTokens(userID: string, currentID?: string) {
    return listApiTokens(this.storage, userID, currentID);
  }
  /** A new token of the caller, its secret returned this once; an expiry must be in the future. */
  createToken(caller: Caller, input: CreateTokenInput, tx?: Sql) {
    const now = this.ctx.now();
    const expires = input.expiresAt === undefined ? undefined : Date.parse(input.expiresAt);
    if (expires !== undefined && !(expires > now)) fail(errors.tokenExpiryPast());
    return this.#inTx(tx, async (t) => {
      const secret = newSecret("api");
      const token = await insertApiToken(
        t,
        {
          id: newId(),
          userID: caller.userID,
          hash: hashSecret(secret),
          description: input.description ?? "",
          expiresAt: expires === undefined ? null : iso(new Date(expires)),
        },
        iso(new Date(now)),
      );
      return { ...token, token: secret };
    });
  }
  /** Revoke one of the caller's tokens: it fails from its next request on (R13). */
  revokeToken(caller: Caller, tokenID: string, tx?: Sql): Promise<void> {
    return this.#inTx(tx, async (t) => {
      const at = iso(new Date(this.ctx.now()));
      if (!(await revokeApiToken(t, caller.userID, tokenID, at))) fail(errors.tokenNotFound());
    });
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
    return changesPage(this.storage, orgID, since, limit);
  }
  previewActivation(token: string) {
    return previewActivation(this.storage, token, this.ctx.now());
  }
}

/** What an invitation command answers: the invitation as changed, and the committed entry. */
function withInvite({ change, entry }: { change: { invite: Invite }; entry: ChangeEntry }) {
  return { invite: change.invite, entry };
}

/** The token's user, if the stored hash is the token's (compared in constant time). */
function holder(hash: string, found: AuthenticatedUser | undefined): User | undefined {
  if (!found || !hashesEqual(found.tokenHash, hash)) return undefined;
  return { id: found.id, email: found.email, name: found.name };
}
