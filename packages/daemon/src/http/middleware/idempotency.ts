/**
 * Every mutating request runs in one transaction holding the command's
 * effect and, when it has an Idempotency-Key (SPEC §2), the first response
 * to that key: a retry replays it (`Idempotent-Replayed: true`), or — if the
 * first attempt rolled back — runs afresh; never twice. The route's handler
 * runs the command in `c.var.tx`.
 *
 * Recorded: successes and the rules' refusals (the first response is the
 * answer), except 429s, which say "later", and 401s, which say "signed in". A malformed request, a crash, an
 * internal error or a 429 rolls everything back, the key's claim included.
 * A key is bound to its caller and to the request: method, path and JSON
 * body as canonical JSON (key order does not matter); the same key with
 * another request is refused (409, reason idempotency_key_reused). On the
 * public routes the caller is what they proved: for accept, the invitation
 * token (its hash), so a key never replays one invitee's API token to
 * another; setup has a scope of its own.
 *
 * The JSON body is read whole before the transaction begins (on PGlite an
 * open transaction holds the one connection: it must never wait on a slow
 * client), and malformed JSON is refused here, with the parser's error as
 * its cause.
 */
import { errors } from "@roster/core";
import type { Context, MiddlewareHandler } from "hono";
import { DomainFailure } from "../../service/domain-failure.ts";
import {
  claimKey,
  requestHash,
  storeResponse,
  type IdempotencyKey,
  type StoredResponse,
} from "../../storage/idempotency-store.ts";
import { httpErrors, RequestError } from "../api-error.ts";
import type { AppContext, AuthEnv, Env, TxEnv } from "../app-env.ts";
import { requestHeader } from "../request-header.ts";

/** What a well-formed key looks like (the header's schema says so too, in the OpenAPI document). */
const KEY = /^[\x21-\x7e]{1,255}$/;
/** The media types Hono's JSON validator parses. */
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

interface Options {
  /** The route takes a JSON body (part of what a key is bound to). */
  json?: boolean;
}

type Deps = Pick<AppContext, "storage" | "service">;

/** For routes behind requireAuth / requireOrgMember: each caller's keys are their own. */
export function idempotent(
  ctx: Deps,
  opts: Options = {},
): MiddlewareHandler<Env & AuthEnv & TxEnv> {
  return transactional(ctx, opts, (c) => c.var.caller.userID);
}

/**
 * For the public routes (setup, accept): the scope is what the caller
 * proved, computed from the parsed body (undefined when the body is not
 * JSON: the route's validation refuses it anyway) and, behind optional auth,
 * the signed-in user, if any.
 */
export function idempotentPublic(
  ctx: Deps,
  opts: Options & { scope: (body: unknown, signedIn: string | undefined) => string },
): MiddlewareHandler<Env & TxEnv> {
  return transactional(ctx, opts, (c, body) =>
    opts.scope(body, (c.var as { caller?: { userID: string } }).caller?.userID),
  );
}

/** Thrown out of the transaction to roll it back; the response stands. */
class Rollback extends Error {}

function transactional<E extends Env & TxEnv>(
  ctx: Deps,
  opts: Options,
  scope: (c: Context<E>, body: unknown) => string,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const body = opts.json ? await jsonBody(c) : undefined;
    const header = requestHeader(c, "idempotency-key");
    // A malformed key is refused by the route's header validation (400), before any effect.
    const key: IdempotencyKey | undefined =
      header !== undefined && KEY.test(header)
        ? {
            scope: scope(c, body),
            key: header,
            requestHash: requestHash(c.req.method, c.req.path, body),
          }
        : undefined;
    let replay: StoredResponse | undefined;
    try {
      await ctx.storage.transaction(async (tx) => {
        if (key) {
          const claim = await claimKey(tx, key, ctx.service.ctx.now());
          if (claim.kind === "mismatch") throw new RequestError(errors.idempotencyKeyReused());
          if (claim.kind === "replay") {
            replay = claim.response;
            return;
          }
        }
        c.set("tx", tx);
        const made = key ? jsonResponses(c) : undefined;
        await next();
        if (c.error !== undefined && !(key && isRecorded(c.error))) throw new Rollback();
        if (key) await storeResponse(tx, key, await stored(c.res, made));
      });
    } catch (e) {
      if (!(e instanceof Rollback)) throw e;
    }
    if (replay) return replayed(replay);
  };
}

/**
 * A refusal by a rule is the first response; "too many requests" (429, try
 * later) and "unauthorized" (401, try signed in: R9's sign_in_required) are not.
 */
function isRecorded(error: Error): boolean {
  return (
    error instanceof DomainFailure &&
    error.error.code !== "too many requests" &&
    error.error.code !== "unauthorized"
  );
}

/**
 * The body, parsed, when it is sent as JSON (else undefined: the route's
 * validation refuses it); malformed JSON is refused with the parser's error.
 */
export async function jsonBody(c: Context): Promise<unknown> {
  const type = requestHeader(c, "content-type")?.split(";")[0]?.trim() ?? "";
  if (!JSON_TYPE.test(type)) return undefined;
  try {
    // The text is cached: the route's validator reads it again.
    return await c.req.json<unknown>();
  } catch (cause) {
    throw new RequestError(httpErrors.invalidJson(), { cause });
  }
}

/**
 * The JSON text of each response `c.json` makes from here on. Reading a
 * response's body (`res.clone().text()`) turns @hono/node-server's
 * lightweight Response into a full one with a web stream, which it then
 * writes through its slow path; the text it was made from is the same bytes.
 */
function jsonResponses(c: Context): WeakMap<Response, string> {
  const texts = new WeakMap<Response, string>();
  const json = c.json;
  c.json = ((object: unknown, ...rest: unknown[]) => {
    const res = (json as (o: unknown, ...r: unknown[]) => Response)(object, ...rest);
    texts.set(res, JSON.stringify(object) ?? "");
    return res;
  }) as typeof c.json;
  return texts;
}

async function stored(res: Response, made?: WeakMap<Response, string>): Promise<StoredResponse> {
  const text = made?.get(res) ?? (await res.clone().text());
  return text === "" ? { status: res.status } : { status: res.status, body: JSON.parse(text) };
}

function replayed({ status, body }: StoredResponse): Response {
  const headers = { "Idempotent-Replayed": "true" };
  if (body === undefined) return new Response(null, { status, headers });
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, "Content-Type": "application/json" },
  });
}
