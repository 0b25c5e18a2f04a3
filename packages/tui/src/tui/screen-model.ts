/**
 * From the sync view (server state with pending actions rebased on it) to
 * the rows the org screen draws: sorted, filtered, each with its mark
 * (unconfirmed, refused) and the words of its detail line. Pure.
 */
import {
  compareInvites,
  compareMembers,
  DEFAULT_SORT,
  describeAction,
  type DomainError,
  type Invite,
  type Member,
  type PendingAction,
  type SortPrefs,
  type SyncState,
  type SyncView,
} from "@roster/core";
import { ago, deliveryDetail, inviteCells, matchesFilter, memberCells } from "./format.ts";

/** `pending`: not confirmed by the daemon yet; `failed`: the daemon refused it. */
export type Mark = "none" | "pending" | "failed";

export interface MemberItem {
  key: string;
  member: Member;
  mark: Mark;
  you: boolean;
  removing: boolean;
  action?: PendingAction;
}

export interface InviteItem {
  key: string;
  email: string;
  /** The invitation; absent for an invite the daemon refused (nothing was created). */
  invite?: Invite;
  mark: Mark;
  removing: boolean;
  action?: PendingAction;
  error?: DomainError;
}

export interface ScreenLists {
  members: MemberItem[];
  invites: InviteItem[];
  /** Before filtering. */
  totalMembers: number;
  totalInvites: number;
}

function actionMark(a: PendingAction | undefined, optimistic: boolean): Mark {
  if (a?.state === "failed") return "failed";
  if (optimistic || (a !== undefined && a.state !== "confirmed")) return "pending";
  if (a !== undefined) return "pending";
  return "none";
}

/**
 * Sorted (unfiltered) rows; memoise on the view. Each list is in its `sort`
 * (core's order, at `now`); queued and refused invitations that exist only
 * here stay on top, so they are never out of sight.
 */
export function screenLists(
  view: SyncView,
  meID: string | undefined,
  sort: SortPrefs = DEFAULT_SORT,
  now: number = Date.now(),
): ScreenLists {
  const members: MemberItem[] = view.members.map((r) => {
    const item: MemberItem = {
      key: `m:${r.member.userID}`,
      member: r.member,
      mark: actionMark(r.pendingAction, r.optimistic),
      you: r.member.userID === meID,
      removing: r.removing,
    };
    if (r.pendingAction) item.action = r.pendingAction;
    return item;
  });
  const byMember = compareMembers(sort.members);
  members.sort((a, b) => byMember(a.member, b.member));

  const invites: InviteItem[] = view.invites.map((r) => {
    const item: InviteItem = {
      key: `i:${r.invite.id}`,
      email: r.invite.email,
      invite: r.invite,
      mark: actionMark(r.pendingAction, r.optimistic),
      removing: r.removing,
    };
    if (r.pendingAction) item.action = r.pendingAction;
    return item;
  });
  const byInvite = compareInvites(sort.invites, now);
  invites.sort((a, b) => byInvite(a.invite!, b.invite!));
  // Queued invitations the view could not place (nothing loaded yet, or a conflict the
  // daemon will decide on): shown anyway, so a queue is never invisible.
  const unplaced: InviteItem[] = [];
  for (const r of view.actions) {
    const a = r.action;
    if (r.applied || a.state === "failed" || a.kind.type !== "invite") continue;
    unplaced.push(actionItem(a, a.kind.email, "pending", r.conflict));
  }
  // Refused invitations: nothing exists on the daemon, but the row stays, with its reason.
  const refused: InviteItem[] = [];
  for (const a of view.failed) {
    if (a.kind.type !== "invite") continue;
    refused.push(actionItem(a, a.kind.email, "failed", a.error));
  }
  return {
    members,
    invites: [...refused, ...unplaced, ...invites],
    totalMembers: members.length,
    totalInvites: refused.length + unplaced.length + invites.length,
  };
}

export function filterLists(lists: ScreenLists, filter: string): ScreenLists {
  if (filter.trim() === "") return lists;
  return {
    ...lists,
    members: lists.members.filter((m) => matchesFilter(filter, m.member.email, m.member.name)),
    invites: lists.invites.filter((i) => matchesFilter(filter, i.email)),
  };
}

function pendingWords(a: PendingAction, online: boolean): string {
  switch (a.state) {
    case "queued":
      return online ? "queued, sending soon" : "queued, will be sent when the daemon is back";
    case "sending":
      return "sending…";
    case "confirmed":
      return "accepted by the daemon, waiting for the live update";
    case "failed":
      return `refused: ${a.error?.message ?? "unknown error"}`;
  }
}

/** The detail line for the selected member. */
export function memberDetail(item: MemberItem, now: number, online: boolean): string {
  if (item.action && item.mark !== "none") {
    const what = item.action.kind.type === "remove" ? "removal" : describeAction(item.action.kind);
    return `… ${item.member.email}: ${what} ${pendingWords(item.action, online)}`;
  }
  const c = memberCells(item.member, now, undefined);
  const you = item.you ? " (you)" : "";
  return `${item.member.name || "(no name)"} <${item.member.email}>${you} · ${c.role} · joined ${ago(item.member.joinedAt, now)}`;
}

/**
 * The detail line for the selected invitation; `link`: its activation link,
 * when the daemon gave it to this session (shown after the email).
 */
export function inviteDetail(
  item: InviteItem,
  now: number,
  online: boolean,
  link?: string,
): string {
  if (item.mark === "failed") {
    const msg = item.error?.message ?? item.action?.error?.message ?? "refused by the daemon";
    return `✗ ${item.email}: ${msg} (d or c dismisses)`;
  }
  if (item.action && item.mark === "pending") {
    if (!item.invite && item.error)
      return `… ${item.email}: queued; the daemon will likely refuse it: ${item.error.message}`;
    const kind = item.action.kind;
    const what =
      kind.type === "invite"
        ? "invitation"
        : kind.type === "resend"
          ? "resend"
          : kind.type === "withdraw"
            ? "withdrawal"
            : describeAction(kind);
    return `… ${item.email}: ${what} ${pendingWords(item.action, online)}`;
  }
  if (!item.invite) return item.email;
  const inv = item.invite;
  const email = link === undefined ? inv.email : `${inv.email} · link ${link} (y copies)`;
  const c = inviteCells(inv, now);
  const delivery = deliveryDetail(inv.delivery, now);
  // A delivery problem comes first: it is what the user has to act on.
  if (inv.delivery.state === "failed" || inv.delivery.lastError) {
    return `${email} · ${delivery} · ${c.expiry} · sent ${inv.sendCount}×`;
  }
  return `${email} · ${inv.role} · ${c.expiry} · sent ${inv.sendCount}× · ${delivery}`;
}

/** An action in words, naming the invitation or member by email where the state knows it. */
export function describeActionIn(a: PendingAction, state: SyncState): string {
  const k = a.kind;
  switch (k.type) {
    case "invite":
      return `invite ${k.email}`;
    case "resend":
    case "withdraw": {
      const inv = state.server.invites.find((i) => i.id === k.inviteID);
      const who = inv ? `the invitation for ${inv.email}` : "the invitation";
      return `${k.type} ${who}`;
    }
    case "remove": {
      const m = state.server.members.find((x) => x.userID === k.userID);
      return `remove ${m ? m.email : "the member"}`;
    }
  }
}

/** The row of an invitation that exists only as an action here (queued, or refused). */
function actionItem(
  a: PendingAction,
  email: string,
  mark: "pending" | "failed",
  error: DomainError | undefined,
): InviteItem {
  const item: InviteItem = { key: `a:${a.id}`, email, mark, removing: false, action: a };
  if (error) item.error = error;
  return item;
}
