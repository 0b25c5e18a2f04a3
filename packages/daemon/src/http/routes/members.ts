/** /api/v2/orgs/:orgID/members — list, remove (R10, R11). */
import { createRoute } from "@hono/zod-openapi";
import { MembersResponseSchema } from "@roster/core";
import type { AppContext } from "../app-env.ts";
import { afterCommit } from "../middleware/after-commit.ts";
import { requireOrgMember } from "../middleware/auth.ts";
import { idempotent } from "../middleware/idempotency.ts";
import { readMembersJson, sendJsonBytes } from "../org-reads.ts";
import * as api from "../openapi-helpers.ts";

export function memberRoutes(ctx: AppContext) {
  const member = requireOrgMember(ctx);
  const common = { tags: ["members"], security: api.SECURITY };

  const list = createRoute({
    ...common,
    middleware: member,
    method: "get",
    path: "/",
    operationId: "listMembers",
    summary: "Members of an organization",
    request: { params: api.OrgParams },
    responses: api.ok(
      MembersResponseSchema,
      "Members, and the org version they were read at",
      [401, 404],
    ),
  });

  const remove = createRoute({
    ...common,
    middleware: api.chain(member, afterCommit(), idempotent(ctx)),
    method: "delete",
    path: "/{userID}",
    operationId: "removeMember",
    summary: "Remove a member (R10); nobody can remove themselves (R11)",
    request: { params: api.MemberParams, headers: api.IdempotencyHeaders },
    responses: api.noContent("Removed: the member lost access at once", [401, 403, 404, 409]),
  });

  return api
    .newRouter()
    .openapi(list, async (c) => {
      const { orgID } = c.req.valid("param");
      // The JSON bytes are built once per version of the org (org-reads.ts).
      return sendJsonBytes(c, await readMembersJson(ctx, orgID, c.var.orgVersion));
    })
    .openapi(remove, async (c) => {
      const { orgID, userID } = c.req.valid("param");
      const { entry } = await ctx.service.removeMember(c.var.caller, orgID, userID, c.var.tx);
      // R10: their live sessions here are told and closed before the 204.
      c.var.afterCommit(() => ctx.live.revokeMember(orgID, userID, entry.version));
      return c.body(null, 204);
    });
}
