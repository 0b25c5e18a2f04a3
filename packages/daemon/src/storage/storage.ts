/**
 * The one small interface the daemon talks to its database through, so the
 * same SQL runs on embedded PGlite and on a PostgreSQL server.
 */

export interface QueryResult<T> {
  rows: T[];
}

export interface Sql {
  query<T = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>>;
}

export interface ListenOptions {
  /**
   * Called after the listening connection was lost and re-established:
   * notifications sent meanwhile are lost, so the listener must catch up.
   */
  onReconnect?: () => void;
}

export interface Storage extends Sql {
  readonly kind: "pglite" | "postgres";
  /**
   * Run `fn` in one transaction (READ COMMITTED). Inside it use only `tx`:
   * PGlite has a single connection and the outer handle would deadlock.
   * Rolled back when `fn` throws.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** LISTEN on `channel`; resolves to an unsubscribe function. */
  listen(
    channel: string,
    fn: (payload: string) => void,
    opts?: ListenOptions,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** PostgreSQL error codes worth retrying a whole transaction for. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(["40001", "40P01"]);

export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
