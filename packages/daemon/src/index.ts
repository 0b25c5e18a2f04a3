export { startDaemon, DEFAULT_PORT, type DaemonOptions, type RunningDaemon } from "./server.ts";
export { runDaemonCli } from "./main.ts";
export { defaultDataDir, parseDaemonArgs, DAEMON_USAGE } from "./config.ts";
export { ChangeFeed, type ChangeListener } from "./change-feed.ts";
export { RosterService } from "./service/service.ts";
export type { Storage, Sql } from "./storage/storage.ts";
export { DataDirLockedError } from "./storage/data-dir-lock.ts";
