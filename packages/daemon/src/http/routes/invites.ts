/** /api/v2/orgs/:orgID/invites — list, invite (R2–R6), resend (R7), withdraw (R8). */
import { createRoute } from "@hono/zod-openapi";
import {
  CreateInviteRequestSchema,
  errors,
  InviteSchema,
  InviteWithLinkSchema,
  InvitesResponseSchema,
  InviteStatusFilterSchema,
  withDerivedStatus,
} from "@roster/core";
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import { RequestError } from "../api-error.ts";
import type { AppContext, Env } from "../app-env.ts";
import { requireOrgMember } from "../middleware/auth.ts";
import { idempotent, jsonBody } from "../middleware/idempotency.ts";
import { readInvitesJson, sendJsonBytes } from "../org-reads.ts";
import * as api from "../openapi-helpers.ts";
import { queryHook } from "../validation.ts";
import { activationLink } from "../../mail/render-invite-email.ts";

const InvitesQuery = z.strictObject({
  status: InviteStatusFilterSchema.optional().describe(
    "pending | expired | accepted | withdrawn | open (pending and expired: the default) | all",
  ),
});

/** R2: a JSON array is a list of invitations: refused as such, nothing created. */
const oneInvitation: MiddlewareHandler<Env> = async (c, next) => {
  if (Array.isArray(await jsonBody(c))) throw new RequestError(errors.multipleEmails());
  await next();
};

export function inviteRoutes(ctx: AppContext) {
  const member = requireOrgMember(ctx);
  const write = idempotent(ctx);
  const common = { tags: ["invites"], security: api.SECURITY, middleware: member };
  /** The answer to the request that minted `token`: the link only when the daemon shows links. */
  const withLink = <T extends object>(invite: T, token: string) =>
    ctx.showInviteLinks
      ? { ...invite, activationURL: activationLink(ctx.publicUrl(), token) }
      : invite;

  const list = createRoute({
    ...common,
    method: "get",
    path: "/",
    operationId: "listInvites",
    summary: "Invitations of an organization",
    request: { params: api.OrgParams, query: InvitesQuery },
    responses: api.ok(
      InvitesResponseSchema,
      "Invitations (status derived from the clock), pending count and limit",
      [400, 401, 404],
    ),
  });

  const create = createRoute({
    ...common,
    middleware: api.chain(member, idempotent(ctx, { json: true }), oneInvitation),
    method: "post",
    path: "/",
    operationId: "createInvite",
    summary: "Invite one person by email (R2–R6); the email goes out through the outbox",
    request: {
      params: api.OrgParams,
      ...api.jsonRequest(
        CreateInviteRequestSchema.describe(
          "email: one address (a list is refused, reason multiple_emails); role: owner (default)",
        ),
      ),
    },
    responses: api.created(
      InviteWithLinkSchema,
      "The invitation (with its activationURL when the daemon shows links)",
      [400, 401, 404, 409, 413, 415, 429],
    ),
  });

  const resend = createRoute({
    ...common,
    middleware: api.chain(member, write),
    method: "post",
    path: "/{inviteID}/resend",
    operationId: "resendInvite",
    summary: "Resend (R7): a new link, a new 72-hour clock, the email again",
    request: { params: api.InviteParams, headers: api.IdempotencyHeaders },
    responses: api.ok(InviteSchema, "The invitation after the resend", [401, 404, 409, 429]),
  });

  const withdraw = createRoute({
    ...common,
    middleware: api.chain(member, write),
    method: "delete",
    path: "/{inviteID}",
    operationId: "withdrawInvite",
    summary: "Withdraw a pending or expired invitation (R8)",
    request: { params: api.InviteParams, headers: api.IdempotencyHeaders },
    responses: api.noContent("Withdrawn: its link no longer works", [401, 404, 409]),
  });

  return api
    .newRouter()
    .openapi(
      list,
      async (c) => {
        const { orgID } = c.req.valid("param");
        const { status } = c.req.valid("query");
        // Cached bytes until the org's next version or next expiry instant (org-reads.ts).
        return sendJsonBytes(
          c,
          await readInvitesJson(ctx, orgID, c.var.orgVersion, status ?? "open"),
        );
      },
      queryHook(InvitesQuery),
    )
    .openapi(create, async (c) => {
      const { orgID } = c.req.valid("param");
      const body = c.req.valid("json");
      const { invite, linkToken } = await ctx.service.createInvite(
        c.var.caller,
        orgID,
        body,
        c.var.tx,
      );
      return c.json(withLink(invite, linkToken), 201);
    })
    .openapi(resend, async (c) => {
      const { orgID, inviteID } = c.req.valid("param");
      const { invite, linkToken } = await ctx.service.resendInvite(
        c.var.caller,
        orgID,
        inviteID,
        c.var.tx,
      );
      return c.json(withLink(withDerivedStatus(invite, ctx.service.ctx.now()), linkToken), 200);
    })
    .openapi(withdraw, async (c) => {
      const { orgID, inviteID } = c.req.valid("param");
      await ctx.service.withdrawInvite(c.var.caller, orgID, inviteID, c.var.tx);
      return c.body(null, 204);
    });
}
