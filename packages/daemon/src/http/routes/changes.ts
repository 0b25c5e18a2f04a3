/** /api/v2/orgs/:orgID/changes — the change log: the audit trail and catch-up for clients. */
import { createRoute } from "@hono/zod-openapi";
import { ChangesResponseSchema } from "@roster/core";
import { z } from "zod";
import { CHANGES_PAGE } from "../../storage/change-log.ts";
import type { AppContext } from "../app-env.ts";
import { requireOrgMember } from "../middleware/auth.ts";
import * as api from "../openapi-helpers.ts";
import { queryHook } from "../validation.ts";

const ChangesQuery = z.strictObject({
  since: z
    .string()
    .regex(/^\d{1,15}$/, "a version (a whole number, 0 or more)")
    .optional()
    .describe("Return the changes after this version (default 0: the whole retained log)"),
  limit: z
    .string()
    .regex(/^\d{1,5}$/, `a whole number (at most ${CHANGES_PAGE} changes are returned)`)
    .optional()
    .describe(
      `At most this many changes (default and maximum ${CHANGES_PAGE}); ask again from the last one`,
    ),
});

export function changeRoutes(ctx: AppContext) {
  const changes = createRoute({
    method: "get",
    path: "/",
    operationId: "listChanges",
    summary:
      "The change log after a version: the audit trail (who, when, what) and catch-up for clients",
    tags: ["changes"],
    security: api.SECURITY,
    middleware: requireOrgMember(ctx),
    request: { params: api.OrgParams, query: ChangesQuery },
    responses: api.ok(
      ChangesResponseSchema,
      "changes after `since` in version order; `version` is the org's current version; `oldest` the oldest retained",
      [400, 401, 404],
    ),
  });

  return api.newRouter().openapi(
    changes,
    async (c) => {
      const { orgID } = c.req.valid("param");
      const q = c.req.valid("query");
      const limit = Math.max(1, Math.min(CHANGES_PAGE, Number(q.limit ?? CHANGES_PAGE)));
      return c.json(await ctx.service.changes(orgID, Number(q.since ?? 0), limit), 200);
    },
    queryHook(ChangesQuery),
  );
}
