/**
 * The one error mapper: every failure becomes `{code, message, reason?}` with
 * the status that matches its code (SPEC §2), plus `Retry-After` (seconds)
 * when the error carries `retryAfterS` (429 resend_too_soon; the delay is in
 * the header and the message, not a body field) and `WWW-Authenticate` on
 * every 401. The activation pages answer in HTML instead. Internal errors are
 * logged with their stack and answered without it.
 *
 * What is thrown says what failed: a DomainFailure (a rule of core refused),
 * a RequestError (the request itself is wrong: its body, a parameter, its
 * Host; with the parser's or validator's error as its cause), Hono's
 * HTTPException (its own 404/413/415), or anything else (internal, or the
 * database is unavailable).
 */
import { HTTP_STATUS, type DomainError, type ErrorCode } from "@roster/core";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainFailure } from "../service/domain-failure.ts";
import { isUnavailableError, StorageUnavailable } from "../storage/storage.ts";
import { ACTIVATION_HEADERS, refusalPage } from "./activation-page.ts";
import type { Env } from "./app-env.ts";

/** The request is malformed (not a rule's refusal): answered with `error`, never recorded against an Idempotency-Key. */
export class RequestError extends Error {
  override readonly name = "RequestError";
  constructor(
    readonly error: DomainError,
    options?: ErrorOptions,
  ) {
    super(error.message, options);
  }
}

export function errorBody(e: DomainError): DomainError {
  return e.reason === undefined
    ? { code: e.code, message: e.message }
    : { code: e.code, message: e.message, reason: e.reason };
}

/** `Retry-After` (whole seconds) for an error that says when to try again (429). */
export function setRetryAfter(c: Context, e: DomainError): void {
  if (e.retryAfterS !== undefined && Number.isFinite(e.retryAfterS)) {
    c.header("Retry-After", String(Math.max(0, Math.ceil(e.retryAfterS))));
  }
}

/** The challenge of every 401 (RFC 9110 §11.6.1), InfluxDB's scheme; `Bearer` is accepted too. */
export const WWW_AUTHENTICATE = 'Token realm="roster"';

export function errorResponse(c: Context, e: DomainError): Response {
  setRetryAfter(c, e);
  if (e.code === "unauthorized") c.header("WWW-Authenticate", WWW_AUTHENTICATE);
  return c.json(errorBody(e), HTTP_STATUS[e.code] as ContentfulStatusCode);
}

const simple = (code: ErrorCode, message: string): DomainError => ({ code, message });

export const httpErrors = {
  notFound: () => simple("not found", "No such resource. See /api/v2/openapi.json for the API."),
  tooLarge: (limit: number) =>
    simple("request too large", `The request body is larger than ${Math.round(limit / 1024)} KiB.`),
  unsupportedMediaType: () =>
    simple(
      "unsupported media type",
      "Send the request body as JSON (Content-Type: application/json).",
    ),
  invalidJson: (): DomainError => ({
    code: "invalid",
    reason: "invalid_body",
    message: "The request body is not valid JSON.",
  }),
  invalid: (message: string) => simple("invalid", message),
  invalidQuery: (message: string): DomainError => ({
    code: "invalid",
    reason: "invalid_query",
    message,
  }),
  unavailable: (reqId: string) =>
    simple(
      "unavailable",
      `The daemon cannot reach its database right now (request ${reqId}). Try again shortly; GET /health says when it is back.`,
    ),
  starting: (): DomainError => ({
    code: "unavailable",
    message:
      "The daemon is starting (opening its database). Try again in a moment; GET /health says when it is ready.",
    retryAfterS: 1,
  }),
  internal: (reqId: string) =>
    simple(
      "internal error",
      `Something went wrong in the daemon (request ${reqId}); its log has the details.`,
    ),
};

/** Map anything thrown by a handler to the error to answer with. */
export function toDomainError(err: unknown, c: Context<Env>, bodyLimit: number): DomainError {
  if (
    err instanceof DomainFailure ||
    err instanceof RequestError ||
    err instanceof StorageUnavailable
  )
    return err.error;
  if (err instanceof HTTPException) {
    switch (err.status) {
      case 413:
        return httpErrors.tooLarge(bodyLimit);
      case 415:
        return httpErrors.unsupportedMediaType();
      case 404:
        return httpErrors.notFound();
      default:
        // e.g. 400 "Malformed FormData request." from the activation form.
        if (err.status < 500) return httpErrors.invalid(err.message);
    }
  }
  const reqId = c.get("reqId") ?? "unknown";
  if (isUnavailableError(err)) {
    (c.get("log") ?? undefined)?.warn({ err }, "database unavailable");
    return httpErrors.unavailable(reqId);
  }
  (c.get("log") ?? undefined)?.error({ err }, "internal error");
  return httpErrors.internal(reqId);
}

/** The activation pages (under /activate/) answer in HTML, their errors included. */
function isActivation(c: Context): boolean {
  return c.req.path.startsWith("/activate/");
}

/** Answer `e`: JSON, or an HTML page for the activation pages. */
export function answerError(c: Context<Env>, e: DomainError): Response {
  if (!isActivation(c)) return errorResponse(c, e);
  for (const [k, v] of Object.entries(ACTIVATION_HEADERS)) c.header(k, v);
  return c.html(refusalPage(e), HTTP_STATUS[e.code] as ContentfulStatusCode);
}

/** app.onError: whatever was thrown, answered (requests over `bodyLimit` bytes are 413). */
export function onError(bodyLimit: number): ErrorHandler<Env> {
  return (err, c) => answerError(c, toDomainError(err, c, bodyLimit));
}

/** app.notFound. */
export const onNotFound: NotFoundHandler<Env> = (c) => answerError(c, httpErrors.notFound());
