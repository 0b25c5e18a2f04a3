/**
 * Authentication (`Authorization: Token <t>` or `Bearer <t>`) and org
 * membership, as the service answers them (service.ts: the token is looked
 * up by its SHA-256 hash, the hashes compared in constant time). An org the
 * caller does not belong to is answered `404 not found`, like one that does
 * not exist. A daemon alone on its database (PGlite) answers tokens and
 * memberships from memory (service/token-cache.ts, the org projections),
 * exactly: a removed member, or a revoked or expired token (R13), fails on
 * its very next request. On PostgreSQL every request reads them.
 */
import { errors } from "@roster/core";
import type { MiddlewareHandler } from "hono";
import { projectedRole } from "../../live/org-projection.ts";
import { fail } from "../../service/domain-failure.ts";
import type { SignedIn } from "../../service/service.ts";
import type { AppContext, AuthEnv, Env, MaybeAuthEnv, OrgEnv } from "../app-env.ts";
import { ID_PATTERN } from "../openapi-helpers.ts";
import { requestHeader } from "../request-header.ts";

const AUTHORIZATION = /^(?:token|bearer)[ \t]+([A-Za-z0-9._~+/=-]{1,512})[ \t]*$/i;

/** The token in an Authorization header value, if well-formed. */
export function parseAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return AUTHORIZATION.exec(header)?.[1];
}

/** The variables of an authenticated request. */
function authenticated(found: SignedIn | undefined): AuthEnv["Variables"] {
  if (!found) fail(errors.unauthorized());
  const { user, credential } = found;
  return { user, caller: { userID: user.id, email: user.email }, credential };
}

export function requireAuth(ctx: Pick<AppContext, "service">): MiddlewareHandler<Env & AuthEnv> {
  return async (c, next) => {
    const token =
      parseAuthorization(requestHeader(c, "authorization")) ?? fail(errors.unauthorized());
    const { user, caller, credential } = authenticated(await ctx.service.authenticate(token));
    c.set("user", user);
    c.set("caller", caller);
    c.set("credential", credential);
    await next();
  };
}

/**
 * For the public routes that a signed-in caller may also use (accept, R9):
 * no Authorization header is anonymous (`caller` undefined); one that is
 * malformed or names no valid token is 401, as everywhere.
 */
export function optionalAuth(
  ctx: Pick<AppContext, "service">,
): MiddlewareHandler<Env & MaybeAuthEnv> {
  return async (c, next) => {
    const header = requestHeader(c, "authorization");
    if (header === undefined) {
      c.set("caller", undefined);
    } else {
      const token = parseAuthorization(header) ?? fail(errors.unauthorized());
      c.set("caller", authenticated(await ctx.service.authenticate(token)).caller);
    }
    await next();
  };
}

/**
 * requireAuth and the membership of `:orgID`, for the routes under
 * /orgs/:orgID; also sets `orgVersion`, the org's version as of the
 * membership check (list reads answer from the projection at that version;
 * the live session starts from it). Answered from memory when the token was
 * seen before and the org's projection is current (R10 stays exact: a
 * removal committed here is in the projection before its 2xx), else in one
 * database statement — which also warms the projection for the next request.
 */
export function requireOrgMember(
  ctx: Pick<AppContext, "service" | "projections">,
): MiddlewareHandler<Env & OrgEnv> {
  return async (c, next) => {
    const token =
      parseAuthorization(requestHeader(c, "authorization")) ?? fail(errors.unauthorized());
    const param = c.req.param("orgID") ?? "";
    // A malformed id (a NUL, say) never reaches the database: it names no org.
    const orgID = ID_PATTERN.test(param) ? param : "";
    const p = orgID ? ctx.projections?.current(orgID) : undefined;
    const known =
      p && ((userID: string) => ({ role: projectedRole(p, userID), version: p.version }));
    const found = await ctx.service.authenticateForOrg(token, orgID, known);
    const { user, caller, credential } = authenticated(found);
    c.set("user", user);
    c.set("caller", caller);
    c.set("credential", credential);
    if (!orgID || !found?.role) fail(errors.orgNotFound());
    if (!p) ctx.projections?.warm(orgID);
    c.set("orgVersion", found.version);
    await next();
  };
}
