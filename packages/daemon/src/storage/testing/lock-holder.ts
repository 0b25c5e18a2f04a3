/**
 * A process that takes a data-directory lock, for the lock's tests:
 * `lock-holder.ts <dataDir> [<json to record>]`. Prints "ready", takes the
 * lock when it reads "go" on stdin, prints `held <LockInfo>` or
 * `refused <message>`, and releases the lock when stdin ends.
 */
import { createInterface } from "node:readline";
import { acquireDataDirLock, type DataDirLock } from "../data-dir-lock.ts";

const [dataDir, record] = process.argv.slice(2) as [string, string | undefined];
let lock: DataDirLock | undefined;
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line !== "go") return;
  acquireDataDirLock(dataDir).then(
    (held) => {
      lock = held;
      if (record) held.update(JSON.parse(record) as { url?: string });
      process.stdout.write(`held ${JSON.stringify(held.info)}\n`);
    },
    (e: unknown) => {
      process.stdout.write(`refused ${(e as Error).message}\n`);
    },
  );
});
lines.on("close", () => {
  void (lock?.release() ?? Promise.resolve()).then(() => process.exit(0));
});
process.stdout.write("ready\n");
