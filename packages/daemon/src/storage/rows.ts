/**
 * Database rows and their JSON shapes (SPEC §2): every query in storage/
 * maps its rows with these, so each shape is written once. The token hash of
 * an invitation is read only to compare it (accept), never returned as JSON.
 */
import type { Delivery, Invite, Member, Org, Role, User } from "@roster/core";

export function iso(t: Date | string): string {
  return (t instanceof Date ? t : new Date(t)).toISOString();
}

export interface OrgRow {
  id: string;
  name: string;
  created_at: Date | string;
  version: number | string;
}

export function toOrg(r: Pick<OrgRow, "id" | "name" | "created_at">): Org {
  return { id: r.id, name: r.name, createdAt: iso(r.created_at) };
}

export interface UserRow {
  id: string;
  email: string;
  name: string;
}

export function toUser(r: UserRow): User {
  return { id: r.id, email: r.email, name: r.name };
}

export interface MemberRow {
  user_id: string;
  email: string;
  name: string;
  role: string;
  joined_at: Date | string;
}

export const MEMBER_COLUMNS = "m.user_id, u.email, u.name, m.role, m.joined_at";

export function toMember({ user_id, email, name, role, joined_at }: MemberRow): Member {
  return { userID: user_id, email, name, role: role as Role, joinedAt: iso(joined_at) };
}

export interface InviteRow {
  id: string;
  org_id: string;
  email: string;
  role: string;
  status: "pending" | "accepted" | "withdrawn";
  invited_by: string;
  created_at: Date | string;
  sent_at: Date | string;
  expires_at: Date | string;
  send_count: number;
  delivery_state: Delivery["state"];
  delivery_attempts: number;
  delivery_last_error: string | null;
  delivery_next_attempt_at: Date | string | null;
  token_hash: string;
}

export const INVITE_COLUMNS =
  "id, org_id, email, role, status, invited_by, created_at, sent_at, expires_at, send_count, " +
  "delivery_state, delivery_attempts, delivery_last_error, delivery_next_attempt_at, token_hash";

/** The stored invitation (status as stored: `expired` is derived by the reader). */
export function toInvite(r: InviteRow): Invite {
  return {
    id: r.id,
    orgID: r.org_id,
    email: r.email,
    role: r.role as Role,
    status: r.status,
    invitedBy: r.invited_by,
    createdAt: iso(r.created_at),
    sentAt: iso(r.sent_at),
    expiresAt: iso(r.expires_at),
    sendCount: Number(r.send_count),
    delivery: toDelivery(r),
  };
}

export function toDelivery(
  r: Pick<
    InviteRow,
    "delivery_state" | "delivery_attempts" | "delivery_last_error" | "delivery_next_attempt_at"
  >,
): Delivery {
  const d: Delivery = { state: r.delivery_state, attempts: Number(r.delivery_attempts) };
  if (r.delivery_last_error != null) d.lastError = r.delivery_last_error;
  if (r.delivery_next_attempt_at != null) d.nextAttemptAt = iso(r.delivery_next_attempt_at);
  return d;
}
