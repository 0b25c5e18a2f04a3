/**
 * /api/v2/tokens — the caller's own API tokens (R13): list (never a
 * secret), create (the secret shown once, optional expiry), revoke. A
 * revoked token fails from its next request on, and the live sessions
 * opened with it are closed before the 204 returns (on this daemon; the
 * NOTIFY closes them on the others).
 */
import { createRoute } from "@hono/zod-openapi";
import { CreatedTokenSchema, CreateTokenRequestSchema, TokensResponseSchema } from "@roster/core";
import { z } from "zod";
import type { AppContext } from "../app-env.ts";
import { afterCommit } from "../middleware/after-commit.ts";
import { requireAuth } from "../middleware/auth.ts";
import { idempotent } from "../middleware/idempotency.ts";
import * as api from "../openapi-helpers.ts";

const TokenParams = z.object({
  tokenID: z.string().regex(api.ID_PATTERN, "not an id"),
});

export function tokenRoutes(ctx: AppContext) {
  const auth = requireAuth(ctx);
  const common = { tags: ["tokens"], security: api.SECURITY };

  const list = createRoute({
    ...common,
    method: "get",
    path: "/",
    middleware: auth,
    operationId: "listTokens",
    summary:
      "The caller's API tokens: id, description, created, last used (to the minute), expiry — never the secret",
    responses: api.ok(TokensResponseSchema, "The caller's tokens that were not revoked", [401]),
  });

  const create = createRoute({
    ...common,
    method: "post",
    path: "/",
    middleware: api.chain(auth, idempotent(ctx, { json: true })),
    operationId: "createToken",
    summary: "A new API token of the caller, with an optional description and expiry",
    request: api.jsonRequest(CreateTokenRequestSchema),
    responses: api.created(
      CreatedTokenSchema,
      "The new token; its secret (`token`) is shown this once",
      [400, 401, 413, 415],
    ),
  });

  const revoke = createRoute({
    ...common,
    method: "delete",
    path: "/{tokenID}",
    middleware: api.chain(auth, afterCommit(), idempotent(ctx)),
    operationId: "revokeToken",
    summary:
      "Revoke one of the caller's tokens: it fails from its next request on, and its live sessions are closed",
    request: { params: TokenParams, headers: api.IdempotencyHeaders },
    responses: api.noContent("Revoked", [401, 404]),
  });

  return api
    .newRouter()
    .openapi(list, async (c) => {
      const tokens = await ctx.service.listTokens(c.var.caller.userID, c.var.credential.tokenID);
      return c.json({ tokens }, 200);
    })
    .openapi(create, async (c) => {
      const { description, expiresAt } = c.req.valid("json");
      const token = await ctx.service.createToken(
        c.var.caller,
        { description, expiresAt },
        c.var.tx,
      );
      return c.json(token, 201);
    })
    .openapi(revoke, async (c) => {
      const { tokenID } = c.req.valid("param");
      await ctx.service.revokeToken(c.var.caller, tokenID, c.var.tx);
      c.var.afterCommit(async () => {
        ctx.service.tokenRevoked(tokenID);
        ctx.live.revokeToken(tokenID);
      });
      return c.body(null, 204);
    });
}
