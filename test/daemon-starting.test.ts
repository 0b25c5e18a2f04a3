/**
 * A daemon process listens before its database is open: meanwhile GET /health
 * answers 503 `{"status":"starting"}` and the API 503 `unavailable` (with
 * Retry-After), then /health passes and the API serves. A first start on an
 * empty data directory (the database created) gives a wide window to see it.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, expect, it } from "vitest";
import { DAEMON_MAIN, daemonEnv, REPO_ROOT, tempDir } from "./support/daemon.ts";

const dataDir = tempDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

it("answers `starting` until it is ready, then passes", async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", DAEMON_MAIN, "--port", String(port), "--data-dir", dataDir],
    { cwd: REPO_ROOT, env: daemonEnv(), stdio: "ignore" },
  );
  const exited = new Promise((r) => child.once("exit", r));
  try {
    const seen: string[] = [];
    let starting:
      | { health: unknown; api: { status: number; retryAfter: string | null; body: unknown } }
      | undefined;
    const deadline = Date.now() + 120_000;
    for (;;) {
      expect(Date.now()).toBeLessThan(deadline);
      const res = await fetch(`${url}/health`).catch(() => undefined);
      if (!res) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const body = (await res.json()) as { status: string };
      if (seen.at(-1) !== `${res.status} ${body.status}`) seen.push(`${res.status} ${body.status}`);
      if (body.status === "starting" && !starting) {
        const api = await fetch(`${url}/api/v2/setup`);
        starting = {
          health: body,
          api: {
            status: api.status,
            retryAfter: api.headers.get("retry-after"),
            body: await api.json(),
          },
        };
      }
      if (res.status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toEqual(["503 starting", "200 pass"]);
    expect(starting?.health).toMatchObject({ status: "starting", version: expect.any(String) });
    expect(starting?.api).toMatchObject({
      status: 503,
      retryAfter: "1",
      body: { code: "unavailable", message: expect.stringMatching(/starting/) },
    });
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}, 180_000);
