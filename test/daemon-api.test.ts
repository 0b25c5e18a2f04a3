/** The HTTP API contract against the embedded database (PGlite). */
import { startInProcessDaemon } from "./support/daemon.ts";
import { defineApiSuite } from "./support/daemon-api-suite.ts";

defineApiSuite("PGlite", (opts) => startInProcessDaemon(opts));
