/**
 * The words of the TUI: cells of a member or invitation row, the header
 * counts and the connection state. Pure, so they are tested without Ink.
 */
import {
  describeExpiry,
  humanDuration,
  inviteStatus,
  type Delivery,
  type Invite,
  type Member,
} from "@roster/core";

/** Connection state as the header shows it (SPEC §5). */
export type ConnectionView =
  | { state: "connecting" }
  | { state: "live" }
  | { state: "reconnecting" }
  /** `dataAge`: how old (ms) the lists shown are, when known. */
  | { state: "offline"; queued: number; dataAge?: number }
  | { state: "revoked"; message: string };

/**
 * How much of the data's age to say: "offline — 1 queued · data from 3m ago"
 * (`long`), "offline — 1 queued · 3m old" (`short`) or nothing (`none`).
 */
export type AgeWords = "long" | "short" | "none";

export function connectionText(c: ConnectionView, age: AgeWords = "long"): string {
  switch (c.state) {
    case "connecting":
      return "connecting…";
    case "live":
      return "● live";
    case "reconnecting":
      return "reconnecting…";
    case "offline": {
      const base = `offline — ${c.queued} queued`;
      if (c.dataAge === undefined || age === "none") return base;
      const d = humanDuration(Math.max(0, c.dataAge));
      return age === "long" ? `${base} · data from ${d} ago` : `${base} · ${d} old`;
    }
    case "revoked":
      return "✗ no access";
  }
}

export function countsText(members: number, pending: number, limit: number): string {
  return `members: ${members} · pending: ${pending}/${limit}`;
}

/** "3d ago", "5m ago"; "just now" under a minute. */
export function ago(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return "";
  if (ms < 60_000) return "just now";
  return `${humanDuration(ms)} ago`;
}

export function deliveryText(d: Delivery): string {
  switch (d.state) {
    case "queued":
      return (d.attempts ?? 0) > 0 ? `queued (retry ${d.attempts})` : "queued";
    case "sent":
      return "sent";
    case "failed":
      return "failed";
  }
}

/** Delivery in full, for the detail line: "failed after 3 attempts: ECONNREFUSED · next try in 2m". */
export function deliveryDetail(d: Delivery, now: number): string {
  const parts: string[] = [];
  const attempts = d.attempts ?? 0;
  if (d.state === "failed")
    parts.push(
      attempts > 0
        ? `email failed after ${attempts} attempt${attempts === 1 ? "" : "s"}`
        : "email failed",
    );
  else if (d.state === "sent") parts.push("email sent");
  else
    parts.push(
      attempts > 0
        ? `email queued, ${attempts} failed attempt${attempts === 1 ? "" : "s"}`
        : "email queued",
    );
  if (d.lastError && d.state !== "sent") parts.push(`last error: ${d.lastError}`);
  if (d.nextAttemptAt && d.state !== "sent") {
    const left = Date.parse(d.nextAttemptAt) - now;
    parts.push(left > 0 ? `next try in ${humanDuration(left)}` : "next try now");
  }
  return parts.join(" · ");
}

export interface InviteCells {
  email: string;
  status: string;
  expiry: string;
  sends: string;
  delivery: string;
}

export function inviteCells(invite: Invite, now: number): InviteCells {
  const status = inviteStatus(invite, now);
  return {
    email: invite.email,
    status,
    expiry: describeExpiry({ ...invite, status }, now),
    sends: `${invite.sendCount}×`,
    delivery: deliveryText(invite.delivery),
  };
}

export interface MemberCells {
  email: string;
  name: string;
  role: string;
  joined: string;
}

export function memberCells(member: Member, now: number, meID: string | undefined): MemberCells {
  return {
    email: member.userID === meID ? `${member.email} (you)` : member.email,
    name: member.name,
    role: member.role,
    joined: ago(member.joinedAt, now),
  };
}

/** Case-insensitive substring match on email and name. */
export function matchesFilter(filter: string, ...fields: readonly string[]): boolean {
  const f = filter.trim().toLowerCase();
  if (f === "") return true;
  return fields.some((x) => x.toLowerCase().includes(f));
}
