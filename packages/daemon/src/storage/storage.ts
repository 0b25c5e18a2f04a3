/**
 * The one small interface the daemon talks to its database through, so the
 * same SQL runs on embedded PGlite and on a PostgreSQL server.
 */
import type { DomainError } from "@roster/core";

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

/** Where a storage reports what it handles by itself (a pino logger fits). */
export interface StorageLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The database died and is being reopened: answered 503, worth retrying. */
export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

/**
 * The database cannot take this request right now (a full disk, say): the
 * transaction rolled back, nothing changed. Carries the API's error (code
 * `unavailable`, 503) to the HTTP layer's one error mapper; never recorded as
 * an Idempotency-Key's first response.
 */
export class StorageUnavailable extends Error {
  override readonly name: string = "StorageUnavailable";
  constructor(
    readonly error: DomainError,
    cause?: unknown,
  ) {
    super(error.message, { cause });
  }
}

/** PostgreSQL error codes worth retrying a whole transaction for. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(["40001", "40P01"]);

export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** SQLSTATEs that mean "the database is not there right now", not "this request is wrong". */
const UNAVAILABLE_SQLSTATES: ReadonlySet<string> = new Set(["57P01", "57P02", "57P03", "53300"]);
const UNAVAILABLE_ERRNOS: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);
const UNAVAILABLE_MESSAGES = [
  /^PGlite is closed/,
  /Cannot use a pool after calling end/,
  /Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error/,
];

/**
 * Whether an error says the database cannot be reached (closed, server down,
 * connection lost, too many connections): the HTTP layer answers those
 * `503 unavailable` — worth retrying — instead of `500 internal error`.
 */
export function isUnavailableError(e: unknown, depth = 0): boolean {
  if (typeof e !== "object" || e === null || depth > 3) return false;
  if (e instanceof DatabaseUnavailableError) return true;
  const code = sqlState(e);
  if (code && (code.startsWith("08") || UNAVAILABLE_SQLSTATES.has(code))) return true;
  if (code && UNAVAILABLE_ERRNOS.has(code)) return true;
  const message = (e as { message?: unknown }).message;
  if (typeof message === "string" && UNAVAILABLE_MESSAGES.some((re) => re.test(message))) {
    return true;
  }
  // AggregateError (every address refused), or a wrapped cause.
  const nested = [
    ...(Array.isArray((e as { errors?: unknown }).errors)
      ? (e as { errors: unknown[] }).errors
      : []),
    (e as { cause?: unknown }).cause,
  ];
  return nested.some((x) => isUnavailableError(x, depth + 1));
}
