/**
 * The rules of SPEC §1 as pure decisions: (state, command, now) → the one
 * change to commit, or a typed domain error. Ids, token hashes and the clock
 * come in as parameters; nothing here does I/O.
 */
import { DEFAULT_RESEND_INTERVAL_S, INVITE_TTL_MS, PENDING_LIMIT } from "./constants.ts";
import { parseEmail } from "./email.ts";
import { errors } from "./errors.ts";
import { err, ok, type Result } from "./result.ts";
import { RoleSchema, type Change, type Invite, type Member } from "./schemas.ts";
import { countPending, inviteStatus } from "./status.ts";

/** What a decision needs to know about one org. */
export interface OrgState {
  orgID: string;
  members: readonly Member[];
  /** Open invitations, plus any closed one a command names. */
  invites: readonly Invite[];
}

export type ChangeOf<T extends Change["type"]> = Extract<Change, { type: T }>;

export interface Limits {
  pendingLimit: number;
  resendIntervalS: number;
  inviteTtlMs: number;
}
export const DEFAULT_LIMITS: Limits = {
  pendingLimit: PENDING_LIMIT,
  resendIntervalS: DEFAULT_RESEND_INTERVAL_S,
  inviteTtlMs: INVITE_TTL_MS,
};

const iso = (ms: number) => new Date(ms).toISOString();

/** The caller must be a member; to anyone else the org does not exist (SPEC §2). */
export function requireMember(state: OrgState, actorID: string): Result<Member> {
  const m = state.members.find((x) => x.userID === actorID);
  return m ? ok(m) : err(errors.orgNotFound());
}

/** Only owners may write (R1); `owner` is the only role today. */
function requireOwner(state: OrgState, actorID: string): Result<Member> {
  const m = requireMember(state, actorID);
  if (!m.ok) return m;
  if (m.value.role !== "owner") return err(errors.orgNotFound());
  return m;
}

export function parseRole(role: unknown): Result<Member["role"]> {
  const r = RoleSchema.safeParse(role === undefined ? "owner" : role);
  return r.success ? ok(r.data) : err(errors.invalidRole(role));
}

function findOpenByEmail(state: OrgState, email: string, now: number, exceptID?: string) {
  return state.invites.find(
    (i) => i.id !== exceptID && i.email === email && inviteStatus(i, now) === "pending",
  );
}

export interface InviteCommand {
  actorID: string;
  email: unknown;
  role?: unknown;
  /** Id for the new invitation (the caller makes ids). */
  inviteID: string;
  now: number;
}

/** R2–R6: create one invitation. */
export function decideInvite(
  state: OrgState,
  cmd: InviteCommand,
  limits: Limits = DEFAULT_LIMITS,
): Result<ChangeOf<"invite.created">> {
  const actor = requireOwner(state, cmd.actorID);
  if (!actor.ok) return actor;
  const email = parseEmail(cmd.email);
  if (!email.ok) return email;
  const role = parseRole(cmd.role);
  if (!role.ok) return role;
  if (state.members.some((m) => m.email === email.value)) {
    return err(errors.alreadyMember(email.value));
  }
  if (findOpenByEmail(state, email.value, cmd.now)) return err(errors.alreadyInvited(email.value));
  if (countPending(state.invites, cmd.now) >= limits.pendingLimit) {
    return err(errors.pendingLimit(limits.pendingLimit));
  }
  const invite: Invite = {
    id: cmd.inviteID,
    orgID: state.orgID,
    email: email.value,
    role: role.value,
    status: "pending",
    invitedBy: cmd.actorID,
    createdAt: iso(cmd.now),
    sentAt: iso(cmd.now),
    expiresAt: iso(cmd.now + limits.inviteTtlMs),
    sendCount: 1,
    delivery: { state: "queued", attempts: 0 },
  };
  return ok({ type: "invite.created", invite });
}

/** Resend or withdraw of a closed invitation (accept has its own words, for the invitee). */
function closedError(invite: Invite) {
  return invite.status === "accepted"
    ? errors.inviteAlreadyAccepted(invite.email)
    : errors.inviteAlreadyWithdrawn();
}

export interface InviteActionCommand {
  actorID: string;
  inviteID: string;
  now: number;
}

/** What resend and withdraw check first: an owner acts, on an invitation of the org still open. */
function openInvite(state: OrgState, cmd: InviteActionCommand): Result<Invite> {
  const actor = requireOwner(state, cmd.actorID);
  if (!actor.ok) return actor;
  const invite = state.invites.find((i) => i.id === cmd.inviteID);
  if (!invite) return err(errors.noSuchInvite());
  if (invite.status === "accepted" || invite.status === "withdrawn") {
    return err(closedError(invite));
  }
  return ok(invite);
}

/** R7: resend a pending or expired invitation with a fresh link and clock. */
export function decideResend(
  state: OrgState,
  cmd: InviteActionCommand,
  limits: Limits = DEFAULT_LIMITS,
): Result<ChangeOf<"invite.resent">> {
  const open = openInvite(state, cmd);
  if (!open.ok) return open;
  const invite = open.value;
  const status = inviteStatus(invite, cmd.now);
  const nextAllowed = Date.parse(invite.sentAt) + limits.resendIntervalS * 1000;
  if (limits.resendIntervalS > 0 && cmd.now < nextAllowed) {
    return err(errors.resendTooSoon(Math.ceil((nextAllowed - cmd.now) / 1000)));
  }
  if (status === "expired") {
    if (state.members.some((m) => m.email === invite.email)) {
      return err(errors.alreadyMember(invite.email));
    }
    if (findOpenByEmail(state, invite.email, cmd.now, invite.id)) {
      return err(errors.alreadyInvited(invite.email));
    }
    if (countPending(state.invites, cmd.now) >= limits.pendingLimit) {
      return err(errors.pendingLimit(limits.pendingLimit));
    }
  }
  return ok({
    type: "invite.resent",
    invite: {
      ...invite,
      status: "pending",
      sentAt: iso(cmd.now),
      expiresAt: iso(cmd.now + limits.inviteTtlMs),
      sendCount: invite.sendCount + 1,
      delivery: { state: "queued", attempts: 0 },
    },
  });
}

/** R8: withdraw a pending or expired invitation. */
export function decideWithdraw(
  state: OrgState,
  cmd: InviteActionCommand,
): Result<ChangeOf<"invite.withdrawn">> {
  const open = openInvite(state, cmd);
  if (!open.ok) return open;
  const invite = open.value;
  return ok({ type: "invite.withdrawn", invite: { ...invite, status: "withdrawn" } });
}

export interface AcceptCommand {
  /** The invitation the token belongs to, if any. */
  invite: Invite | undefined;
  /** False when the token was replaced by a resend. */
  tokenIsCurrent: boolean;
  /** The person accepting: an existing user with that email, or a new one. */
  user: { id: string; email: string; name: string };
  now: number;
}

/** R9: accept with a valid, unexpired, pending, current token. */
export function decideAccept(
  state: OrgState,
  cmd: AcceptCommand,
): Result<ChangeOf<"invite.accepted">> {
  const invite = cmd.invite;
  if (!invite) return err(errors.inviteNotFound());
  if (invite.status === "accepted") return err(errors.inviteAccepted());
  if (invite.status === "withdrawn") return err(errors.inviteWithdrawn());
  if (!cmd.tokenIsCurrent) return err(errors.inviteSuperseded());
  if (inviteStatus(invite, cmd.now) === "expired") return err(errors.inviteExpired());
  if (state.members.some((m) => m.userID === cmd.user.id || m.email === invite.email)) {
    return err(errors.alreadyMember(invite.email));
  }
  const member: Member = {
    userID: cmd.user.id,
    email: invite.email,
    name: cmd.user.name,
    role: invite.role,
    joinedAt: iso(cmd.now),
  };
  return ok({ type: "invite.accepted", invite: { ...invite, status: "accepted" }, member });
}

export interface RemoveCommand {
  actorID: string;
  userID: string;
}

/** R10 + R11: remove a member, never yourself. */
export function decideRemove(
  state: OrgState,
  cmd: RemoveCommand,
): Result<ChangeOf<"member.removed">> {
  const actor = requireOwner(state, cmd.actorID);
  if (!actor.ok) return actor;
  if (cmd.userID === cmd.actorID) return err(errors.cannotRemoveSelf());
  const target = state.members.find((m) => m.userID === cmd.userID);
  if (!target) return err(errors.memberNotFound());
  return ok({ type: "member.removed", userID: target.userID, email: target.email });
}

/** The founding member of a new org (setup, POST /orgs). */
export function foundingMember(user: { id: string; email: string; name: string }, now: number) {
  const member: Member = {
    userID: user.id,
    email: user.email,
    name: user.name,
    role: "owner",
    joinedAt: iso(now),
  };
  return { type: "member.added", member } satisfies ChangeOf<"member.added">;
}

/**
 * Apply one change to an org's state. Closed invitations (accepted,
 * withdrawn) leave the open list; the daemon, the sync reducer and the
 * property tests all fold changes with this one function.
 */
export function applyChange(state: OrgState, change: Change): OrgState {
  switch (change.type) {
    case "member.added":
      return { ...state, members: upsert(state.members, change.member, (m) => m.userID) };
    case "member.removed":
      return { ...state, members: state.members.filter((m) => m.userID !== change.userID) };
    case "invite.created":
    case "invite.resent":
    case "invite.delivery":
      return change.invite.status === "pending" || change.invite.status === "expired"
        ? { ...state, invites: upsert(state.invites, change.invite, (i) => i.id) }
        : {
            ...state,
            invites: state.invites.map((i) => (i.id === change.invite.id ? change.invite : i)),
          };
    case "invite.withdrawn":
      return { ...state, invites: state.invites.filter((i) => i.id !== change.invite.id) };
    case "invite.accepted":
      return {
        ...state,
        invites: state.invites.filter((i) => i.id !== change.invite.id),
        members: upsert(state.members, change.member, (m) => m.userID),
      };
  }
}

function upsert<T>(list: readonly T[], item: T, key: (x: T) => string): T[] {
  const k = key(item);
  const idx = list.findIndex((x) => key(x) === k);
  if (idx === -1) return [...list, item];
  const next = list.slice();
  next[idx] = item;
  return next;
}
