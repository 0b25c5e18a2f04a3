import { createRoute } from "@hono/zod-openapi";
import {
  CreateInviteRequestSchema,
  errors,
  InviteSchema,
  InvitesResponseSchema,
  InviteStatusFilterSchema,
  withDerivedStatus,
  type InviteStatusFilter,
} from "@roster/core";
import { z } from "zod";
import type { AppContext } from "../app-env.ts";
import { callerOf, requireOrgMember } from "../auth.ts";
import { mutate } from "../mutation.ts";
import { readInvites } from "../org-reads.ts";
import {
  addRoute,
  errorResponses,
  IdempotencyHeaders,
  jsonContent,
  jsonResponse,
  newRouter,
  SECURITY,
  valid,
} from "../openapi-helpers.ts";
import { InviteParams, OrgParams } from "../validation.ts";

const InvitesQuery = z.strictObject({
  status: InviteStatusFilterSchema.optional().describe(
    "pending | expired | accepted | withdrawn | open (pending and expired: the default) | all",
  ),
});

export function inviteRoutes(ctx: AppContext) {
  const app = newRouter();
  const auth = [requireOrgMember(ctx)];

  addRoute(
    app,
    createRoute({
      method: "get",
      path: "/orgs/{orgID}/invites",
      operationId: "listInvites",
      summary: "Invitations of an organization",
      tags: ["invites"],
      security: SECURITY,
      middleware: auth,
      request: { params: OrgParams, query: InvitesQuery },
      responses: {
        200: jsonResponse(
          InvitesResponseSchema,
          "Invitations (status derived from the clock), pending count and limit",
        ),
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { orgID } = valid<{ orgID: string }>(c, "param");
      const { status } = valid<{ status?: InviteStatusFilter }>(c, "query");
      return c.json(await readInvites(ctx, orgID, c.get("orgVersion"), status ?? "open"));
    },
  );

  addRoute(
    app,
    createRoute({
      method: "post",
      path: "/orgs/{orgID}/invites",
      operationId: "createInvite",
      summary: "Invite one person by email (R2–R6); the email goes out through the outbox",
      tags: ["invites"],
      security: SECURITY,
      middleware: auth,
      request: {
        params: OrgParams,
        headers: IdempotencyHeaders,
        body: {
          required: true,
          content: jsonContent(
            CreateInviteRequestSchema.describe(
              "email: one address (a list is refused, reason multiple_emails); role: owner (default)",
            ),
          ),
        },
      },
      responses: {
        201: jsonResponse(InviteSchema, "The invitation"),
        ...errorResponses(400, 401, 404, 409, 413, 415),
      },
    }),
    async (c) => {
      const { orgID } = valid<{ orgID: string }>(c, "param");
      const body = valid<{ email?: unknown; role?: unknown }>(c, "json");
      return mutate(ctx, c, {
        scope: c.get("caller").id,
        body,
        run: async (tx) => {
          const { invite } = await ctx.service.createInvite(callerOf(c), orgID, body, tx);
          return { status: 201, body: invite };
        },
      });
    },
    // R2: a JSON array is a list of invitations: refused as such, nothing created.
    { onJsonList: () => errors.multipleEmails() },
  );

  addRoute(
    app,
    createRoute({
      method: "post",
      path: "/orgs/{orgID}/invites/{inviteID}/resend",
      operationId: "resendInvite",
      summary: "Resend (R7): a new link, a new 72-hour clock, the email again",
      tags: ["invites"],
      security: SECURITY,
      middleware: auth,
      request: { params: InviteParams, headers: IdempotencyHeaders },
      responses: {
        200: jsonResponse(InviteSchema, "The invitation after the resend"),
        ...errorResponses(401, 404, 409, 429),
      },
    }),
    async (c) => {
      const { orgID, inviteID } = valid<{ orgID: string; inviteID: string }>(c, "param");
      return mutate(ctx, c, {
        scope: c.get("caller").id,
        run: async (tx) => {
          const { invite } = await ctx.service.resendInvite(callerOf(c), orgID, inviteID, tx);
          return { status: 200, body: withDerivedStatus(invite, ctx.service.ctx.now()) };
        },
      });
    },
  );

  addRoute(
    app,
    createRoute({
      method: "delete",
      path: "/orgs/{orgID}/invites/{inviteID}",
      operationId: "withdrawInvite",
      summary: "Withdraw a pending or expired invitation (R8)",
      tags: ["invites"],
      security: SECURITY,
      middleware: auth,
      request: { params: InviteParams, headers: IdempotencyHeaders },
      responses: {
        204: { description: "Withdrawn: its link no longer works" },
        ...errorResponses(401, 404, 409),
      },
    }),
    async (c) => {
      const { orgID, inviteID } = valid<{ orgID: string; inviteID: string }>(c, "param");
      return mutate(ctx, c, {
        scope: c.get("caller").id,
        run: async (tx) => {
          await ctx.service.withdrawInvite(callerOf(c), orgID, inviteID, tx);
          return { status: 204 };
        },
      });
    },
  );
  return app;
}
