/**
 * List reads of an org, served from the in-memory projection (kept current
 * by the change feed) when it is at exactly the version read together with
 * the caller's membership — so a client always sees its own writes and never
 * an older state than the database's — else from the database. Either way
 * the answer is the same JSON (same order: as the SQL's `order by`).
 */
import {
  countPending,
  inviteStatus,
  withDerivedStatus,
  type InvitesResponse,
  type InviteStatusFilter,
  type MembersResponse,
} from "@roster/core";
import type { Context, TypedResponse } from "hono";
import { listedInvites, projectedMembers, type OrgProjection } from "../live/org-projection.ts";
import type { AppContext } from "./app-env.ts";

declare const serialized: unique symbol;
/** JSON text that is the serialization of a T (made by jsonText only). */
export type JsonText<T> = string & { readonly [serialized]: T };

function jsonText<T>(value: T): JsonText<T> {
  return JSON.stringify(value) as JsonText<T>;
}

/** Answer JSON serialized earlier (and cached), typed as the T it serializes. */
export function sendJsonText<T>(
  c: Context,
  text: JsonText<T>,
): Response & TypedResponse<T, 200, "json"> {
  const res: Response = c.body(text, 200, { "Content-Type": "application/json" });
  return res as Response & TypedResponse<T, 200, "json">;
}

/** The projection of `orgID` at `version`, if any; asks the store to keep it loaded. */
function projected(ctx: AppContext, orgID: string, version: number): OrgProjection | undefined {
  const store = ctx.projections;
  if (!store) return undefined;
  store.warm(orgID);
  return store.at(orgID, version);
}

/** The body of GET …/members per projection (projections are immutable: one per version). */
const membersJson = new WeakMap<OrgProjection, JsonText<MembersResponse>>();

/**
 * GET …/members as JSON text; `version` is the org's version read with the
 * membership check. Served from the projection, the text is built once per
 * version of the org.
 */
export async function readMembersJson(
  ctx: AppContext,
  orgID: string,
  version: number,
): Promise<JsonText<MembersResponse>> {
  const p = projected(ctx, orgID, version);
  if (!p) return jsonText(await ctx.service.listMembers(orgID));
  let text = membersJson.get(p);
  if (text === undefined) {
    const body: MembersResponse = {
      members: projectedMembers(p),
      version: p.version,
    };
    membersJson.set(p, (text = jsonText(body)));
  }
  return text;
}

/** Filters the projection can answer (it holds the open invitations only). */
const OPEN_FILTERS = new Set<InviteStatusFilter>(["open", "pending", "expired"]);

/** GET …/invites?status=; `version` as for readMembers. */
export async function readInvites(
  ctx: AppContext,
  orgID: string,
  version: number,
  status: InviteStatusFilter,
): Promise<InvitesResponse> {
  const p = OPEN_FILTERS.has(status) ? projected(ctx, orgID, version) : undefined;
  if (!p) return ctx.service.listInvites(orgID, status);
  const now = ctx.service.ctx.now();
  const open = p.state.invites.filter((i) => i.status === "pending" || i.status === "expired");
  const invites = listedInvites(
    open
      .map((i) => withDerivedStatus(i, now))
      .filter((i) => status === "open" || inviteStatus(i, now) === status),
  );
  return {
    invites,
    pending: countPending(open, now),
    limit: ctx.service.ctx.limits.pendingLimit,
    version: p.version,
  };
}
