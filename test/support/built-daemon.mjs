/**
 * `node built-daemon.mjs <chunk> <daemon flags…>`: the daemon as
 * packages/daemon/src/main.ts runs it (runDaemonCli with the flags, its
 * result the exit code), from the built bundle's chunk of @roster/daemon
 * (support/roster-bin.ts finds it in dist/meta.json).
 */
import { pathToFileURL } from "node:url";

const [chunk, ...args] = process.argv.slice(2);
const { runDaemonCli } = await import(pathToFileURL(chunk).href);
void runDaemonCli(args).then((code) => {
  process.exitCode = code;
});
