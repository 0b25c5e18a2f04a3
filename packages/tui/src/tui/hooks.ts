/** Small React hooks of the TUI: terminal size, a ticking clock, the engine. */
import { useStdout } from "ink";
import { useEffect, useState, useSyncExternalStore } from "react";
import type { ScreenSize } from "./layout.ts";
import type { LinkInfo, OrgEngine } from "./engine-port.ts";
import type { SyncState } from "@roster/core";

function readSize(stdout: NodeJS.WriteStream): ScreenSize {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

/** The terminal's size, updated on every resize. */
export function useTerminalSize(): ScreenSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => readSize(stdout));
  useEffect(() => {
    const onResize = () => setSize(readSize(stdout));
    stdout.on("resize", onResize);
    onResize();
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return size;
}

/** The current time, refreshed every `intervalMs` (for "expires in 71h"). */
export function useNow(intervalMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    t.unref?.();
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export interface EngineSnapshot {
  state: SyncState;
  link: LinkInfo;
}

/** Subscribe to an engine; re-renders on every change of its state or link. */
export function useEngine(engine: OrgEngine): EngineSnapshot {
  const state = useSyncExternalStore(
    (cb) => engine.subscribe(cb),
    () => engine.getState(),
  );
  const link = useSyncExternalStore(
    (cb) => engine.subscribe(cb),
    () => engine.getLink(),
  );
  return { state, link };
}
