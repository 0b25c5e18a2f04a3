/**
 * The whole TUI: find (or start) the daemon, run first-time setup, pick an
 * org, then show the org screen. Every outside effect comes in through
 * `TuiServices` (../ports.ts), so tests drive the same component against a
 * real daemon; what a key does before the org screen is ../app-phase.ts.
 */
import { type User } from "@roster/core";
import { RosterApiError, RosterClient, RosterUnreachableError } from "@roster/core/client";
import { Box, Text, useApp, type Key } from "ink";
import { useCallback, useEffect, useRef } from "react";
import {
  appKeyStep,
  connectingPhase,
  errorText,
  failedPhase,
  noTokenPhase,
  phaseContext,
  sessionStart,
  setupPhase,
  startingDaemonPhase,
  tokenRefusedPhase,
  unreachablePhase,
  type AppEffect,
  type Phase,
} from "../app-phase.ts";
import { useRefState, useStableInput, useTerminalSize } from "../hooks.ts";
import type { KeyPress } from "../input-chunks.ts";
import { footerText } from "../keymap.ts";
import { drawableLines } from "../layout.ts";
import { unsentNote } from "../messages.ts";
import type { AppResult, OrgChoice, OwnedEngine, Session, TuiServices } from "../ports.ts";
import { useTheme } from "../theme.ts";
import { OrgPicker } from "./org-picker.tsx";
import { OrgScreen } from "./org-screen.tsx";
import { SetupForm } from "./setup-form.tsx";

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
  const [phase, setPhase, phaseRef] = useRefState<Phase>(() => connectingPhase(services.url));
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
  const keep = (press: KeyPress) => {
    if (typedAhead.current.length < MAX_TYPED_AHEAD) typedAhead.current.push(press);
  };

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
      const sort = await services.loadSort?.().catch(() => undefined);
      setPhase({ type: "org", session, engine, orgName: org.name, ...(sort ? { sort } : {}) });
    },
    [services, setPhase],
  );
  /** Open an org the user chose; a failure ends the app with its message. */
  const chooseOrg = (session: Session, org: OrgChoice) =>
    void openOrg(session, org, true).catch((e: unknown) =>
      setPhase({ type: "fatal", code: 1, text: errorText(e) }),
    );

  const openSession = useCallback(
    async (session: Session, offline: boolean) => {
      const start = sessionStart(session, services.org, offline);
      if ("open" in start) await openOrg(session, start.open, false);
      else setPhase(start.phase);
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
        setPhase(
          startingDaemonPhase(url, services.daemonIsNew?.() ?? false, services.daemonLogPath),
        );
        try {
          await services.startDaemon(url);
          up = true;
        } catch (e) {
          startError = errorText(e);
        }
      }
      if (cancelled) return;
      if (!up) {
        const cached = token ? await services.readSession(url, token) : undefined;
        if (cached && token) await openSession({ ...cached, url, token }, true);
        else setPhase(unreachablePhase(url, startError));
        return;
      }
      const client = new RosterClient({ url });
      const status = await client.setupStatus();
      if (cancelled) return;
      if (status.allowed) return setPhase(setupPhase());
      if (!token) return setPhase(noTokenPhase(url));
      const authed = client.withToken(token);
      let user: User;
      let orgs: OrgChoice[];
      try {
        user = await authed.me();
        orgs = (await authed.listOrgs()).orgs.map((o) => ({ id: o.id, name: o.name }));
      } catch (e) {
        if (e instanceof RosterApiError && e.status === 401)
          return setPhase(tokenRefusedPhase(url));
        throw e;
      }
      const session: Session = { url, token, user, orgs };
      await services.writeSession(session).catch(() => undefined);
      if (cancelled) return;
      await openSession(session, false);
    };
    boot().catch((e: unknown) => {
      if (!cancelled) setPhase(failedPhase(e));
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

  // ------------------------------------------------------------- effects
  const runSetup = ({ form, request }: Extract<AppEffect, { type: "setup" }>) => {
    new RosterClient({ url: services.url })
      .setup(request)
      .then(async (res) => {
        const org = { id: res.org.id, name: res.org.name };
        const session: Session = {
          url: services.url,
          token: res.token,
          user: res.user,
          orgs: [org],
        };
        await services.writeSession(session).catch(() => undefined);
        await openOrg(session, org, true);
      })
      .catch((e: unknown) =>
        setPhase({ type: "setup", form: { ...form, busy: false, error: errorText(e) } }),
      );
  };

  const carryOut = (effect: AppEffect | undefined, press: KeyPress) => {
    switch (effect?.type) {
      case "keep":
        return keep(press);
      case "finish":
        return finish(effect.result);
      case "setup":
        return runSetup(effect);
      case "openOrg":
        return chooseOrg(effect.session, effect.org);
    }
  };

  // --------------------------------------------------------------- input
  const context = phaseContext(phase);

  useStableInput(
    (input: string, key: Key) => {
      const phase = phaseRef.current;
      if (phaseContext(phase) === null) {
        // The org screen is (being) shown: a key that reached the app is one the screen
        // was not listening for yet. Pass it on, or keep it until the screen takes it.
        const feed = orgFeed.current;
        if (feed) feed([{ input, key }]);
        else keep({ input, key });
        return;
      }
      // Keys typed on another screen (setup, org picker, an error) are not what they were typed for.
      if (phase.type !== "boot") typedAhead.current = [];
      const step = appKeyStep(phase, input, key, typedAhead.current.length);
      if (step.phase !== phase) setPhase(step.phase);
      carryOut(step.effect, { input, key });
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
        {...(phase.sort ? { sort: phase.sort } : {})}
        onSortChange={(sort) => {
          if (phaseRef.current.type === "org") setPhase({ ...phaseRef.current, sort });
          void services.saveSort?.(sort).catch(() => undefined);
        }}
        loadOrgs={async () => {
          try {
            const client = new RosterClient({ url: session.url, token: session.token });
            return (await client.listOrgs()).orgs.map((o) => ({ id: o.id, name: o.name }));
          } catch (e) {
            if (e instanceof RosterUnreachableError) return session.orgs;
            throw e;
          }
        }}
        onOpenOrg={(orgID) =>
          chooseOrg(session, session.orgs.find((o) => o.id === orgID) ?? { id: orgID, name: orgID })
        }
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
      <OrgPicker
        session={phase.session}
        offline={phase.offline}
        notFound={phase.notFound}
        cursor={phase.cursor}
        width={size.columns}
        height={lines}
      />
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
