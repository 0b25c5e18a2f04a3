/** Polling for a condition in end-to-end tests. */

export interface WaitUntilOptions {
  /** Default 20 s. */
  timeoutMs?: number;
  /** A daemon whose output's tail is shown when time runs out. */
  daemon?: { output(): string };
  /** A call of `fn` that throws counts as "not yet". */
  ignoreErrors?: boolean;
}

/**
 * Call `fn` every 100 ms until it returns something truthy, and return that;
 * after `timeoutMs`, fail saying what was awaited.
 */
export async function waitUntil<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  opts: WaitUntilOptions = {},
): Promise<T> {
  const end = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const v = await (opts.ignoreErrors ? fn().catch(() => undefined) : fn());
    if (v) return v;
    if (Date.now() > end) {
      const output = opts.daemon ? `\n${opts.daemon.output().slice(-3000)}` : "";
      throw new Error(`timed out waiting for ${what}${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
