/**
 * The change log in words (the audit trail, R12): who did what to whom, and
 * when — one line per entry, for the TUI's Activity list and `roster log`.
 * Pure.
 */
import type { ChangeEntry } from "./schemas.ts";

export interface ActivityLine {
  version: number;
  /** ISO 8601 UTC. */
  at: string;
  /** Who did it: their email, or `roster` for the daemon itself (email delivery). */
  actor: string;
  what: string;
  /** The email the change is about. */
  whom: string;
}

export function describeChange(entry: ChangeEntry): ActivityLine {
  const c = entry.change;
  const base = { version: entry.version, at: entry.at, actor: entry.actor?.email ?? "roster" };
  switch (c.type) {
    case "member.added":
      return { ...base, what: `added as ${c.member.role}`, whom: c.member.email };
    case "member.removed":
      return { ...base, what: "removed", whom: c.email };
    case "invite.created":
      return { ...base, what: `invited as ${c.invite.role}`, whom: c.invite.email };
    case "invite.resent":
      return {
        ...base,
        what: `resent invitation (${c.invite.sendCount}×)`,
        whom: c.invite.email,
      };
    case "invite.withdrawn":
      return { ...base, what: "withdrew invitation", whom: c.invite.email };
    case "invite.accepted":
      return {
        ...base,
        actor: entry.actor?.email ?? c.member.email,
        what: `accepted, joined (${c.member.role})`,
        whom: c.member.email,
      };
    case "invite.delivery": {
      const d = c.invite.delivery;
      const what =
        d.state === "sent"
          ? "email sent"
          : d.state === "failed"
            ? `email failed${d.lastError ? `: ${d.lastError}` : ""}`
            : `email queued${d.lastError ? ` (retrying: ${d.lastError})` : ""}`;
      return { ...base, what, whom: c.invite.email };
    }
  }
}

/** Case-insensitive match of a filter on the actor, what and whom. */
export function activityMatches(line: ActivityLine, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (f === "") return true;
  return [line.actor, line.what, line.whom].some((s) => s.toLowerCase().includes(f));
}
