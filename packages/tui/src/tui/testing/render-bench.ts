/**
 * TUI rendering with large orgs: how long from a key press (j: move the
 * selection) and from a live change (a member joins) to the next frame, for
 * 100 / 1,000 / 10,000 members. Only visible rows are drawn, so the time
 * should barely grow with the org; what grows is building the view (sort).
 * Baseline: 100 members. Data comes from core's ModelServer (no daemon),
 * frames from Ink itself (unthrottled, written to an in-memory stream).
 */
import { EventEmitter } from "node:events";
import { createElement } from "react";
import { render } from "ink";
import { makeMember } from "@roster/core/testing";
import { OrgScreen } from "../components/org-screen.tsx";
import { ModelEngine } from "./model-engine.ts";

/** One measurement (the shape of bench/row.ts). */
export interface Row {
  name: string;
  value: number;
  unit: string;
  p99ms?: number;
}

class Screen extends EventEmitter {
  columns = 80;
  rows = 24;
  isTTY = false;
  frames = 0;
  last = "";
  write = (s: string) => {
    this.frames++;
    this.last = s;
    this.emit("frame");
    return true;
  };
}

class Keys extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(d: string) {
    this.data = d;
    this.emit("readable");
  }
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

function org(members: number, now: number): ModelEngine {
  const e = new ModelEngine(
    makeMember("usr-owner", "owner@example.com", now - 86_400_000),
    () => now,
  );
  for (let i = 0; i < members - 1; i++) {
    const inv = e.server.run(
      "usr-owner",
      { type: "invite", email: `m${i}@example.com`, role: "owner" },
      now,
    );
    if (!inv.ok || inv.entry.change.type !== "invite.created") throw new Error("invite failed");
    e.server.accept(inv.entry.change.invite.id, now);
  }
  // One snapshot with everyone, as a client gets it on connect.
  e.resync();
  return e;
}

function nextFrame(screen: Screen): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => screen.once("frame", () => resolve(performance.now() - t0)));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;

export async function tuiBench(opts: { sizes: number[]; presses: number }): Promise<Row[]> {
  const rows: Row[] = [];
  const now = Date.UTC(2026, 0, 10, 12);
  for (const n of opts.sizes) {
    const engine = org(n, now);
    const stdout = new Screen();
    const stdin = new Keys();
    const app = render(createElement(OrgScreen, { engine, onQuit: () => undefined, now }), {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      debug: true,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 10_000,
    });
    await new Promise((r) => setTimeout(r, 50));
    const keys: number[] = [];
    for (let i = 0; i < opts.presses; i++) {
      const f = nextFrame(stdout);
      stdin.write(i % 2 === 0 ? "j" : "G");
      keys.push(await f);
      stdin.write("g");
      await nextFrame(stdout);
    }
    const live: number[] = [];
    for (let i = 0; i < Math.min(20, opts.presses); i++) {
      const inv = engine.server.run(
        "usr-owner",
        { type: "invite", email: `late${i}@example.com`, role: "owner" },
        now,
      );
      if (!inv.ok) throw new Error(inv.error.message);
      const f = nextFrame(stdout);
      engine.push(inv.entry);
      live.push(await f);
    }
    app.unmount();
    rows.push({
      name: `key press → frame, ${n} members`,
      value: median(keys),
      unit: "ms",
      p99ms: p99(keys),
    });
    rows.push({
      name: `live change → frame, ${n} members`,
      value: median(live),
      unit: "ms",
      p99ms: p99(live),
    });
  }
  return rows;
}
