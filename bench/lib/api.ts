/**
 * The few calls of Roster's HTTP API (SPEC §2) the bench drives, on plain
 * fetch: the harness depends on the API, not on the daemon's or the
 * client library's code.
 */
import { randomUUID } from "node:crypto";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

export interface Created {
  id: string;
  activationURL?: string;
}

export class Api {
  constructor(
    readonly url: string,
    readonly token?: string,
  ) {}

  withToken(token: string): Api {
    return new Api(this.url, token);
  }

  async call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        ...(this.token ? { authorization: `Token ${this.token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new ApiError(res.status, text, `${method} ${path}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The raw body bytes of a GET (for serving the same bytes elsewhere). */
  async bytes(path: string): Promise<{ body: Buffer; contentType: string }> {
    const res = await fetch(this.url + path, {
      headers: this.token ? { authorization: `Token ${this.token}` } : {},
    });
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new ApiError(res.status, body.toString(), `GET ${path}`);
    return { body, contentType: res.headers.get("content-type") ?? "application/json" };
  }

  setup(org: string, email: string) {
    return this.call<{ org: { id: string }; user: { id: string }; token: string }>(
      "POST",
      "/api/v2/setup",
      { org, email, name: "Bench Owner" },
    );
  }

  createOrg(name: string) {
    return this.call<{ id: string }>("POST", "/api/v2/orgs", { name });
  }

  /** POST an invitation, with an Idempotency-Key as the TUI sends one. */
  createInvite(orgID: string, email: string) {
    return this.call<Created>(
      "POST",
      `/api/v2/orgs/${orgID}/invites`,
      { email, role: "owner" },
      { "idempotency-key": `bench-${randomUUID()}` },
    );
  }

  withdrawInvite(orgID: string, inviteID: string) {
    return this.call<void>("DELETE", `/api/v2/orgs/${orgID}/invites/${inviteID}`, undefined, {
      "idempotency-key": `bench-${randomUUID()}`,
    });
  }

  accept(token: string, name: string) {
    return this.call<{ token: string }>("POST", "/api/v2/invites/accept", { token, name });
  }

  listInvites(orgID: string) {
    return this.call<{
      invites: { id: string; status: string; delivery: { state: string } }[];
      pending: number;
      version: number;
    }>("GET", `/api/v2/orgs/${orgID}/invites`);
  }

  listMembers(orgID: string) {
    return this.call<{ members: unknown[]; version: number }>(
      "GET",
      `/api/v2/orgs/${orgID}/members`,
    );
  }
}

/** The token at the end of an activation URL (`…/activate/<token>`). */
export function tokenOf(activationURL: string | undefined): string {
  const m = activationURL ? /\/activate\/([^/?#]+)/.exec(activationURL) : null;
  if (!m) throw new Error(`no activation link in the create answer (${activationURL})`);
  return decodeURIComponent(m[1]!);
}

/** Run `fn(i)` for i in [0, n) with at most `inFlight` at a time. */
export async function pool(
  n: number,
  inFlight: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}
