/**
 * Typed client for the daemon's HTTP API (SPEC §2). The only I/O in core,
 * together with the live connection beside it.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { codeForStatus, type ErrorCode } from "../errors.ts";
import {
  AcceptResponseSchema,
  ChangesResponseSchema,
  CreatedTokenSchema,
  HealthSchema,
  InviteWithLinkSchema,
  InvitesResponseSchema,
  MembersResponseSchema,
  OrgSchema,
  OrgsResponseSchema,
  SetupResponseSchema,
  SetupStatusSchema,
  TokensResponseSchema,
  UserSchema,
  type AcceptRequest,
  type CreateTokenRequest,
  type InviteStatusFilter,
  type SetupRequest,
} from "../schemas.ts";

/** The daemon answered with an error body (`{code, message, reason}`). */
export class RosterApiError extends Error {
  override readonly name = "RosterApiError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** The daemon could not be reached at all (refused, timed out, DNS). */
export class RosterUnreachableError extends Error {
  override readonly name = "RosterUnreachableError";
  constructor(
    readonly url: string,
    readonly causeMessage: string,
  ) {
    super(`Cannot reach the Roster daemon at ${url}: ${causeMessage}`);
  }
}

/**
 * What the client uses of `fetch`: global `fetch` fits, and so does a plain
 * node:http transport (the CLI's: Node 20 loads undici on the first fetch).
 */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body: string | null;
    signal: AbortSignal;
  },
) => Promise<Pick<Response, "ok" | "status" | "text">>;

export interface ClientOptions {
  /** Base URL of the daemon, e.g. http://127.0.0.1:8086 */
  url: string;
  token?: string | undefined;
  /** Per-request timeout in ms (default 10 s). */
  timeoutMs?: number;
  fetch?: FetchLike;
}

export interface MutationOptions {
  /** Sent as Idempotency-Key; one is generated when omitted. */
  idempotencyKey?: string;
}

export class RosterClient {
  readonly url: string;
  readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: FetchLike;

  constructor(opts: ClientOptions) {
    this.url = opts.url.replace(/\/+$/, "");
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  withToken(token: string): RosterClient {
    return new RosterClient({
      url: this.url,
      token,
      timeoutMs: this.timeoutMs,
      fetch: this.fetchImpl,
    });
  }

  health() {
    return this.get("/health", HealthSchema);
  }
  setupStatus() {
    return this.get("/api/v2/setup", SetupStatusSchema);
  }
  setup(body: SetupRequest, opts?: MutationOptions) {
    return this.request("POST", "/api/v2/setup", body, opts, SetupResponseSchema);
  }
  me() {
    return this.get("/api/v2/me", UserSchema);
  }
  listOrgs() {
    return this.get("/api/v2/orgs", OrgsResponseSchema);
  }
  createOrg(name: string, opts?: MutationOptions) {
    return this.request("POST", "/api/v2/orgs", { name }, opts, OrgSchema);
  }
  listMembers(orgID: string) {
    return this.get(`/api/v2/orgs/${enc(orgID)}/members`, MembersResponseSchema);
  }
  async removeMember(orgID: string, userID: string, opts?: MutationOptions): Promise<void> {
    await this.delete(`/api/v2/orgs/${enc(orgID)}/members/${enc(userID)}`, opts);
  }
  listInvites(orgID: string, status?: InviteStatusFilter) {
    const q = status ? `?status=${enc(status)}` : "";
    return this.get(`/api/v2/orgs/${enc(orgID)}/invites${q}`, InvitesResponseSchema);
  }
  createInvite(orgID: string, body: { email: string; role?: string }, opts?: MutationOptions) {
    return this.request(
      "POST",
      `/api/v2/orgs/${enc(orgID)}/invites`,
      body,
      opts,
      InviteWithLinkSchema,
    );
  }
  resendInvite(orgID: string, inviteID: string, opts?: MutationOptions) {
    return this.request(
      "POST",
      `/api/v2/orgs/${enc(orgID)}/invites/${enc(inviteID)}/resend`,
      undefined,
      opts,
      InviteWithLinkSchema,
    );
  }
  async withdrawInvite(orgID: string, inviteID: string, opts?: MutationOptions): Promise<void> {
    await this.delete(`/api/v2/orgs/${enc(orgID)}/invites/${enc(inviteID)}`, opts);
  }
  acceptInvite(body: AcceptRequest, opts?: MutationOptions) {
    return this.request("POST", "/api/v2/invites/accept", body, opts, AcceptResponseSchema);
  }
  /** The caller's own API tokens (R13). */
  listTokens() {
    return this.get("/api/v2/tokens", TokensResponseSchema);
  }
  /** A new API token of the caller; its secret is in this answer only. */
  createToken(body: CreateTokenRequest, opts?: MutationOptions) {
    return this.request("POST", "/api/v2/tokens", body, opts, CreatedTokenSchema);
  }
  async revokeToken(tokenID: string, opts?: MutationOptions): Promise<void> {
    await this.delete(`/api/v2/tokens/${enc(tokenID)}`, opts);
  }
  changes(orgID: string, since: number) {
    return this.get(`/api/v2/orgs/${enc(orgID)}/changes?since=${since}`, ChangesResponseSchema);
  }

  /** The Authorization header for this client, for the WebSocket upgrade. */
  authHeaders(): Record<string, string> {
    return this.token ? { Authorization: `Token ${this.token}` } : {};
  }

  private get<S extends z.ZodType>(path: string, schema: S) {
    return this.request("GET", path, undefined, undefined, schema);
  }

  private async delete(path: string, opts: MutationOptions | undefined): Promise<void> {
    await this.request("DELETE", path, undefined, opts, null);
  }

  private async request<S extends z.ZodType | null>(
    method: string,
    path: string,
    body: unknown,
    opts: MutationOptions | undefined,
    schema: S,
  ): Promise<S extends z.ZodType ? z.infer<S> : unknown> {
    const headers: Record<string, string> = { Accept: "application/json", ...this.authHeaders() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["Idempotency-Key"] = opts?.idempotencyKey ?? randomUUID();
    const target = this.url + path;
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await this.fetchImpl(target, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new RosterUnreachableError(this.url, describeFetchError(e));
    }
    const text = await res.text();
    let json: unknown = undefined;
    if (text !== "") {
      try {
        json = JSON.parse(text);
      } catch {
        if (!res.ok)
          throw new RosterApiError(res.status, codeForStatus(res.status), text.slice(0, 500));
        throw new RosterApiError(
          res.status,
          "internal error",
          "The daemon sent a response that is not JSON.",
        );
      }
    }
    if (!res.ok) {
      const b = (json ?? {}) as { code?: string; message?: string; reason?: string };
      throw new RosterApiError(
        res.status,
        (b.code as ErrorCode | undefined) ?? codeForStatus(res.status),
        b.message ?? `HTTP ${res.status}`,
        b.reason,
      );
    }
    if (schema === null) return json as never;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new RosterApiError(
        res.status,
        "internal error",
        `Unexpected response from ${method} ${path}.`,
      );
    }
    return parsed.data as never;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function describeFetchError(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
    if (e.name === "TimeoutError") return "timed out";
    if (cause?.code) return cause.code;
    if (cause?.message) return cause.message;
    return e.message;
  }
  return String(e);
}
