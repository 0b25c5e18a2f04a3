/**
 * /activate/:token — the page behind an emailed link. GET shows the
 * invitation and a form; only the form's POST accepts (mail scanners follow
 * links, and a GET must not use the token). Errors are pages too (see
 * api-error.ts).
 */
import { createRoute } from "@hono/zod-openapi";
import { AcceptRequestSchema, errors, HTTP_STATUS, MAX_NAME_LENGTH } from "@roster/core";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import {
  ACTIVATION_HEADERS,
  acceptedPage,
  invitationPage,
  refusalPage,
  signInRequiredPage,
} from "../activation-page.ts";
import { RequestError } from "../api-error.ts";
import type { AppContext } from "../app-env.ts";
import { DomainFailure } from "../../service/domain-failure.ts";
import * as api from "../openapi-helpers.ts";

const TokenParams = z.object({
  token: z.string().describe("The activation token from the emailed link"),
});
const AcceptForm = z.strictObject({ name: AcceptRequestSchema.shape.name });
const html = { "text/html": { schema: z.string() } };
const common = { path: "/{token}", security: api.PUBLIC, tags: ["activation"] };

function send(c: Context, body: string, status: number): Response {
  for (const [k, v] of Object.entries(ACTIVATION_HEADERS)) c.header(k, v);
  return c.html(body, status as ContentfulStatusCode);
}

/** The token of a link, if it can be one. */
function tokenOf(token: string): string {
  return token.length <= 512 ? token : fail();
}

function fail(): never {
  throw new RequestError(errors.inviteNotFound());
}

export function activationRoutes(ctx: AppContext) {
  const show = createRoute({
    ...common,
    method: "get",
    operationId: "getActivationPage",
    summary:
      "The page behind an emailed link: org, inviter, expiry and a form that accepts (a GET never accepts)",
    request: { params: TokenParams },
    responses: {
      200: { description: "The invitation and the acceptance form", content: html },
      404: { description: "No invitation matches the link", content: html },
      409: {
        description: "The link was used, replaced, withdrawn or has expired (the page says which)",
        content: html,
      },
    },
  });

  const submit = createRoute({
    ...common,
    method: "post",
    operationId: "submitActivation",
    summary: "Accept the invitation (the page's form); shows the new API token once",
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
      401: {
        description:
          "The email already has an account (R9): the page says how to accept signed in (roster accept <link>)",
        content: html,
      },
      404: { description: "No invitation matches the link", content: html },
      409: { description: "The link was used, replaced, withdrawn or has expired", content: html },
    },
  });

  return api
    .newRouter()
    .openapi(show, async (c) => {
      const token = tokenOf(c.req.valid("param").token);
      const p = await ctx.service.previewActivation(token);
      if (!p.ok) return send(c, refusalPage(p.error, p.org), HTTP_STATUS[p.error.code]);
      const page = invitationPage({
        org: p.org,
        invite: p.invite,
        inviter: p.inviter,
        now: ctx.service.ctx.now(),
        link: `${ctx.publicUrl()}/activate/${token}`,
        nameMaxLength: MAX_NAME_LENGTH,
        existingAccount: p.existingAccount,
      });
      return send(c, page, 200);
    })
    .openapi(submit, async (c) => {
      const token = tokenOf(c.req.valid("param").token);
      const { name } = c.req.valid("form");
      const publicUrl = ctx.publicUrl();
      let r;
      try {
        // A browser sends no token: an existing account is told how to accept signed in (R9).
        r = await ctx.service.acceptInvite({ token, name: name || undefined });
      } catch (e) {
        if (!(e instanceof DomainFailure) || e.error.reason !== "sign_in_required") throw e;
        const p = await ctx.service.previewActivation(token);
        const email = p.invite?.email ?? "";
        const link = `${publicUrl}/activate/${token}`;
        return send(c, signInRequiredPage({ org: p.org, email, link }), 401);
      }
      if (!r.token) throw new Error("an anonymous accept of a new account issues a token");
      return send(c, acceptedPage({ org: r.org, user: r.user, token: r.token, publicUrl }), 200);
    });
}
