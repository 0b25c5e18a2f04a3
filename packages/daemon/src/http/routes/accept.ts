/**
 * /api/v2/invites/accept — accept an invitation with its activation token
 * (R9). A new email needs no token and gets its first one; an email that
 * already has an account must be accepted signed in as that account
 * (Authorization), and gets no new token; without it: 401 sign_in_required.
 */
import { createRoute } from "@hono/zod-openapi";
import { AcceptRequestSchema, AcceptResponseSchema } from "@roster/core";
import { hashSecret } from "../../service/secrets.ts";
import type { AppContext } from "../app-env.ts";
import { optionalAuth } from "../middleware/auth.ts";
import { idempotentPublic } from "../middleware/idempotency.ts";
import * as api from "../openapi-helpers.ts";

export function acceptRoutes(ctx: AppContext) {
  const accept = createRoute({
    method: "post",
    path: "/",
    operationId: "acceptInvite",
    security: api.OPTIONAL_AUTH,
    summary:
      "Accept an invitation with its activation token (R9). A new email: no auth, the answer carries the new account's first API token. An email that already has an account: signed in as that account (Authorization), no new token; without it 401, reason sign_in_required",
    tags: ["invites"],
    middleware: api.chain(
      optionalAuth(ctx),
      idempotentPublic(ctx, { json: true, scope: acceptScope }),
    ),
    request: api.jsonRequest(AcceptRequestSchema),
    responses: api.ok(
      AcceptResponseSchema,
      "The member's user, the org and, for a new account, its first API token (shown once)",
      [400, 401, 404, 409, 413, 415],
    ),
  });

  return api.newRouter().openapi(accept, async (c) => {
    const { token, name } = c.req.valid("json");
    const r = await ctx.service.acceptInvite(
      { token, name: name || undefined },
      c.var.tx,
      c.var.caller,
    );
    return c.json({ user: r.user, org: r.org, ...(r.token ? { token: r.token } : {}) }, 200);
  });
}

/**
 * An anonymous accept proves one thing: it holds the invitation token. Its
 * Idempotency-Key lives in that token's scope (its hash), so a repeated key
 * and body can only ever replay to whoever holds the same link; a signed-in
 * accept's key is also its user's, never replayed to an anonymous caller.
 */
function acceptScope(body: unknown, signedIn: string | undefined): string {
  const token = (body as { token?: unknown } | undefined)?.token;
  const link = typeof token === "string" ? `accept:${hashSecret(token)}` : "accept";
  return signedIn === undefined ? link : `${link}:user:${signedIn}`;
}
