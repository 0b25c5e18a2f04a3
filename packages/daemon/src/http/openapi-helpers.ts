/**
 * Small helpers to declare routes with @hono/zod-openapi from core's zod
 * schemas (the one source of truth for bodies and the OpenAPI document).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { ErrorBodySchema } from "@roster/core";
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import type { Env } from "./app-env.ts";
import { validationHook } from "./validation.ts";

/** A router whose every route refuses invalid input through validationHook. */
export function newRouter(): OpenAPIHono<Env> {
  return new OpenAPIHono<Env>({ defaultHook: validationHook });
}

/**
 * A route's middleware, in order, as a tuple: each one's variables (the
 * caller, the transaction...) reach the handler's types.
 */
export function chain<T extends MiddlewareHandler[]>(...handlers: T): T {
  return handlers;
}

/** An operation that needs `Authorization: Token <token>` (also the document's default). */
export const SECURITY = [{ Token: [] }];
/** An operation that needs no token (overrides the document's default). */
export const PUBLIC: [] = [];
/** An operation open to anyone that a token, when sent, signs in (R9's accept). */
export const OPTIONAL_AUTH: Array<Record<string, string[]>> = [{}, { Token: [] }];

export function jsonContent<S extends z.ZodType>(schema: S) {
  return { "application/json": { schema } };
}

export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: jsonContent(schema) };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "invalid: the request is malformed or a rule refused it (see reason)",
  401: "unauthorized: missing, malformed or unknown API token",
  403: "forbidden (see reason), or a Host header this daemon does not answer to (DNS-rebinding protection; see --allowed-hosts)",
  404: "not found: no such resource, or an org the caller is not a member of",
  409: "conflict (see reason), or Idempotency-Key reused for another request",
  413: "request too large",
  415: "unsupported media type: send application/json",
  429: "too many requests (see reason); the Retry-After header says in how many seconds to try again",
  500: "internal error",
  503: "unavailable: the daemon cannot reach its database right now; retry later",
};

const RETRY_AFTER = {
  "Retry-After": {
    description: "Whole seconds until the request can succeed",
    schema: { type: "integer" as const, minimum: 0 },
  },
};

/** 200 with a JSON body, and the errors the route documents. */
export function ok<S extends z.ZodType, const E extends readonly number[]>(
  schema: S,
  description: string,
  errors: E,
) {
  return responses({ 200: jsonResponse(schema, description) }, errors);
}

/** 201 with the created resource, and the errors the route documents. */
export function created<S extends z.ZodType, const E extends readonly number[]>(
  schema: S,
  description: string,
  errors: E,
) {
  return responses({ 201: jsonResponse(schema, description) }, errors);
}

/** 204 (no body), and the errors the route documents. */
export function noContent<const E extends readonly number[]>(description: string, errors: E) {
  return responses({ 204: { description } }, errors);
}

/** A route's responses: its own, then the errors it documents (500 and 503 always). */
function responses<R extends object, const S extends readonly number[]>(
  own: R,
  errors: S,
): R & ErrorResponses<S> {
  return { ...own, ...errorResponses(...errors) };
}

type ErrorResponse = ReturnType<typeof jsonResponse<typeof ErrorBodySchema>> & {
  headers?: typeof RETRY_AFTER;
};
type ErrorResponses<S extends readonly number[]> = Record<S[number] | 500 | 503, ErrorResponse>;

/** Documented error responses, all `{code, message, reason?}`. */
function errorResponses<const S extends readonly number[]>(...statuses: S): ErrorResponses<S> {
  const out: Record<number, ErrorResponse> = {};
  for (const s of [...statuses, 500, 503]) {
    const res = jsonResponse(ErrorBodySchema, ERROR_DESCRIPTIONS[s] ?? "error");
    out[s] = s === 429 ? { ...res, headers: RETRY_AFTER } : res;
  }
  return out;
}

/** The optional Idempotency-Key header of every mutating request. */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "1 to 255 printable ASCII characters without spaces")
    .optional()
    .describe(
      "Repeating a request with the same key (same caller) returns the first response and has no second effect (kept 48 hours). The same key with another request is refused (409, reason idempotency_key_reused). A 429 is not recorded: after its Retry-After, the same request with the same key runs.",
    ),
});

/** The request of a JSON-body mutation: the body (required) and the optional Idempotency-Key header. */
export function jsonRequest<S extends z.ZodType>(schema: S) {
  return { headers: IdempotencyHeaders, body: { required: true, content: jsonContent(schema) } };
}

/** What an id in a path may look like (ids are 16 hex digits; be lenient, but safe). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Path parameters. */
const PathId = z.string().regex(ID_PATTERN, "not an id");
export const OrgParams = z.object({ orgID: PathId });
export const MemberParams = OrgParams.extend({ userID: PathId });
export const InviteParams = OrgParams.extend({ inviteID: PathId });
