/**
 * The CLI's HTTP transport for RosterClient: node:http instead of the global
 * fetch, whose first call loads undici (in Node 20 that alone costs ≈2.5× a
 * bare `node -e 0`, more than a one-shot command may spend in total). Errors
 * take fetch's shapes, so the client reports them the same way: a network
 * failure is `TypeError("fetch failed", { cause })`, a timeout the signal's
 * own reason (a `TimeoutError`).
 */
import type { IncomingMessage, RequestOptions } from "node:http";
import type { FetchLike } from "@roster/core/client";

type Request = (
  url: URL,
  options: RequestOptions,
  cb: (res: IncomingMessage) => void,
) => {
  on(event: "error", listener: (e: Error) => void): unknown;
  end(body?: string): unknown;
};

async function requester(protocol: string): Promise<Request> {
  if (protocol === "http:") return (await import("node:http")).request;
  if (protocol === "https:") return (await import("node:https")).request;
  throw new TypeError("fetch failed", { cause: new Error(`unsupported protocol ${protocol}`) });
}

export const nodeHttpFetch: FetchLike = async (url, init) => {
  const target = new URL(url);
  const request = await requester(target.protocol);
  const { signal } = init;
  return new Promise((resolve, reject) => {
    const fail = (e: Error) =>
      reject(
        signal.aborted ? (signal.reason as Error) : new TypeError("fetch failed", { cause: e }),
      );
    const req = request(target, { method: init.method, headers: init.headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", fail);
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ ok: status >= 200 && status < 300, status, text: () => Promise.resolve(text) });
      });
    });
    req.on("error", fail);
    req.end(init.body ?? undefined);
  });
};
