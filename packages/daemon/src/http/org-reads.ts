/**
 * List reads of an org, served from the in-memory projection (kept current
 * by the change feed) when it is at exactly the version read together with
 * the caller's membership — so a client always sees its own writes and never
 * an older state than the database's — else from the database. Either way
 * the answer is the same JSON (same order: as the SQL's `order by`). Bodies
 * are serialized once and cached as bytes: members per version, invitations
 * per version until the next expiry instant (their status follows the clock).
 */
import {
  countPending,
  inviteStatus,
  isOpen,
  statusWindow,
  withDerivedStatus,
  type InvitesResponse,
  type InviteStatusFilter,
  type MembersResponse,
} from "@roster/core";
import type { Context, TypedResponse } from "hono";
import { listedInvites, projectedMembers, type OrgProjection } from "../live/org-projection.ts";
import type { AppContext } from "./app-env.ts";

declare const serialized: unique symbol;
/** UTF-8 JSON that is the serialization of a T (made by jsonBytes only). */
export type JsonBytes<T> = Uint8Array<ArrayBuffer> & { readonly [serialized]: T };

const encoder = new TextEncoder();

/** A T serialized once, as the bytes every response sends (no per-response encoding). */
export function jsonBytes<T>(value: T): JsonBytes<T> {
  return encoder.encode(JSON.stringify(value)) as JsonBytes<T>;
}

/** Answer JSON serialized earlier (and cached), typed as the T it serializes. */
export function sendJsonBytes<T>(
  c: Context,
  bytes: JsonBytes<T>,
): Response & TypedResponse<T, 200, "json"> {
  const res: Response = c.body(bytes, 200, { "Content-Type": "application/json" });
  return res as Response & TypedResponse<T, 200, "json">;
}

/** The projection of `orgID` at `version`, if any; asks the store to keep it loaded. */
function projected(ctx: AppContext, orgID: string, version: number): OrgProjection | undefined {
  const store = ctx.projections;
  if (!store) return undefined;
  store.warm(orgID);
  return store.at(orgID, version);
}

/**
 * Bodies are cached per projection: a projection is immutable (the store
 * replaces it at each version the change feed delivers, whichever daemon
 * committed it), so a body can never outlive the version it was built from.
 */
const membersBodies = new WeakMap<OrgProjection, JsonBytes<MembersResponse>>();

/** GET …/members of a projection (built once per version of the org). */
export function projectedMembersBody(p: OrgProjection): JsonBytes<MembersResponse> {
  let bytes = membersBodies.get(p);
  if (bytes === undefined) {
    bytes = jsonBytes<MembersResponse>({ members: projectedMembers(p), version: p.version });
    membersBodies.set(p, bytes);
  }
  return bytes;
}

/**
 * GET …/members as JSON bytes; `version` is the org's version read with the
 * membership check. From the projection when it is at that version, else
 * from the database.
 */
export async function readMembersJson(
  ctx: AppContext,
  orgID: string,
  version: number,
): Promise<JsonBytes<MembersResponse>> {
  const p = projected(ctx, orgID, version);
  if (!p) return jsonBytes(await ctx.service.listMembers(orgID));
  return projectedMembersBody(p);
}

/** Filters the projection can answer (it holds the open invitations only). */
export const OPEN_FILTERS: ReadonlySet<InviteStatusFilter> = new Set<InviteStatusFilter>([
  "open",
  "pending",
  "expired",
]);

/** GET …/invites?status= (an open filter) of a projection at `now`, derived afresh. */
export function projectedInvites(
  p: OrgProjection,
  status: InviteStatusFilter,
  now: number,
  limit: number,
): InvitesResponse {
  const open = p.state.invites.filter(isOpen);
  const invites = listedInvites(
    open
      .map((i) => withDerivedStatus(i, now))
      .filter((i) => status === "open" || inviteStatus(i, now) === status),
  );
  return { invites, pending: countPending(open, now), limit, version: p.version };
}

interface CachedInvites {
  bytes: JsonBytes<InvitesResponse>;
  /** The clock interval [from, until) in which these bytes are the answer (statusWindow). */
  from: number;
  until: number;
  /** The pending limit it states (configuration: the same every time in practice). */
  limit: number;
}

const invitesBodies = new WeakMap<OrgProjection, Map<InviteStatusFilter, CachedInvites>>();

/**
 * projectedInvites as JSON bytes, cached per projection and filter until the
 * clock leaves the interval in which no invitation's derived status changes
 * (the next expiry instant; or an earlier one, for a clock set back).
 */
export function projectedInvitesBody(
  p: OrgProjection,
  status: InviteStatusFilter,
  now: number,
  limit: number,
): JsonBytes<InvitesResponse> {
  let byStatus = invitesBodies.get(p);
  if (!byStatus) invitesBodies.set(p, (byStatus = new Map()));
  const hit = byStatus.get(status);
  if (hit && hit.limit === limit && hit.from <= now && now < hit.until) return hit.bytes;
  const bytes = jsonBytes(projectedInvites(p, status, now, limit));
  byStatus.set(status, { bytes, limit, ...statusWindow(p.state.invites, now) });
  return bytes;
}

/** GET …/invites?status= as JSON bytes; `version` as for readMembersJson. */
export async function readInvitesJson(
  ctx: AppContext,
  orgID: string,
  version: number,
  status: InviteStatusFilter,
): Promise<JsonBytes<InvitesResponse>> {
  const p = OPEN_FILTERS.has(status) ? projected(ctx, orgID, version) : undefined;
  if (!p) return jsonBytes(await ctx.service.listInvites(orgID, status));
  const { now, limits } = ctx.service.ctx;
  return projectedInvitesBody(p, status, now(), limits.pendingLimit);
}
