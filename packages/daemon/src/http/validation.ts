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
    return field ? `${field}: ${i.message}` : i.message;
  });
  const message = `Invalid ${WHERE[target] ?? target}: ${parts.join("; ")}.`;
  return target === "json" || target === "form" ? errors.invalidBody(message) : httpErrors.invalid(message);
}

/** defaultHook of every OpenAPI route: a failed validation throws to the error mapper. */
export function validationHook(
  result: { target: string } & ({ success: true } | { success: false; error: z.ZodError }),
  _c: Context,
): undefined {
  if (!result.success) throw new DomainFailure(describeZodError(result.target, result.error));
  return undefined;
}

/** Path parameters. */
export const OrgParams = z.object({ orgID: z.string().min(1).max(64) });
export const MemberParams = OrgParams.extend({ userID: z.string().min(1).max(64) });
export const InviteParams = OrgParams.extend({ inviteID: z.string().min(1).max(64) });
