/**
 * zod validation failures (bodies, parameters, queries) as `400 invalid`
 * with a message that names the field: reason `invalid_body` for bodies,
 * `invalid_query` for query parameters (naming the parameter and what it
 * allows). Thrown as a RequestError whose cause is zod's error.
 */
import { errors, isDomainError, type DomainError } from "@roster/core";
import type { Context } from "hono";
import { z } from "zod";
import { httpErrors, RequestError } from "./api-error.ts";

const WHERE: Record<string, string> = {
  json: "request body",
  form: "form",
  query: "query parameter",
  param: "path parameter",
  header: "header",
};

/** The request as received, for the words of a refusal. */
interface Received {
  /** The query parameters, each with every value given. */
  query: Record<string, string[]>;
  /** The query parameters the route takes, named when an unknown one is refused. */
  queryParams?: readonly string[] | undefined;
}

export function describeZodError(
  target: string,
  error: z.ZodError,
  received: Received,
): DomainError {
  if (target === "query") return describeQueryError(error, received);
  // A refusal that core words itself (R15 names): its error, as is.
  for (const i of error.issues) {
    const own =
      i.code === "custom" ? (i.params as { domainError?: unknown } | undefined) : undefined;
    if (own && isDomainError(own.domainError)) return own.domainError;
  }
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
function describeQueryError(error: z.ZodError, { query, queryParams }: Received): DomainError {
  const parts = error.issues.slice(0, 5).map((i) => {
    if (i.code === "unrecognized_keys") {
      const names = i.keys.map((k) => `"${clip(k)}"`).join(", ");
      const takes = queryParams?.length ? `; it takes ${queryParams.join(", ")}` : "";
      return `${names}: not a parameter of this endpoint${takes}`;
    }
    const name = i.path.map(String).join(".");
    const values = query[name] ?? [];
    if (values.length > 1) return `${name}: given ${values.length} times; give it once`;
    const shown = values[0] !== undefined ? `"${clip(values[0])}"` : "this value";
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

/** What a route's validator hands its hook (@hono/zod-openapi's Hook). */
export type ValidationResult<T = unknown> = { target: string } & (
  { success: true; data: T } | { success: false; error: z.ZodError }
);

/**
 * The hook of every OpenAPI route: a failed validation is thrown to the
 * error mapper. Control characters are refused everywhere (PostgreSQL text
 * cannot hold NUL, and no name or address needs them). `queryParams`: the
 * route's, for the words of a refusal (see queryHook).
 */
export function validationHook(
  result: ValidationResult,
  c: Context,
  queryParams?: readonly string[],
): undefined {
  const where = WHERE[result.target] ?? result.target;
  if (!result.success) {
    const received = { query: c.req.queries(), queryParams };
    const error = describeZodError(result.target, result.error, received);
    throw new RequestError(error, { cause: result.error });
  }
  if (hasControlCharacters(result.data)) {
    const message = `Invalid ${where}: control characters are not allowed.`;
    throw new RequestError(
      result.target === "json" || result.target === "form"
        ? errors.invalidBody(message)
        : result.target === "query"
          ? httpErrors.invalidQuery(message)
          : httpErrors.invalid(message),
    );
  }
  return undefined;
}

/** The hook of a route that takes query parameters: a refusal names the ones it takes. */
export function queryHook(query: z.ZodObject) {
  const names = Object.keys(query.shape);
  return <T>(result: ValidationResult<T>, c: Context): undefined =>
    validationHook(result, c, names);
}
