/**
 * `@roster/daemon/testing`: the daemon's inner parts that the end-to-end
 * tests (test/) drive directly — storage, migrations, the health check, the
 * logger and the mail transports — named here so that nothing outside this
 * package reaches into its src/ by a relative path. Not part of the product.
 */
export { createLogger } from "../src/logger.ts";
export { checkDatabase } from "../src/storage/database-check.ts";
export { createFileTransport } from "../src/mail/file-transport.ts";
export type { MailLogger, OutgoingMail } from "../src/mail/mail-transport.ts";
export { renderInviteEmail } from "../src/mail/render-invite-email.ts";
export { createSmtpTransport, redactSmtpUrl } from "../src/mail/smtp-transport.ts";
export { migrate, MIGRATIONS } from "../src/storage/migrations.ts";
export { openPgStorage } from "../src/storage/pg-storage.ts";
export { openPgliteStorage } from "../src/storage/pglite-storage.ts";
export { defaultTemplateFile, readTemplate } from "../src/storage/pgdata-template.ts";
