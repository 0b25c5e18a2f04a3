/** /api/v2/invites/accept — accept an invitation with its activation token (R9; no auth). */
import { createRoute } from "@hono/zod-openapi";
import { AcceptRequestSchema, AcceptResponseSchema } from "@roster/core";
import { hashSecret } from "../../service/secrets.ts";
import type { AppContext } from "../app-env.ts";
import { idempotentPublic } from "../middleware/idempotency.ts";
import * as api from "../openapi-helpers.ts";

export function acceptRoutes(ctx: AppContext) {
  const accept = createRoute({
    method: "post",
    path: "/",
    operationId: "acceptInvite",
    security: api.PUBLIC,
    summary: "Accept an invitation with its activation token (R9; no auth)",
    tags: ["invites"],
    middleware: idempotentPublic(ctx, { json: true, scope: acceptScope }),
    request: {
      headers: api.IdempotencyHeaders,
      body: { required: true, content: api.jsonContent(AcceptRequestSchema) },
    },
    responses: api.ok(
      AcceptResponseSchema,
      "The member's user, the org and a new API token (shown once)",
      [400, 404, 409, 413, 415],
    ),
  });

  return api.newRouter().openapi(accept, async (c) => {
    const { token, name } = c.req.valid("json");
    const r = await ctx.service.acceptInvite({ token, name: name || undefined }, c.var.tx);
    return c.json({ user: r.user, org: r.org, token: r.token }, 200);
  });
}

/**
 * An anonymous accept proves one thing: it holds the invitation token. Its
 * Idempotency-Key lives in that token's scope (its hash), so a repeated key
 * and body can only ever replay to whoever holds the same link.
 */
function acceptScope(body: unknown): string {
  const token = (body as { token?: unknown } | undefined)?.token;
  return typeof token === "string" ? `accept:${hashSecret(token)}` : "accept";
}
