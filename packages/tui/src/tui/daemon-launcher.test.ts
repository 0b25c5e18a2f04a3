/**
 * answers(): whether a daemon is there — waiting through `starting` (during
 * which a daemon opening its database may not answer at all) for one that serves.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { answers } from "./daemon-launcher.ts";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A /health that answers each request with the next of `script` (the last one repeats). */
async function healthServer(script: Array<"starting" | "silent" | "pass" | "fail">) {
  let n = 0;
  server = createServer((_req, res) => {
    const step = script[Math.min(n++, script.length - 1)]!;
    if (step === "silent") return; // an event loop busy in WASM: no answer before the timeout
    const status = step === "pass" ? 200 : 503;
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: step }));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n };
}

it("waits through `starting`, and silence after it, until the daemon serves", async () => {
  const h = await healthServer(["starting", "silent", "starting", "pass"]);
  expect(await answers(h.url, 300)).toBe(true);
  expect(h.count()).toBe(4);
});

it("a daemon answering 503 fail is there (its problem to report): no waiting", async () => {
  const h = await healthServer(["fail"]);
  expect(await answers(h.url, 300)).toBe(true);
  expect(h.count()).toBe(1);
});

it("nothing answering is nobody there", async () => {
  const h = await healthServer(["pass"]);
  const url = h.url;
  server!.close();
  server!.closeAllConnections();
  await new Promise((r) => setTimeout(r, 50));
  expect(await answers(url, 300)).toBe(false);
});

it("gives up waiting after startingMs and reports the daemon as there", async () => {
  const h = await healthServer(["starting"]);
  expect(await answers(h.url, 300, 250)).toBe(true);
  expect(h.count()).toBeGreaterThan(1);
});
