/**
 * zod validation failures (bodies, parameters, queries) as `400 invalid`
 * with a message that names the field: reason `invalid_body` for bodies,
 * `invalid_query` for query parameters (naming the parameter and what it
 * allows).
 */
import { errors, type DomainError } from "@roster/core";
import type { Context } from "hono";
import { z } from "zod";
import { DomainFailure } from "../service/domain-failure.ts";
import { httpErrors } from "./api-error.ts";

const WHERE: Record<string, string> = {
  json: "request body",
  form: "form",
  query: "query parameter",
  param: "path parameter",
  header: "header",
};

/** What a route's hook knows beyond the failed value (see routeValidationHook). */
export interface RouteValidation {
  /** The query parameters the route takes, named when an unknown one is refused. */
  queryParams?: readonly string[];
  /** The error for a JSON body that is an array instead of an object (e.g. a list of invitations). */
  onJsonList?: () => DomainError;
}

export function describeZodError(
  target: string,
  error: z.ZodError,
  data?: unknown,
  route: RouteValidation = {},
): DomainError {
  if (target === "query") return describeQueryError(error, data, route.queryParams);
  const parts = error.issues.slice(0, 5).map((i) => {
    const field = i.path.map(String).join(".");
    if (i.code === "unrecognized_keys") {
      return `unknown field${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => `"${k}"`).join(", ")}`;
    }
    return field ? `${field}: ${issueText(i)}` : issueText(i);
  });
  const message = `Invalid ${WHERE[target] ?? target}: ${parts.join("; ")}.`;
  return target === "json" || target === "form"
    ? errors.invalidBody(message)
    : httpErrors.invalid(message);
}

/**
 * `?status=bogus`, `?since=-1`, `?extra=1`, `?status=a&status=b`: each part
 * names the parameter, the value given and what is allowed.
 */
function describeQueryError(
  error: z.ZodError,
  data: unknown,
  params: readonly string[] | undefined,
): DomainError {
  const given = (name: string): unknown =>
    typeof data === "object" && data !== null ? (data as Record<string, unknown>)[name] : undefined;
  const parts = error.issues.slice(0, 5).map((i) => {
    if (i.code === "unrecognized_keys") {
      const names = i.keys.map((k) => `"${clip(k)}"`).join(", ");
      const takes = params?.length ? `; it takes ${params.join(", ")}` : "";
      return `${names}: not a parameter of this endpoint${takes}`;
    }
    const name = i.path.map(String).join(".");
    const value = given(name);
    if (Array.isArray(value)) return `${name}: given ${value.length} times; give it once`;
    const shown = typeof value === "string" ? `"${clip(value)}"` : "this value";
    if (i.code === "invalid_value") {
      return `${name}: ${shown} is not one of ${i.values.map(String).join(", ")}`;
    }
    if (i.code === "invalid_format") return `${name}: ${shown} is not ${i.message}`;
    return `${name}: ${issueText(i)}`;
  });
  return httpErrors.invalidQuery(`Invalid query parameter ${parts.join("; ")}.`);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** zod's words for the common cases, in plain words ("required", not "expected nonoptional, received undefined"). */
function issueText(i: z.core.$ZodIssue): string {
  if (i.code === "invalid_type" && i.message.endsWith("received undefined")) return "required";
  if (i.code === "too_small" && i.origin === "string") {
    return Number(i.minimum) <= 1 ? "must not be empty" : `at least ${i.minimum} characters`;
  }
  if (i.code === "too_big" && i.origin === "string") return `at most ${i.maximum} characters`;
  return i.message;
}

/** Whether a value holds a string with a NUL or another C0 control besides tab/newline. */
export function hasControlCharacters(v: unknown, depth = 0): boolean {
  if (typeof v === "string") {
    for (let i = 0; i < v.length; i++) {
      const ch = v.charCodeAt(i);
      if ((ch < 0x20 && ch !== 0x09 && ch !== 0x0a && ch !== 0x0d) || ch === 0x7f) return true;
    }
    return false;
  }
  if (depth > 20 || v === null || typeof v !== "object") return false;
  return Object.entries(v).some(
    ([k, x]) => hasControlCharacters(k, depth + 1) || hasControlCharacters(x, depth + 1),
  );
}

/**
 * defaultHook of every OpenAPI route: a failed validation throws to the
 * error mapper. Control characters are refused everywhere (PostgreSQL text
 * cannot hold NUL, and no name or address needs them).
 */
export function validationHook(
  result: ValidationResult,
  _c: Context,
  route: RouteValidation = {},
): undefined {
  if (!result.success) {
    if (result.target === "json" && route.onJsonList && Array.isArray(result.data)) {
      throw new DomainFailure(route.onJsonList());
    }
    throw new DomainFailure(describeZodError(result.target, result.error, result.data, route));
  }
  if (hasControlCharacters(result.data)) {
    const where = WHERE[result.target] ?? result.target;
    const message = `Invalid ${where}: control characters are not allowed.`;
    throw new DomainFailure(
      result.target === "json" || result.target === "form"
        ? errors.invalidBody(message)
        : result.target === "query"
          ? httpErrors.invalidQuery(message)
          : httpErrors.invalid(message),
    );
  }
  return undefined;
}

/** What @hono/zod-validator hands a hook: on failure, `data` is the value as received. */
export type ValidationResult = { target: string; data: unknown } & (
  { success: true } | { success: false; error: z.ZodError }
);

/** The hook of one route: validationHook with what the route knows (its query parameters...). */
export function routeValidationHook(route: RouteValidation) {
  return (result: ValidationResult, c: Context): undefined => validationHook(result, c, route);
}

/** What an id in a path may look like (ids are 16 hex digits; be lenient, but safe). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Path parameters. */
const PathId = z.string().regex(ID_PATTERN, "not an id");
export const OrgParams = z.object({ orgID: PathId });
export const MemberParams = OrgParams.extend({ userID: PathId });
export const InviteParams = OrgParams.extend({ inviteID: PathId });
