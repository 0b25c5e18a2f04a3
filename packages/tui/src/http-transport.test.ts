import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RosterApiError, RosterClient, RosterUnreachableError } from "@roster/core/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeHttpFetch } from "./http-transport.ts";

describe("nodeHttpFetch (the CLI's transport for RosterClient)", () => {
  let server: Server;
  let url: string;
  const seen: { method?: string; headers?: Record<string, unknown>; body?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8").on("data", (d: string) => (body += d));
      req.on("end", () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === "/slow") return; // never answers
        if (req.url === "/api/v2/orgs") {
          res.writeHead(201, { "Content-Type": "application/json" });
          res.end(
            JSON.stringify({ id: "o1", name: "Acme", createdAt: "2025-01-01T00:00:00.000Z" }),
          );
          return;
        }
        res.writeHead(409, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({ code: "conflict", message: "Ünïcode ✓", reason: "already_invited" }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("sends the method, headers and body, and hands back status, ok and the text", async () => {
    const res = await nodeHttpFetch(`${url}/other`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Test": "1" },
      body: '{"a":"ü"}',
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(409);
    expect(res.ok).toBe(false);
    expect(JSON.parse(await res.text())).toMatchObject({ message: "Ünïcode ✓" });
    expect(seen.at(-1)).toMatchObject({
      method: "POST",
      body: '{"a":"ü"}',
      headers: { "x-test": "1" },
    });
  });

  it("serves RosterClient: results, API errors, unreachable daemons and timeouts as with fetch", async () => {
    const client = new RosterClient({ url, token: "t", fetch: nodeHttpFetch, timeoutMs: 300 });
    await expect(client.createOrg("Acme")).resolves.toMatchObject({ id: "o1", name: "Acme" });
    expect(seen.at(-1)?.headers).toMatchObject({ authorization: "Token t" });
    const refused = await client.withdrawInvite("o1", "i1").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RosterApiError);
    expect(refused).toMatchObject({ status: 409, reason: "already_invited" });

    // The "#" turns the client's "/health" into a fragment: the request goes to /slow.
    const slow = new RosterClient({ url: `${url}/slow#`, fetch: nodeHttpFetch, timeoutMs: 200 });
    const timedOut = await slow.health().catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(RosterUnreachableError);
    expect((timedOut as Error).message).toMatch(/: timed out$/);

    const closed = new RosterClient({ url: "http://127.0.0.1:1", fetch: nodeHttpFetch });
    const unreachable = await closed.health().catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(RosterUnreachableError);
    expect((unreachable as Error).message).toBe(
      "Cannot reach the Roster daemon at http://127.0.0.1:1: ECONNREFUSED",
    );
  });
});
