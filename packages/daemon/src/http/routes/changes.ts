import { createRoute } from "@hono/zod-openapi";
import { ChangesResponseSchema } from "@roster/core";
import { z } from "zod";
import type { AppContext } from "../app-env.ts";
import { requireOrgMember } from "../auth.ts";
import {
  addRoute,
  errorResponses,
  jsonResponse,
  newRouter,
  SECURITY,
  valid,
} from "../openapi-helpers.ts";
import { CHANGES_PAGE } from "../../storage/change-log.ts";
import { OrgParams } from "../validation.ts";

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
  const app = newRouter();
  addRoute(
    app,
    createRoute({
      method: "get",
      path: "/orgs/{orgID}/changes",
      operationId: "listChanges",
      summary:
        "The change log after a version: the audit trail (who, when, what) and catch-up for clients",
      tags: ["changes"],
      security: SECURITY,
      middleware: [requireOrgMember(ctx)],
      request: { params: OrgParams, query: ChangesQuery },
      responses: {
        200: jsonResponse(
          ChangesResponseSchema,
          "changes after `since` in version order; `version` is the org's current version; `oldest` the oldest retained",
        ),
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { orgID } = valid<{ orgID: string }>(c, "param");
      const q = valid<{ since?: string; limit?: string }>(c, "query");
      const limit = Math.max(1, Math.min(CHANGES_PAGE, Number(q.limit ?? CHANGES_PAGE)));
      return c.json(await ctx.service.changes(orgID, Number(q.since ?? 0), limit));
    },
  );
  return app;
}
