/**
 * For the storage's crash tests: `crash-writer.ts <dataDir> <rows>` opens the
 * embedded database, commits `rows` rows one transaction each, prints
 * `committed`, then waits to be killed.
 */
import { openPgliteStorage } from "../pglite-storage.ts";

const [dataDir, rows] = process.argv.slice(2) as [string, string];
const storage = await openPgliteStorage({ dataDir });
await storage.query("create table if not exists crash_rows (n int primary key)");
for (let n = 0; n < Number(rows); n++) {
  await storage.transaction(async (tx) => {
    await tx.query("insert into crash_rows values ($1)", [n]);
  });
}
process.stdout.write("committed\n");
setInterval(() => undefined, 60_000);
