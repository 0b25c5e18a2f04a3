/**
 * How every mutating endpoint runs: one transaction holding the command's
 * effect and, when the request has an Idempotency-Key, the stored response.
 * Domain refusals are stored too (the first response is the answer), except
 * 429s, which say "later"; a crash, an internal error or a 429 rolls
 * everything back, so the retry runs afresh.
 */
import { errors, HTTP_STATUS } from "@roster/core";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainFailure } from "../service/domain-failure.ts";
import {
  claimKey,
  requestHash,
  storeResponse,
  type IdempotencyKey,
  type StoredResponse,
} from "../storage/idempotency-store.ts";
import type { Sql } from "../storage/storage.ts";
import { errorBody, httpErrors } from "./api-error.ts";
import type { AppContext, Env } from "./app-env.ts";

const KEY = /^[\x21-\x7e]{1,255}$/;

export interface MutationRequest {
  /** Caller scope for the key: the user id, or "anonymous". */
  scope: string;
  /** The validated request body (part of what a key is bound to). */
  body?: unknown;
  run: (tx: Sql) => Promise<StoredResponse>;
}

export async function mutate(
  ctx: AppContext,
  c: Context<Env>,
  req: MutationRequest,
): Promise<Response> {
  const header = c.req.header("idempotency-key");
  if (header !== undefined && !KEY.test(header)) {
    throw new DomainFailure(
      httpErrors.invalid(
        "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.",
      ),
    );
  }
  const key: IdempotencyKey | undefined =
    header === undefined
      ? undefined
      : {
          scope: req.scope,
          key: header,
          requestHash: requestHash(c.req.method, c.req.path, req.body),
        };

  const outcome = await ctx.storage.transaction(async (tx) => {
    if (key) {
      const claim = await claimKey(tx, key, ctx.service.ctx.now());
      if (claim.kind === "mismatch") throw new DomainFailure(errors.idempotencyKeyReused());
      if (claim.kind === "replay") return { response: claim.response, replayed: true };
    }
    let response: StoredResponse;
    try {
      response = await req.run(tx);
    } catch (e) {
      // Rules refuse before anything is written: the refusal is the first response.
      // Except "try again later" (429, Retry-After): it is not recorded against
      // the key (the rollback forgets the claim), so the same request with the
      // same key runs afresh once the delay has passed.
      if (!(e instanceof DomainFailure) || !key || e.error.code === "too many requests") throw e;
      response = { status: HTTP_STATUS[e.error.code], body: errorBody(e.error) };
    }
    if (key) await storeResponse(tx, key, response);
    return { response, replayed: false };
  });
  if (outcome.replayed) c.header("Idempotent-Replayed", "true");
  const { status, body } = outcome.response;
  if (body === undefined) return c.body(null, status as 204);
  return c.json(body, status as ContentfulStatusCode);
}
