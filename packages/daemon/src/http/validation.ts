/**
 * zod validation failures (bodies, parameters, queries) as `400 invalid`
 * with a message that names the field.
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

export function describeZodError(target: string, error: z.ZodError): DomainError {
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
  result: { target: string } & (
    { success: true; data: unknown } | { success: false; error: z.ZodError }
  ),
  _c: Context,
): undefined {
  if (!result.success) throw new DomainFailure(describeZodError(result.target, result.error));
  if (hasControlCharacters(result.data)) {
    const where = WHERE[result.target] ?? result.target;
    const message = `Invalid ${where}: control characters are not allowed.`;
    throw new DomainFailure(
      result.target === "json" || result.target === "form"
        ? errors.invalidBody(message)
        : httpErrors.invalid(message),
    );
  }
  return undefined;
}

/** What an id in a path may look like (ids are 16 hex digits; be lenient, but safe). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Path parameters. */
const PathId = z.string().regex(ID_PATTERN, "not an id");
export const OrgParams = z.object({ orgID: PathId });
export const MemberParams = OrgParams.extend({ userID: PathId });
export const InviteParams = OrgParams.extend({ inviteID: PathId });
