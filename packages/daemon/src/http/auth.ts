/**
 * Authentication (`Authorization: Token <t>` or `Bearer <t>`) and org
 * membership. The token is looked up by its SHA-256 hash and the hashes are
 * compared in constant time. An org the caller does not belong to is
 * answered `404 not found`, like one that does not exist.
 */
import { errors } from "@roster/core";
import type { Context, MiddlewareHandler } from "hono";
import type { Caller } from "../service/context.ts";
import { fail } from "../service/domain-failure.ts";
import { hashSecret, hashesEqual } from "../service/secrets.ts";
import type { AppContext, Env } from "./app-env.ts";
import { ID_PATTERN } from "./validation.ts";

const AUTHORIZATION = /^(?:token|bearer)[ \t]+([A-Za-z0-9._~+/=-]{1,512})[ \t]*$/i;

/** The token in an Authorization header value, if well-formed. */
export function parseAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return AUTHORIZATION.exec(header)?.[1];
}

/** After requireAuth or requireOrgMember: the caller, as the service's commands take it. */
export function callerOf(c: Context<Env>): Caller {
  const u = c.get("caller");
  return { userID: u.id, email: u.email };
}

export function requireAuth(ctx: AppContext): MiddlewareHandler<Env> {
  return async (c, next) => {
    const token = parseAuthorization(c.req.header("authorization"));
    if (!token) fail(errors.unauthorized());
    const user = await ctx.service.authenticate(token);
    if (!user || !hashesEqual(user.tokenHash, hashSecret(token))) fail(errors.unauthorized());
    c.set("caller", user);
    await next();
  };
}

/**
 * requireAuth + requireMember in one database round trip, for the routes
 * under /orgs/:orgID: also sets `orgVersion`, the org's version read in the
 * same statement as the membership (reads compare it with the in-memory
 * projection). Nothing is cached: a removed member or a deleted token fails
 * on its very next request.
 */
export function requireOrgMember(ctx: AppContext): MiddlewareHandler<Env> {
  return async (c, next) => {
    const token = parseAuthorization(c.req.header("authorization"));
    if (!token) fail(errors.unauthorized());
    const param = c.req.param("orgID") ?? "";
    const orgID = ID_PATTERN.test(param) ? param : undefined;
    // A malformed id (a NUL, say) never reaches the database: it names no org.
    const found = await ctx.service.authenticateForOrg(token, orgID ?? "");
    if (!found || !hashesEqual(found.user.tokenHash, hashSecret(token))) {
      fail(errors.unauthorized());
    }
    c.set("caller", found.user);
    if (!orgID || !found.role) fail(errors.orgNotFound());
    c.set("orgVersion", found.version);
    await next();
  };
}
