/**
 * The same HTTP API contract against a PostgreSQL server (the scale-out
 * backend): ROSTER_TEST_DATABASE_URL's server, or a throwaway one.
 */
import { afterAll } from "vitest";
import { startInProcessDaemon } from "./support/daemon.ts";
import { defineApiSuite } from "./support/daemon-api-suite.ts";
import { startTestPostgres, type TestPostgres } from "./support/postgres.ts";

let pg: TestPostgres | undefined;
afterAll(async () => {
  await pg?.stop();
});

defineApiSuite("PostgreSQL server", async (opts) => {
  pg = await startTestPostgres();
  return startInProcessDaemon({ ...opts, databaseUrl: await pg.createDatabase() });
});
