/** Rows of the human-readable tables. Pure: the clock is a parameter. */
import {
  describeExpiry,
  inviteStatus,
  type Invite,
  type Member,
  type Org,
  type Role,
} from "@roster/core";
import { renderTable } from "./table.ts";

export const MEMBER_HEADERS = ["ID", "Email", "Name", "Role", "Joined"] as const;
export const INVITE_HEADERS = [
  "ID",
  "Email",
  "Role",
  "Status",
  "Expires",
  "Sends",
  "Delivery",
] as const;
export const ORG_HEADERS = ["ID", "Name", "Role", "Created"] as const;

/** `2025-03-01T12:34:56.789Z` → `2025-03-01 12:34 UTC`. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function membersTable(members: readonly Member[]): string {
  return renderTable(
    MEMBER_HEADERS,
    members.map((m) => [m.userID, m.email, m.name, m.role, formatTime(m.joinedAt)]),
  );
}

export function describeDelivery(invite: Invite): string {
  const d = invite.delivery;
  if (d.state !== "failed") return d.state;
  const error = d.lastError ? `: ${clip(d.lastError, 40)}` : "";
  return `failed${error}`;
}

export function invitesTable(invites: readonly Invite[], now: number): string {
  return renderTable(
    INVITE_HEADERS,
    invites.map((i) => {
      const status = inviteStatus(i, now);
      return [
        i.id,
        i.email,
        i.role,
        status,
        describeExpiry({ ...i, status }, now),
        String(i.sendCount),
        describeDelivery(i),
      ];
    }),
  );
}

export function orgsTable(orgs: readonly (Org & { role?: Role })[]): string {
  return renderTable(
    ORG_HEADERS,
    orgs.map((o) => [o.id, o.name, o.role ?? "owner", formatTime(o.createdAt)]),
  );
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
