/**
 * Sorting the Members and Invitations lists by a column, the same way in the
 * TUI (`s` / `S`) and the CLI (`--sort COL [--reverse]`). Pure: the clock is
 * a parameter (an invitation's status depends on it). Every order ends with
 * the email and then the id, so it is total and `reverse` is its exact mirror.
 */
import { inviteStatus } from "./status.ts";
import type { DeliveryState, Invite, InviteStatus, Member } from "./schemas.ts";

export const MEMBER_SORT_COLUMNS = ["email", "name", "role", "joined"] as const;
export const INVITE_SORT_COLUMNS = ["email", "status", "expires", "delivery"] as const;
export type MemberSortColumn = (typeof MEMBER_SORT_COLUMNS)[number];
export type InviteSortColumn = (typeof INVITE_SORT_COLUMNS)[number];

export type SortList = "members" | "invites";

export interface ListSort<C extends string = string> {
  column: C;
  /** Descending instead of ascending. */
  reverse: boolean;
}

export type MemberSort = ListSort<MemberSortColumn>;
export type InviteSort = ListSort<InviteSortColumn>;

/** The sort of each list. */
export interface SortPrefs {
  members: MemberSort;
  invites: InviteSort;
}

/** Members A→Z by email; invitations with the latest expiry (the newest sent) first. */
export const DEFAULT_SORT: SortPrefs = {
  members: { column: "email", reverse: false },
  invites: { column: "expires", reverse: true },
};

export function sortColumns(list: SortList): readonly string[] {
  return list === "members" ? MEMBER_SORT_COLUMNS : INVITE_SORT_COLUMNS;
}

/** The column after `column` in the list's cycle (the first after the last). */
export function nextSortColumn<C extends string>(list: SortList, column: C): C {
  const cols = sortColumns(list);
  const i = cols.indexOf(column);
  return cols[(i + 1) % cols.length] as C;
}

/** `s`: the next column, ascending. */
export function cycleSort<C extends string>(list: SortList, sort: ListSort<C>): ListSort<C> {
  return { column: nextSortColumn(list, sort.column), reverse: false };
}

/** `S`: the same column, the other way. */
export function reverseSort<C extends string>(sort: ListSort<C>): ListSort<C> {
  return { column: sort.column, reverse: !sort.reverse };
}

/** "email ↑", "expires ↓": how the header shows a sort. */
export function describeSort(sort: ListSort): string {
  return `${sort.column} ${sort.reverse ? "↓" : "↑"}`;
}

/** A column name as typed (`--sort Email`) → the list's column, or undefined. */
export function parseSortColumn(list: SortList, text: string): string | undefined {
  const t = text.trim().toLowerCase();
  const aliases: Record<string, string> = {
    expiry: "expires",
    expires: "expires",
    joined: "joined",
    joinedat: "joined",
  };
  const col = aliases[t] ?? t;
  return sortColumns(list).includes(col) ? col : undefined;
}

/** A stored or typed sort → a valid one for the list (unknown columns fall back to the default). */
export function normalizeSort(list: "members", value: unknown): MemberSort;
export function normalizeSort(list: "invites", value: unknown): InviteSort;
export function normalizeSort(list: SortList, value: unknown): ListSort {
  const fallback = DEFAULT_SORT[list];
  if (typeof value !== "object" || value === null) return fallback;
  const v = value as { column?: unknown; reverse?: unknown };
  const column = typeof v.column === "string" ? parseSortColumn(list, v.column) : undefined;
  if (column === undefined) return fallback;
  return { column, reverse: v.reverse === true };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const STATUS_RANK: Record<InviteStatus, number> = {
  pending: 0,
  expired: 1,
  accepted: 2,
  withdrawn: 3,
};
/** Problems first. */
const DELIVERY_RANK: Record<DeliveryState, number> = { failed: 0, queued: 1, sent: 2 };

function memberKey(m: Member, column: MemberSortColumn): string | number {
  switch (column) {
    case "email":
      return m.email.toLowerCase();
    case "name":
      return m.name.toLowerCase();
    case "role":
      return m.role;
    case "joined":
      return Date.parse(m.joinedAt);
  }
}

function inviteKey(i: Invite, column: InviteSortColumn, now: number): string | number {
  switch (column) {
    case "email":
      return i.email.toLowerCase();
    case "status":
      return STATUS_RANK[inviteStatus(i, now)];
    case "expires":
      return Date.parse(i.expiresAt);
    case "delivery":
      return DELIVERY_RANK[i.delivery.state];
  }
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return cmp(String(a), String(b));
}

/** Comparator of members for a sort (ties by email, then user id). */
export function compareMembers(sort: MemberSort): (a: Member, b: Member) => number {
  const sign = sort.reverse ? -1 : 1;
  return (a, b) => {
    const c =
      compareKeys(memberKey(a, sort.column), memberKey(b, sort.column)) ||
      cmp(a.email.toLowerCase(), b.email.toLowerCase()) ||
      cmp(a.userID, b.userID);
    return sign * c;
  };
}

/** Comparator of invitations for a sort at `now` (ties by email, then id). */
export function compareInvites(sort: InviteSort, now: number): (a: Invite, b: Invite) => number {
  const sign = sort.reverse ? -1 : 1;
  return (a, b) => {
    const c =
      compareKeys(inviteKey(a, sort.column, now), inviteKey(b, sort.column, now)) ||
      cmp(a.email.toLowerCase(), b.email.toLowerCase()) ||
      cmp(a.id, b.id);
    return sign * c;
  };
}

export function sortMembers(members: readonly Member[], sort: MemberSort): Member[] {
  return [...members].sort(compareMembers(sort));
}

export function sortInvites(invites: readonly Invite[], sort: InviteSort, now: number): Invite[] {
  return [...invites].sort(compareInvites(sort, now));
}
