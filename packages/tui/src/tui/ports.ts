/**
 * The TUI's ports: everything its screens need from the outside world, as
 * types only. The org screen reads and drives an OrgEngine (the real one is
 * core's SyncEngine wrapped by engine-adapter.ts); the app boots through
 * TuiServices (the real ones are services.ts); tests supply their own.
 */
import type {
  ActionInput,
  PendingAction,
  Result,
  SyncState,
  SyncView,
  User,
  SortPrefs,
  Validated,
} from "@roster/core";

export type LinkState = "connecting" | "live" | "reconnecting" | "offline" | "revoked";

export interface LinkInfo {
  state: LinkState;
  /** Why, for `revoked` (the daemon's words) or the last connection error. */
  message?: string;
  /** When not live: the last time (ms) the lists shown were known to be the daemon's, if ever. */
  dataAsOf?: number;
}

export interface OrgEngine {
  readonly orgID: string;
  /** The signed-in user (the actor of every action). */
  readonly actorID: string;
  getState(): SyncState;
  /** The rows to draw at `now` (server state with pending actions rebased on it). */
  getView(now: number): SyncView;
  getLink(): LinkInfo;
  /** Called after any change of state or link. */
  subscribe(listener: () => void): () => void;
  /**
   * Check the action with core's local rules, then queue it (optimistic) and
   * send it when the daemon is reachable. A local refusal submits nothing.
   */
  submit(input: ActionInput): Result<PendingAction>;
  /** The same local check, without submitting (to refuse before opening a dialog). */
  validate(input: ActionInput): Result<Validated>;
  /** Forget a refused (or still queued) action. */
  dismiss(actionID: string): void;
  /** The activation link the daemon gave this session for the invitation, if any (never saved). */
  activationURL?(inviteID: string): string | undefined;
}

/** An engine the app owns: closed when the org is left or the app quits. */
export type OwnedEngine = OrgEngine & { close(): Promise<void> };

/** One of the user's organizations, as the org pickers list it. */
export interface OrgChoice {
  id: string;
  name: string;
}

/** Who the token belongs to on a daemon, and their organizations. */
export interface Session {
  url: string;
  token: string;
  user: User;
  orgs: OrgChoice[];
}

export interface TuiServices {
  url: string;
  token: string | undefined;
  /** Org to open: an id or a name (config, ROSTER_ORG or --org). */
  org: string | undefined;
  /** Does a daemon answer at `url` (any HTTP answer)? */
  isReachable(url: string): Promise<boolean>;
  /** Start a local daemon for `url`; undefined when the URL is not ours to start. */
  startDaemon?: (url: string) => Promise<{ logPath: string }>;
  /** Say where the daemon's data and log are (for the boot message). */
  daemonLogPath?: string;
  /** Whether the daemon startDaemon would start has no database yet (its first start is slow). */
  daemonIsNew?: () => boolean;
  /** Remember the token and org (config file). */
  saveConfig(patch: { url: string; token: string; org: string }): Promise<void>;
  /** What we knew about this token at the last successful start (offline start). */
  readSession(url: string, token: string): Promise<Omit<Session, "url" | "token"> | undefined>;
  writeSession(session: Session): Promise<void>;
  /** The sort of each list, as last chosen (defaults when never chosen). */
  loadSort?: () => Promise<SortPrefs>;
  saveSort?: (sort: SortPrefs) => Promise<void>;
  createEngine(opts: {
    url: string;
    token: string;
    orgID: string;
    actorID: string;
  }): Promise<OwnedEngine>;
}

/** How the app ended: the exit code, and a line for the shell. */
export interface AppResult {
  code: number;
  message?: string;
}
