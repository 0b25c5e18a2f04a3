/**
 * The real outside world of the TUI (TuiServices): the daemon probe and
 * launcher, the config file, the session cache and the sync engine with its
 * file-backed offline queue and last known lists.
 */
import { answers, hasDaemonDatabase, startDaemon } from "./daemon-launcher.ts";
import { openOrgEngine } from "./engine-adapter.ts";
import type { OwnedEngine, TuiServices } from "./ports.ts";
import { FileActionStore, queueFilePath } from "./file-action-store.ts";
import { FileSnapshotStore, snapshotFilePath } from "./file-snapshot-store.ts";
import { readSession, writeSession } from "./session-cache.ts";
import { ViewPrefsStore, viewPrefsPath } from "./view-prefs-store.ts";
import { join } from "node:path";

export interface ServiceOptions {
  url: string;
  token: string | undefined;
  org: string | undefined;
  dataDir: string;
  /** Start a daemon when none answers (only for a loopback URL that came from the defaults or the config file). */
  canStartDaemon: boolean;
  saveConfig(patch: { url: string; token: string; org: string }): Promise<void>;
}

export function createServices(opts: ServiceOptions): TuiServices {
  const prefs = new ViewPrefsStore(viewPrefsPath(opts.dataDir));
  const services: TuiServices = {
    url: opts.url,
    token: opts.token,
    org: opts.org,
    // Any HTTP answer means a daemon is there (a 503 is its problem to report, not a reason to start another).
    isReachable: (url) => answers(url),
    daemonLogPath: join(opts.dataDir, "daemon.log"),
    saveConfig: (patch) => opts.saveConfig(patch),
    readSession: async (url, token) => {
      const s = await readSession(opts.dataDir, url, token);
      return s && { user: s.user, orgs: s.orgs };
    },
    writeSession: (s) => writeSession(opts.dataDir, s.url, s.token, { user: s.user, orgs: s.orgs }),
    loadSort: () => prefs.loadSort(),
    saveSort: (sort) => prefs.saveSort(sort),
    createEngine: async ({ url, token, orgID, actorID }): Promise<OwnedEngine> => {
      const store = new FileActionStore(queueFilePath(opts.dataDir, url, orgID));
      const snapshotStore = new FileSnapshotStore(
        snapshotFilePath(opts.dataDir, url, orgID),
        url,
        orgID,
      );
      return openOrgEngine({ url, token, orgID, actorID, store, snapshotStore });
    },
  };
  if (opts.canStartDaemon) {
    services.startDaemon = (url) => startDaemon({ url, dataDir: opts.dataDir });
    services.daemonIsNew = () => !hasDaemonDatabase(opts.dataDir);
  }
  return services;
}
