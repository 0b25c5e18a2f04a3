/** Small React hooks of the TUI: terminal size, a ticking clock, the engine. */
import type { ChangeEntry } from "@roster/core";
import { useInput, useStdout, type Key } from "ink";
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { splitChunk, type KeyPress } from "./input-chunks.ts";
import type { ScreenSize } from "./layout.ts";
import type { LinkInfo, OrgEngine } from "./ports.ts";
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

const NO_ACTIVITY: readonly ChangeEntry[] = [];

/** The engine's change log (a new array whenever it grows), for the Activity list. */
export function useActivity(engine: OrgEngine): readonly ChangeEntry[] {
  return useSyncExternalStore(
    (cb) => engine.subscribe(cb),
    () => engine.getActivity?.() ?? NO_ACTIVITY,
  );
}

/**
 * useInput with a handler that always sees the latest render. Ink registers
 * the handler in an effect, so several keys arriving in one chunk (fast
 * typing, a pasted line, a test) would otherwise all reach the handler of an
 * older render and act on stale state.
 */
export function useStableInput(
  handler: (input: string, key: Key) => void,
  options: { isActive?: boolean } = {},
): (presses: readonly KeyPress[]) => void {
  const ref = useRef(handler);
  ref.current = handler;
  const queue = useRef<KeyPress[]>([]);
  // One key at a time, and the next one only after React has rendered what the
  // previous one did (the handler ref is updated on render): a turn of the event
  // loop is not enough, Ink may render later ("jj" moved one row, "2d" acted on
  // the Members list). `turn` forces that render even when a key changed nothing.
  const waitingForRender = useRef(false);
  const [, setTurn] = useState(0);
  const step = useCallback(() => {
    const next = queue.current.shift();
    if (next === undefined) return;
    ref.current(next.input, next.key);
    if (queue.current.length > 0) {
      waitingForRender.current = true;
      setTurn((n) => n + 1);
    }
  }, []);
  useEffect(() => {
    if (!waitingForRender.current) return;
    waitingForRender.current = false;
    setImmediate(step);
  });
  /** Handle key presses that did not come from the terminal just now (keys typed earlier). */
  const feed = useCallback(
    (presses: readonly KeyPress[]) => {
      const idle = queue.current.length === 0;
      queue.current.push(...presses);
      if (idle) step();
    },
    [step],
  );
  const stable = useCallback((input: string, key: Key) => feed(splitChunk(input, key)), [feed]);
  useInput(stable, options);
  return feed;
}

/**
 * useState whose latest value is also readable at once through a ref: input
 * handlers read the ref, so a key never acts on a value an earlier key has
 * already replaced, even before React has rendered again.
 */
export function useRefState<T>(
  initial: T | (() => T),
): [T, (next: T | ((prev: T) => T)) => void, { readonly current: T }] {
  const [state, setState] = useState(initial);
  const ref = useRef(state);
  const set = useCallback((next: T | ((prev: T) => T)) => {
    const value = typeof next === "function" ? (next as (prev: T) => T)(ref.current) : next;
    ref.current = value;
    setState(value);
  }, []);
  return [state, set, ref];
}
