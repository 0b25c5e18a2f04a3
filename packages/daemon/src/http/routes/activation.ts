/**
 * GET /activate/:token shows the invitation and a form; only the form's POST
 * accepts (mail scanners follow links, and a GET must not use the token).
 */
import { createRoute } from "@hono/zod-openapi";
import { AcceptRequestSchema, errors, MAX_NAME_LENGTH } from "@roster/core";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { DomainFailure } from "../../service/domain-failure.ts";
import type { AppContext, Env } from "../app-env.ts";
import {
  ACTIVATION_HEADERS,
  acceptedPage,
  invitationPage,
  refusalPage,
} from "../activation-page.ts";
import { HTTP_STATUS } from "@roster/core";
import { addRoute, newRouter, PUBLIC } from "../openapi-helpers.ts";

const TokenParams = z.object({
  token: z.string().describe("The activation token from the emailed link"),
});
const AcceptForm = z.strictObject({ name: AcceptRequestSchema.shape.name });
const html = { "text/html": { schema: z.string() } };

function send(c: Context<Env>, body: string, status: number): Response {
  for (const [k, v] of Object.entries(ACTIVATION_HEADERS)) c.header(k, v);
  return c.html(body, status as ContentfulStatusCode);
}

function tokenOf(c: Context<Env>): string | undefined {
  const token = c.req.param("token");
  return token && token.length <= 512 ? token : undefined;
}

export function activationRoutes(ctx: AppContext) {
  const app = newRouter();
  addRoute(
    app,
    createRoute({
      method: "get",
      path: "/activate/{token}",
      operationId: "getActivationPage",
      security: PUBLIC,
      summary:
        "The page behind an emailed link: org, inviter, expiry and a form that accepts (a GET never accepts)",
      tags: ["activation"],
      request: { params: TokenParams },
      responses: {
        200: { description: "The invitation and the acceptance form", content: html },
        404: { description: "No invitation matches the link", content: html },
        409: {
          description:
            "The link was used, replaced, withdrawn or has expired (the page says which)",
          content: html,
        },
      },
    }),
    async (c) => {
      const token = tokenOf(c);
      if (!token) return send(c, refusalPage(errors.inviteNotFound()), 404);
      const p = await ctx.service.previewActivation(token);
      if (!p.ok) return send(c, refusalPage(p.error, p.org), HTTP_STATUS[p.error.code]);
      return send(
        c,
        invitationPage({
          org: p.org,
          invite: p.invite,
          inviter: p.inviter,
          now: ctx.service.ctx.now(),
          link: `${ctx.publicUrl()}/activate/${token}`,
          nameMaxLength: MAX_NAME_LENGTH,
        }),
        200,
      );
    },
  );
  addRoute(
    app,
    createRoute({
      method: "post",
      path: "/activate/{token}",
      operationId: "submitActivation",
      security: PUBLIC,
      summary: "Accept the invitation (the page's form); shows the new API token once",
      tags: ["activation"],
      request: {
        params: TokenParams,
        body: {
          required: true,
          content: { "application/x-www-form-urlencoded": { schema: AcceptForm } },
        },
      },
      responses: {
        200: {
          description: "Accepted: the page shows the API token once and how to use it",
          content: html,
        },
        400: { description: "The form is invalid", content: html },
        404: { description: "No invitation matches the link", content: html },
        409: {
          description: "The link was used, replaced, withdrawn or has expired",
          content: html,
        },
      },
    }),
    async (c) => {
      const token = tokenOf(c);
      if (!token) return send(c, refusalPage(errors.inviteNotFound()), 404);
      const form = c.req.valid("form" as never) as { name?: string };
      try {
        const r = await ctx.service.acceptInvite({ token, name: form.name || undefined });
        return send(
          c,
          acceptedPage({ org: r.org, user: r.user, token: r.token, publicUrl: ctx.publicUrl() }),
          200,
        );
      } catch (e) {
        if (!(e instanceof DomainFailure)) throw e;
        return send(c, refusalPage(e.error), HTTP_STATUS[e.error.code]);
      }
    },
    // A bad form gets a page, not JSON.
  );
  return app;
}
