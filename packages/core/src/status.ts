import type { Invite, InviteStatus } from "./schemas.ts";

/**
 * The status of an invitation at `now`: a pending one whose link is past its
 * expiry is `expired` (R4). Derived, never stored, so no sweeper is needed.
 */
export function inviteStatus(
  invite: Pick<Invite, "status" | "expiresAt">,
  now: number,
): InviteStatus {
  if (invite.status === "pending" || invite.status === "expired") {
    return now >= Date.parse(invite.expiresAt) ? "expired" : "pending";
  }
  return invite.status;
}

/** An invitation that can still be resent or withdrawn (pending or expired). */
export function isOpen(invite: Pick<Invite, "status">): boolean {
  return invite.status === "pending" || invite.status === "expired";
}

/** The invitation as shown at `now`, with its derived status. */
export function withDerivedStatus(invite: Invite, now: number): Invite {
  const status = inviteStatus(invite, now);
  return status === invite.status ? invite : { ...invite, status };
}

export function countPending(invites: readonly Invite[], now: number): number {
  let n = 0;
  for (const i of invites) if (inviteStatus(i, now) === "pending") n++;
  return n;
}

/** Milliseconds until the link expires (negative once expired). */
export function timeLeftMs(invite: Pick<Invite, "expiresAt">, now: number): number {
  return Date.parse(invite.expiresAt) - now;
}

/** "expires in 71h", "expires in 12m", "expired 2h ago" — what the TUI and CLI print. */
export function describeExpiry(invite: Pick<Invite, "expiresAt" | "status">, now: number): string {
  if (invite.status === "accepted") return "accepted";
  if (invite.status === "withdrawn") return "withdrawn";
  const left = timeLeftMs(invite, now);
  if (left > 0) return `expires in ${humanDuration(left)}`;
  return `expired ${humanDuration(-left)} ago`;
}

export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${Math.max(s, 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 96) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/**
 * The clock interval `[from, until)` around `now` in which every invitation's
 * derived status (inviteStatus) stays what it is at `now`: a status changes
 * only when the clock crosses an open invitation's expiry instant. So an
 * answer derived at `now` holds for any clock in this interval (forwards or
 * backwards), and must be derived again outside it.
 */
export function statusWindow(
  invites: readonly Pick<Invite, "status" | "expiresAt">[],
  now: number,
): { from: number; until: number } {
  let from = -Infinity;
  let until = Infinity;
  for (const i of invites) {
    if (i.status !== "pending" && i.status !== "expired") continue;
    const t = Date.parse(i.expiresAt);
    if (t <= now) from = Math.max(from, t);
    else until = Math.min(until, t);
  }
  return { from, until };
}
