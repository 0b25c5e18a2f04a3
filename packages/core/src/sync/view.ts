/**
 * What a UI shows: the server state with the client's pending actions
 * rebased on top of it, every row saying whether the daemon has confirmed
 * it. The rebase folds each pending action through core's own decide* and
 * applyChange, so no rule is re-implemented here, and it is idempotent with
 * respect to the server state: an action whose change the server state
 * already shows is not applied a second time.
 */
import type { DomainError } from "../errors.ts";
import { err, ok, type Result } from "../result.ts";
import {
  applyChange,
  decideInvite,
  decideRemove,
  decideResend,
  decideWithdraw,
  DEFAULT_LIMITS,
  type Limits,
  type OrgState,
} from "../rules.ts";
import type { Change, Invite, Member, Org } from "../schemas.ts";
import { countPending, withDerivedStatus } from "../status.ts";
import type { ActionKind, PendingAction } from "./pending-action.ts";
import type { SyncState } from "./reducer.ts";

export interface MemberRow {
  member: Member;
  /** Not (yet) in the server state: shown because of a pending action. */
  optimistic: boolean;
  /** A pending `remove` will take this member away. */
  removing: boolean;
  /** The unconfirmed action acting on this row, if any. */
  pendingAction?: PendingAction;
}

export interface InviteRow {
  /** The invitation with its status derived at `now` (`withdrawn` while a withdraw is pending). */
  invite: Invite;
  optimistic: boolean;
  /** A pending `withdraw` will close this invitation. */
  removing: boolean;
  pendingAction?: PendingAction;
}

export interface ActionRow {
  action: PendingAction;
  /** Its effect shows in the rows (optimistically or because the server state has it). */
  applied: boolean;
  /** Why the rebase could not apply it: the daemon will most likely refuse it for this reason. */
  conflict?: DomainError;
}

export interface SyncView {
  orgID: string;
  org: Org | null;
  version: number;
  members: MemberRow[];
  invites: InviteRow[];
  /** Members after pending actions. */
  memberCount: number;
  /** Pending invitations (R5) after pending actions, at `now`. */
  pendingCount: number;
  pendingLimit: number;
  /** Every pending action, oldest first. */
  actions: ActionRow[];
  /** Actions not yet acknowledged by the daemon (queued or in flight). */
  unsent: number;
  /** Refused actions waiting to be dismissed. */
  failed: PendingAction[];
  needsResync: boolean;
  synced: boolean;
  /** The lists come from a saved snapshot current at this time (ms), not yet caught up; else null. */
  cachedAt: number | null;
  live: boolean;
}

interface Rebased {
  state: OrgState;
  memberNotes: Map<string, { action: PendingAction; removing: boolean; ghost?: Member }>;
  inviteNotes: Map<string, { action: PendingAction; removing: boolean; ghost?: Invite }>;
  actions: ActionRow[];
}

/** Server state plus every non-failed pending action, as decide*+applyChange would leave it. */
export function rebase(state: SyncState, limits: Limits = DEFAULT_LIMITS): Rebased {
  let w: OrgState = state.server;
  const memberNotes: Rebased["memberNotes"] = new Map();
  const inviteNotes: Rebased["inviteNotes"] = new Map();
  const actions: ActionRow[] = [];
  for (const a of state.pending) {
    if (a.state === "failed") {
      actions.push({ action: a, applied: false });
      continue;
    }
    const step = rebaseOne(w, a, limits);
    if (step.change) w = applyChange(w, step.change);
    for (const n of step.invites)
      inviteNotes.set(n.id, { action: a, removing: n.removing, ghost: n.ghost });
    for (const n of step.members)
      memberNotes.set(n.id, { action: a, removing: n.removing, ghost: n.ghost });
    actions.push(
      step.conflict
        ? { action: a, applied: step.applied, conflict: step.conflict }
        : { action: a, applied: step.applied },
    );
  }
  return { state: w, memberNotes, inviteNotes, actions };
}

interface Step {
  change?: Change;
  applied: boolean;
  conflict?: DomainError;
  invites: { id: string; removing: boolean; ghost?: Invite }[];
  members: { id: string; removing: boolean; ghost?: Member }[];
}

function rebaseOne(w: OrgState, a: PendingAction, limits: Limits): Step {
  const k = a.kind;
  const now = a.submittedAt;
  const none: Step = { applied: false, invites: [], members: [] };
  switch (k.type) {
    case "invite": {
      const knownID = a.result?.inviteID;
      if (
        knownID !== undefined &&
        ((a.seen?.inviteIDs ?? []).includes(knownID) || w.invites.some((i) => i.id === knownID))
      ) {
        // The server state has (or had) it: never add a second row, just mark the server's.
        const there = w.invites.some((i) => i.id === knownID);
        return { ...none, applied: true, invites: there ? [{ id: knownID, removing: false }] : [] };
      }
      // Not in the server state yet: once confirmed, the optimistic row carries the real id.
      const inviteID = knownID ?? a.id;
      const d = decideInvite(
        w,
        { actorID: a.actorID, email: k.email, role: k.role, inviteID, now },
        limits,
      );
      if (d.ok) {
        return {
          change: d.value,
          applied: true,
          invites: [{ id: inviteID, removing: false }],
          members: [],
        };
      }
      if (d.error.reason === "already_invited") {
        // Maybe our own invitation, committed before the confirmation reached us: one row only.
        const existing = w.invites.find((i) => i.email === k.email);
        if (existing)
          return { ...none, applied: true, invites: [{ id: existing.id, removing: false }] };
      }
      return { ...none, conflict: d.error };
    }
    case "resend": {
      const target = w.invites.find((i) => i.id === k.inviteID);
      if (!target) return { ...none, applied: a.seen !== undefined || a.state === "confirmed" };
      const done =
        a.seen !== undefined ||
        target.sendCount > (a.baseSendCount ?? target.sendCount) ||
        (a.result?.sendCount !== undefined && target.sendCount >= a.result.sendCount);
      if (done) return { ...none, applied: true, invites: [{ id: target.id, removing: false }] };
      const d = decideResend(w, { actorID: a.actorID, inviteID: k.inviteID, now }, limits);
      if (!d.ok)
        return { ...none, conflict: d.error, invites: [{ id: target.id, removing: false }] };
      return {
        change: d.value,
        applied: true,
        invites: [{ id: target.id, removing: false }],
        members: [],
      };
    }
    case "withdraw": {
      const target = w.invites.find((i) => i.id === k.inviteID);
      if (!target || a.seen !== undefined) return { ...none, applied: true };
      const d = decideWithdraw(w, { actorID: a.actorID, inviteID: k.inviteID, now });
      if (!d.ok) return { ...none, conflict: d.error };
      return {
        change: d.value,
        applied: true,
        invites: [{ id: target.id, removing: true, ghost: d.value.invite }],
        members: [],
      };
    }
    case "remove": {
      const target = w.members.find((m) => m.userID === k.userID);
      if (!target || a.seen !== undefined) return { ...none, applied: true };
      const d = decideRemove(w, { actorID: a.actorID, userID: k.userID });
      if (!d.ok) return { ...none, conflict: d.error };
      return {
        change: d.value,
        applied: true,
        invites: [],
        members: [{ id: target.userID, removing: true, ghost: target }],
      };
    }
  }
}

export interface ViewOptions {
  /** The daemon's limits (resend interval, pending limit); defaults to core's. */
  limits?: Limits;
}

/**
 * The rows to render at `now`. Server order is kept; optimistic new rows
 * come last; rows a pending withdraw/remove will take away stay in place
 * with `removing: true` until the daemon's change arrives.
 */
export function selectView(state: SyncState, now: number, opts: ViewOptions = {}): SyncView {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const r = rebase(state, limits);

  const members: MemberRow[] = [];
  const finalMembers = new Map(r.state.members.map((m) => [m.userID, m]));
  const seenMembers = new Set<string>();
  for (const m of state.server.members) {
    seenMembers.add(m.userID);
    const note = r.memberNotes.get(m.userID);
    const current = finalMembers.get(m.userID);
    if (current) members.push(memberRow(current, false, note));
    else if (note?.removing) members.push(memberRow(note.ghost ?? m, false, note));
  }
  for (const m of r.state.members) {
    if (!seenMembers.has(m.userID)) members.push(memberRow(m, true, r.memberNotes.get(m.userID)));
  }

  const invites: InviteRow[] = [];
  const finalInvites = new Map(r.state.invites.map((i) => [i.id, i]));
  const serverInvites = new Map(state.server.invites.map((i) => [i.id, i]));
  for (const i of state.server.invites) {
    const note = r.inviteNotes.get(i.id);
    const current = finalInvites.get(i.id);
    if (current) invites.push(inviteRow(current, current !== i, note, now));
    else if (note?.removing) invites.push(inviteRow(note.ghost ?? i, true, note, now));
  }
  for (const i of r.state.invites) {
    if (!serverInvites.has(i.id)) invites.push(inviteRow(i, true, r.inviteNotes.get(i.id), now));
  }

  return {
    orgID: state.orgID,
    org: state.org,
    version: state.version,
    members,
    invites,
    memberCount: r.state.members.length,
    pendingCount: countPending(r.state.invites, now),
    pendingLimit: limits.pendingLimit,
    actions: r.actions,
    unsent: state.pending.filter((a) => a.state === "queued" || a.state === "sending").length,
    failed: state.pending.filter((a) => a.state === "failed"),
    needsResync: state.needsResync,
    synced: state.synced,
    cachedAt: state.cachedAt,
    live: state.live,
  };
}

function memberRow(
  member: Member,
  optimistic: boolean,
  note: { action: PendingAction; removing: boolean } | undefined,
): MemberRow {
  const row: MemberRow = {
    member,
    optimistic: optimistic || (note?.removing ?? false),
    removing: note?.removing ?? false,
  };
  if (note) row.pendingAction = note.action;
  return row;
}

function inviteRow(
  invite: Invite,
  optimistic: boolean,
  note: { action: PendingAction; removing: boolean } | undefined,
  now: number,
): InviteRow {
  const row: InviteRow = {
    invite: withDerivedStatus(invite, now),
    optimistic: optimistic || (note?.removing ?? false),
    removing: note?.removing ?? false,
  };
  if (note) row.pendingAction = note.action;
  return row;
}

// ------------------------------------------------------------ local checks

/** What a UI asks to do; the invite email is raw user input (validated here). */
export type ActionInput =
  | { type: "invite"; email: unknown; role?: unknown }
  | { type: "resend"; inviteID: string }
  | { type: "withdraw"; inviteID: string }
  | { type: "remove"; userID: string };

export interface Validated {
  /** The action to submit (the email normalised). */
  kind: ActionKind;
  /** The change the daemon is expected to commit. */
  change: Change;
}

const notConfirmedYet = (): DomainError => ({
  code: "conflict",
  message: "This invitation is not confirmed by the daemon yet. Try again in a moment.",
});
const alreadyPending = (what: string): DomainError => ({
  code: "conflict",
  message: `${what} is already waiting to be sent.`,
});

/**
 * Check an action against the rules core can decide locally (R2, R3, R5,
 * R6, R7's interval, R8, R11), on the server state with the pending actions
 * rebased on it, with the same messages as the daemon. A UI calls this
 * before submitting and shows the error instead of sending.
 */
export function validateLocally(
  state: SyncState,
  input: ActionInput,
  actorID: string,
  now: number,
  limits: Limits = DEFAULT_LIMITS,
): Result<Validated> {
  const r = rebase(state, limits);
  const w = r.state;
  const unconfirmedInvite = (id: string) =>
    state.pending.some((a) => a.id === id && a.kind.type === "invite" && a.state !== "failed") &&
    !state.server.invites.some((i) => i.id === id);
  switch (input.type) {
    case "invite": {
      const d = decideInvite(
        w,
        { actorID, email: input.email, role: input.role, inviteID: "local-check", now },
        limits,
      );
      if (!d.ok) return d;
      return ok({
        kind: { type: "invite", email: d.value.invite.email, role: d.value.invite.role },
        change: d.value,
      });
    }
    case "resend": {
      if (unconfirmedInvite(input.inviteID)) return err(notConfirmedYet());
      if (r.inviteNotes.get(input.inviteID)?.removing)
        return err(alreadyPending("A withdrawal of this invitation"));
      const d = decideResend(w, { actorID, inviteID: input.inviteID, now }, limits);
      if (!d.ok) return d;
      return ok({ kind: { type: "resend", inviteID: input.inviteID }, change: d.value });
    }
    case "withdraw": {
      if (unconfirmedInvite(input.inviteID)) return err(notConfirmedYet());
      if (r.inviteNotes.get(input.inviteID)?.removing)
        return err(alreadyPending("A withdrawal of this invitation"));
      const d = decideWithdraw(w, { actorID, inviteID: input.inviteID, now });
      if (!d.ok) return d;
      return ok({ kind: { type: "withdraw", inviteID: input.inviteID }, change: d.value });
    }
    case "remove": {
      if (r.memberNotes.get(input.userID)?.removing)
        return err(alreadyPending("Removing this member"));
      const d = decideRemove(w, { actorID, userID: input.userID });
      if (!d.ok) return d;
      return ok({ kind: { type: "remove", userID: input.userID }, change: d.value });
    }
  }
}

/**
 * A new pending action for `kind` (already validated, see validateLocally),
 * based on what the client has applied so far. `id` becomes the
 * Idempotency-Key: generate it once (e.g. crypto.randomUUID()).
 */
export function makePendingAction(
  state: SyncState,
  kind: PendingAction["kind"],
  opts: { id: string; actorID: string; now: number },
): PendingAction {
  const action: PendingAction = {
    id: opts.id,
    orgID: state.orgID,
    actorID: opts.actorID,
    kind,
    submittedAt: opts.now,
    baseVersion: state.version,
    state: "queued",
    attempts: 0,
  };
  if (kind.type === "resend") {
    // As the client sees it, earlier pending resends included.
    const inv = rebase(state, DEFAULT_LIMITS).state.invites.find((i) => i.id === kind.inviteID);
    if (inv) action.baseSendCount = inv.sendCount;
  }
  return action;
}
