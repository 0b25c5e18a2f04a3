/**
 * Fan-out: a change is serialized and encoded once, and that one buffer is
 * what every session's socket sends — as a text frame, so clients read the
 * same JSON as before.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startInProcessDaemon, type InProcessDaemon, type OrgSetup } from "./support/daemon.ts";
import { record, type Recorder } from "./live-helpers.ts";

let d: InProcessDaemon;
let owner: OrgSetup;

beforeAll(async () => {
  d = await startInProcessDaemon({ mail: false });
  owner = await d.setupOrg();
});
afterAll(async () => {
  await d?.close();
});

it(
  "sends one encoded frame per change to every session, as text",
  { timeout: 60_000 },
  async () => {
    const SESSIONS = 20;
    const sessions: Recorder[] = [];
    const textFrames: boolean[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const s = await record(d.url, owner.orgID, owner.token);
      s.ws.on("message", (_data, isBinary) => textFrames.push(!isBinary));
      s.hello(0);
      await s.next((m) => m.type === "ready");
      sessions.push(s);
    }
    const sent: unknown[] = [];
    // Record what the daemon's sockets send (the test's clients send nothing more).
    const original = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, ...args: Parameters<WebSocket["send"]>) {
      sent.push(args[0]);
      return original.apply(this, args);
    } as WebSocket["send"];
    try {
      const before = textFrames.length;
      const invite = await d.client(owner.token).createInvite(owner.orgID, {
        email: "fanout@example.com",
      });
      await Promise.all(
        sessions.map((s) =>
          s.next((m) => m.type === "change" && m.change.type === "invite.created"),
        ),
      );
      const frames = sent.filter(
        (x) => Buffer.isBuffer(x) && x.toString().includes(invite.id),
      ) as Buffer[];
      expect(frames).toHaveLength(SESSIONS);
      expect(new Set(frames).size).toBe(1); // one buffer, encoded once
      expect(sent.filter((x) => typeof x === "string" && x.includes(invite.id))).toEqual([]);
      expect(textFrames.slice(before).every(Boolean)).toBe(true);
    } finally {
      WebSocket.prototype.send = original;
      for (const s of sessions) s.close();
    }
  },
);
