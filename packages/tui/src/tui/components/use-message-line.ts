/**
 * The org screen's message line: what it says, how long it says it, and the
 * daemon's refusals, each announced once.
 */
import type { PendingAction, SyncState } from "@roster/core";
import { useEffect, useRef, useState } from "react";
import type { Message } from "../messages.ts";
import { describeActionIn } from "../screen-model.ts";

/**
 * The message shown. Successes and notes expire after `ttlMs`; errors stay
 * until dismissed (Esc, c) or replaced. Once gone, a message never comes back.
 */
export function useMessageLine(ttlMs: number) {
  const [message, setMessage] = useState<Message | null>(null);
  useEffect(() => {
    if (message === null || message.kind === "error") return;
    const t = setTimeout(() => setMessage((m) => (m === message ? null : m)), ttlMs);
    return () => clearTimeout(t);
  }, [message, ttlMs]);
  return [message, setMessage] as const;
}

/**
 * A refusal from the daemon (also of an offline replay) is announced once,
 * and stays as a row. Waits for the lists (`loaded`), so that the words can
 * name the invitation or member.
 */
export function useRefusalAnnouncements(
  failed: readonly PendingAction[],
  loaded: boolean,
  state: SyncState,
  setMessage: (message: Message) => void,
): void {
  const announced = useRef(new Set<string>());
  useEffect(() => {
    if (!loaded) return;
    for (const a of failed) {
      if (announced.current.has(a.id)) continue;
      announced.current.add(a.id);
      setMessage({
        kind: "error",
        text: `✗ The daemon refused to ${describeActionIn(a, state)}: ${a.error?.message ?? "unknown error"}`,
      });
    }
  }, [failed, loaded, state, setMessage]);
}
