/**
 * The whole TUI: find (or start) the daemon, run first-time setup, pick an
 * org, then show the org screen. Every outside effect comes in through
 * `TuiServices`, so tests drive the same component against a real daemon.
 */
import { parseEmail, type User } from "@roster/core";
import { RosterApiError, RosterClient, RosterUnreachableError } from "@roster/core/client";
import { Box, Text, useApp, type Key } from "ink";
import { useCallback, useEffect, useRef } from "react";
import type { OrgEngine } from "../engine-port.ts";
import { useRefState, useStableInput, useTerminalSize } from "../hooks.ts";
import type { KeyPress } from "../input-chunks.ts";
import { footerText, resolveKey, type KeyContext } from "../keymap.ts";
import { drawableLines } from "../layout.ts";
import { useTheme } from "../theme.ts";
import { OrgScreen } from "./org-screen.tsx";
import { OrgSwitcher, type OrgChoice } from "./org-switcher.tsx";
import {
  emptySetupForm,
  SETUP_FIELDS,
  SetupForm,
  setupFieldError,
  type SetupFormState,
} from "./setup-form.tsx";
import { editField } from "./text-field.tsx";

export interface Session {
  url: string;
  token: string;
  user: User;
  orgs: OrgChoice[];
}

/** An engine the app owns: closed when the org is left or the app quits. */
export type OwnedEngine = OrgEngine & { close(): Promise<void> };

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
  createEngine(opts: {
    url: string;
    token: string;
    orgID: string;
    actorID: string;
  }): Promise<OwnedEngine>;
}

export interface AppResult {
  code: number;
  message?: string;
}

type Phase =
  | { type: "boot"; text: string }
  | { type: "setup"; form: SetupFormState }
  | {
      type: "pick";
      session: Session;
      cursor: number;
      offline: boolean;
      /** The org asked for (--org, ROSTER_ORG, config) when it is not one of the user's. */
      notFound?: string;
    }
  | { type: "org"; session: Session; engine: OwnedEngine; orgName: string }
  | { type: "fatal"; text: string; code: number };

function findOrg(orgs: readonly OrgChoice[], key: string | undefined): OrgChoice | undefined {
  if (key === undefined || key.trim() === "") return undefined;
  return (
    orgs.find((o) => o.id === key) ??
    orgs.find((o) => o.name.toLowerCase() === key.trim().toLowerCase())
  );
}

/** One line (it fits 80 columns) left in the shell when Roster quits with actions not yet sent. */
export function unsentNote(unsent: number, orgName: string): string {
  const what =
    unsent === 1 ? "1 action not sent yet. It is" : `${unsent} actions not sent yet. They are`;
  return `Roster: ${what} sent when you open ${orgName} again.`;
}

function errorText(e: unknown): string {
  if (e instanceof RosterApiError || e instanceof RosterUnreachableError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** Keys kept while booting, at most (a paste into a starting TUI is not kept whole). */
const MAX_TYPED_AHEAD = 256;

export interface AppProps {
  services: TuiServices;
  /** Called once, when the app is done; the caller unmounts and exits with `code`. */
  onDone: (result: AppResult) => void;
}

export function App({ services, onDone }: AppProps) {
  const theme = useTheme();
  const size = useTerminalSize();
  const { exit } = useApp();
  const [phase, setPhase, phaseRef] = useRefState<Phase>({
    type: "boot",
    text: `Connecting to the Roster daemon at ${services.url}…`,
  });
  const engineRef = useRef<OwnedEngine | null>(null);
  const doneRef = useRef(false);
  /** Keys typed while booting, for the org screen once it is up. */
  const typedAhead = useRef<KeyPress[]>([]);
  /** The org screen's key feed, once it listens itself (see OrgScreen's attachInput). */
  const orgFeed = useRef<((presses: readonly KeyPress[]) => void) | null>(null);
  const attachInput = useCallback((feed: ((presses: readonly KeyPress[]) => void) | null) => {
    orgFeed.current = feed;
    const keys = typedAhead.current;
    typedAhead.current = [];
    return keys;
  }, []);

  const finish = useCallback(
    (result: AppResult) => {
      if (doneRef.current) return;
      doneRef.current = true;
      const engine = engineRef.current;
      engineRef.current = null;
      void (engine ? engine.close() : Promise.resolve())
        .catch(() => undefined)
        .then(() => {
          onDone(result);
          exit();
        });
    },
    [exit, onDone],
  );

  const openOrg = useCallback(
    async (session: Session, org: OrgChoice, remember: boolean) => {
      const previous = engineRef.current;
      engineRef.current = null;
      if (previous) await previous.close().catch(() => undefined);
      setPhase({ type: "boot", text: `Opening ${org.name}…` });
      if (remember) {
        await services
          .saveConfig({ url: session.url, token: session.token, org: org.id })
          .catch(() => undefined);
      }
      const engine = await services.createEngine({
        url: session.url,
        token: session.token,
        orgID: org.id,
        actorID: session.user.id,
      });
      if (doneRef.current) {
        await engine.close();
        return;
      }
      engineRef.current = engine;
      setPhase({ type: "org", session, engine, orgName: org.name });
    },
    [services, setPhase],
  );

  const openSession = useCallback(
    async (session: Session, offline: boolean) => {
      const wanted = services.org?.trim() ? services.org.trim() : undefined;
      // An org asked for by name that is not the user's is never swapped for another in silence.
      const chosen =
        findOrg(session.orgs, wanted) ??
        (wanted === undefined && session.orgs.length === 1 ? session.orgs[0] : undefined);
      if (chosen) {
        await openOrg(session, chosen, false);
        return;
      }
      if (session.orgs.length === 0) {
        setPhase({
          type: "fatal",
          code: 1,
          text: `You (${session.user.email}) are not a member of any organization on ${session.url}.`,
        });
        return;
      }
      setPhase(
        wanted === undefined
          ? { type: "pick", session, cursor: 0, offline }
          : { type: "pick", session, cursor: 0, offline, notFound: wanted },
      );
    },
    [openOrg, services.org, setPhase],
  );

  // ---------------------------------------------------------------- boot
  useEffect(() => {
    let cancelled = false;
    const boot = async () => {
      const { url, token } = services;
      let up = await services.isReachable(url);
      let startError: string | undefined;
      if (!up && services.startDaemon) {
        setPhase({
          type: "boot",
          text:
            `No daemon answers at ${url}: starting one in the background…` +
            (services.daemonIsNew?.()
              ? "\nIts first start creates its database, which takes a few seconds."
              : "") +
            (services.daemonLogPath ? `\nIts log: ${services.daemonLogPath}` : ""),
        });
        try {
          await services.startDaemon(url);
          up = true;
        } catch (e) {
          startError = errorText(e);
        }
      }
      if (cancelled) return;
      if (!up) {
        if (token) {
          const cached = await services.readSession(url, token);
          if (cached) {
            await openSession({ ...cached, url, token }, true);
            return;
          }
        }
        setPhase({
          type: "fatal",
          code: 3,
          text:
            `Cannot reach the Roster daemon at ${url}.` +
            (startError
              ? `\nStarting one failed: ${startError}`
              : "\nStart one with `pnpm roster daemon`, or point ROSTER_URL at a running daemon."),
        });
        return;
      }
      const client = new RosterClient({ url });
      const status = await client.setupStatus();
      if (cancelled) return;
      if (status.allowed) {
        setPhase({ type: "setup", form: emptySetupForm() });
        return;
      }
      if (!token) {
        setPhase({
          type: "fatal",
          code: 1,
          text:
            `The daemon at ${url} is already set up, and this computer has no API token for it.\n` +
            "Accept your invitation with `pnpm roster accept <link>`, or set ROSTER_TOKEN.",
        });
        return;
      }
      const authed = client.withToken(token);
      let user: User;
      let orgs: OrgChoice[];
      try {
        user = await authed.me();
        orgs = (await authed.listOrgs()).orgs.map((o) => ({ id: o.id, name: o.name }));
      } catch (e) {
        if (e instanceof RosterApiError && e.status === 401) {
          setPhase({
            type: "fatal",
            code: 1,
            text: `The daemon at ${url} does not accept this computer's API token.\nSign in again with \`pnpm roster accept <link>\` or set ROSTER_TOKEN.`,
          });
          return;
        }
        throw e;
      }
      const session: Session = { url, token, user, orgs };
      await services.writeSession(session).catch(() => undefined);
      if (cancelled) return;
      await openSession(session, false);
    };
    boot().catch((e: unknown) => {
      if (!cancelled)
        setPhase({
          type: "fatal",
          code: e instanceof RosterUnreachableError ? 3 : 1,
          text: errorText(e),
        });
    });
    return () => {
      cancelled = true;
    };
    // Boot once per mount.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(
    () => () => {
      const engine = engineRef.current;
      engineRef.current = null;
      if (engine) void engine.close().catch(() => undefined);
    },
    [],
  );

  // --------------------------------------------------------------- setup
  const submitSetup = (form: SetupFormState) => {
    const org = form.org.trim();
    const email = parseEmail(form.email);
    for (const field of [0, 1] as const) {
      const error = setupFieldError(form, field);
      if (error !== undefined) {
        const cursor = form[SETUP_FIELDS[field].key].length;
        setPhase({ type: "setup", form: { ...form, field, cursor, error } });
        return;
      }
    }
    if (!email.ok) return;
    setPhase({ type: "setup", form: { ...form, busy: true, error: undefined } });
    const client = new RosterClient({ url: services.url });
    const name = form.name.trim();
    client
      .setup(name === "" ? { org, email: email.value } : { org, email: email.value, name })
      .then(async (res) => {
        const session: Session = {
          url: services.url,
          token: res.token,
          user: res.user,
          orgs: [{ id: res.org.id, name: res.org.name }],
        };
        await services.writeSession(session).catch(() => undefined);
        await openOrg(session, { id: res.org.id, name: res.org.name }, true);
      })
      .catch((e: unknown) =>
        setPhase({ type: "setup", form: { ...form, busy: false, error: errorText(e) } }),
      );
  };

  // --------------------------------------------------------------- input
  const contextOf = (p: Phase): KeyContext | null =>
    p.type === "setup"
      ? "form"
      : p.type === "pick"
        ? "switcher"
        : p.type === "org"
          ? null
          : "message";
  const context = contextOf(phase);

  useStableInput(
    (input: string, key: Key) => {
      const phase = phaseRef.current;
      const context = contextOf(phase);
      if (context === null) {
        // The org screen is (being) shown: a key that reached the app is one the screen
        // was not listening for yet. Pass it on, or keep it until the screen takes it.
        const feed = orgFeed.current;
        if (feed) feed([{ input, key }]);
        else if (typedAhead.current.length < MAX_TYPED_AHEAD)
          typedAhead.current.push({ input, key });
        return;
      }
      if (phase.type === "boot") {
        // Keys typed while connecting are for the org screen: keep them for it. Ctrl-C
        // still quits, and so does the first key when it is a quit key.
        const cmd = resolveKey("message", input, key);
        const quits = cmd === "forceQuit" || (cmd === "close" && typedAhead.current.length === 0);
        if (!quits) {
          if (typedAhead.current.length < MAX_TYPED_AHEAD) typedAhead.current.push({ input, key });
          return;
        }
      } else {
        // Any other screen (setup, org picker, an error) is not what they were typed for.
        typedAhead.current = [];
      }
      if (phase.type === "setup" && !phase.form.busy) {
        const f = phase.form;
        const field = SETUP_FIELDS[f.field].key;
        const next = editField({ value: f[field], cursor: f.cursor }, input, key);
        if (next.value !== f[field] || next.cursor !== f.cursor) {
          setPhase({
            ...phase,
            form: { ...f, [field]: next.value, cursor: next.cursor, error: undefined },
          });
          return;
        }
      }
      const cmd = resolveKey(context, input, key);
      if (cmd === undefined) return;
      if (cmd === "forceQuit" || cmd === "close") {
        finish(phase.type === "fatal" ? { code: phase.code, message: phase.text } : { code: 0 });
        return;
      }
      if (phase.type === "setup") {
        const f = phase.form;
        if (f.busy) return;
        const last = SETUP_FIELDS.length - 1;
        if (cmd === "cancel") finish({ code: 0, message: "Setup cancelled: nothing was created." });
        // Moving to another field takes the error with it: it was about the field left.
        const focus = (field: number) => {
          const i = ((field % 3) + 3) % 3;
          setPhase({
            ...phase,
            form: {
              ...f,
              field: i as 0 | 1 | 2,
              cursor: f[SETUP_FIELDS[i]!.key].length,
              error: undefined,
            },
          });
        };
        if (cmd === "nextField") focus(f.field + 1);
        else if (cmd === "prevField") focus(f.field - 1);
        else if (cmd === "submit") {
          // Enter checks the field it is on, and stays there with the message when it is wrong.
          const error = setupFieldError(f, f.field);
          if (error !== undefined) setPhase({ ...phase, form: { ...f, error } });
          else if (f.field < last) focus(f.field + 1);
          else submitSetup(f);
        }
        return;
      }
      if (phase.type === "pick") {
        const n = phase.session.orgs.length;
        if (cmd === "down") setPhase({ ...phase, cursor: Math.min(n - 1, phase.cursor + 1) });
        else if (cmd === "up") setPhase({ ...phase, cursor: Math.max(0, phase.cursor - 1) });
        else if (cmd === "cancel") finish({ code: 0 });
        else if (cmd === "choose") {
          const org = phase.session.orgs[phase.cursor];
          if (org)
            void openOrg(phase.session, org, true).catch((e: unknown) =>
              setPhase({ type: "fatal", code: 1, text: errorText(e) }),
            );
        }
        return;
      }
    },
    { isActive: context !== null },
  );

  // -------------------------------------------------------------- render
  const lines = drawableLines(size);
  if (phase.type === "org") {
    const session = phase.session;
    return (
      <OrgScreen
        key={phase.engine.orgID}
        engine={phase.engine}
        attachInput={attachInput}
        orgName={phase.orgName}
        loadOrgs={async () => {
          try {
            const client = new RosterClient({ url: session.url, token: session.token });
            return (await client.listOrgs()).orgs.map((o) => ({ id: o.id, name: o.name }));
          } catch (e) {
            if (e instanceof RosterUnreachableError) return session.orgs;
            throw e;
          }
        }}
        onOpenOrg={(orgID) => {
          const known = session.orgs.find((o) => o.id === orgID);
          void (async () => {
            const org = known ?? { id: orgID, name: orgID };
            await openOrg(session, org, true);
          })().catch((e: unknown) => setPhase({ type: "fatal", code: 1, text: errorText(e) }));
        }}
        onQuit={() => {
          // Quitting with actions still queued: leave a note in the shell (the dialog asked on q).
          const view = phase.engine.getView(Date.now());
          const org = view.org?.name ?? phase.orgName;
          // (Not once access is revoked: those actions can never go out.)
          const queued = phase.engine.getLink().state === "revoked" ? 0 : view.unsent;
          finish(queued > 0 ? { code: 0, message: unsentNote(queued, org) } : { code: 0 });
        }}
      />
    );
  }

  let body: React.ReactNode;
  if (phase.type === "boot") body = <Text>{phase.text}</Text>;
  else if (phase.type === "setup")
    body = <SetupForm form={phase.form} url={services.url} width={size.columns} />;
  else if (phase.type === "pick")
    body = (
      <Box flexDirection="column">
        {phase.notFound !== undefined ? (
          <Text color={theme.error} wrap="wrap">
            {`✗ You are not a member of an organization "${phase.notFound}". Pick one of yours:`}
          </Text>
        ) : null}
        <Text wrap="wrap">
          {phase.session.user.email} belongs to {phase.session.orgs.length} organization
          {phase.session.orgs.length === 1 ? "" : "s"}
          {phase.offline ? " (offline: the daemon is not reachable)" : ""}.
        </Text>
        <OrgSwitcher
          orgs={phase.session.orgs}
          cursor={phase.cursor}
          currentID={undefined}
          width={size.columns}
          height={lines - 4 - (phase.notFound === undefined ? 0 : 2)}
        />
      </Box>
    );
  else
    body = (
      <Box flexDirection="column">
        <Text color={theme.error} wrap="wrap">
          ✗ {phase.text}
        </Text>
      </Box>
    );

  return (
    <Box flexDirection="column" width={size.columns} height={lines}>
      <Text bold>Roster</Text>
      <Box flexGrow={1} flexDirection="column" justifyContent="center" alignItems="center">
        {body}
      </Box>
      <Text dimColor wrap="truncate-end">
        {context === null ? "" : footerText(context, size.columns)}
      </Text>
    </Box>
  );
}
