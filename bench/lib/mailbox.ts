/**
 * Activation links from the daemon's default mail transport (SPEC §4: one
 * `.eml` file per message under `<data dir>/mail/`), for accepting
 * invitations through the real flow when the create answer carries no
 * `activationURL`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";

export class Mailbox {
  readonly #dir: string;
  readonly #seen = new Set<string>();
  readonly #links = new Map<string, string>();
  readonly #waiting = new Map<string, (link: string) => void>();
  #timer: NodeJS.Timeout | undefined;
  #scanning = false;

  constructor(dataDir: string) {
    this.#dir = join(dataDir, "mail");
  }

  /** The activation link of the (latest) email to `to`. */
  link(to: string, timeoutMs = 30_000): Promise<string> {
    const known = this.#links.get(to);
    if (known) return Promise.resolve(known);
    this.#timer ??= setInterval(() => void this.#scan(), 20);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no email to ${to} in ${this.#dir} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiting.set(to, (link) => {
        clearTimeout(timer);
        resolve(link);
      });
    });
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #scan(): Promise<void> {
    if (this.#scanning || !existsSync(this.#dir)) return;
    this.#scanning = true;
    try {
      for (const name of readdirSync(this.#dir)) {
        if (!name.endsWith(".eml") || this.#seen.has(name)) continue;
        this.#seen.add(name);
        const mail = await simpleParser(readFileSync(join(this.#dir, name)));
        const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address;
        const link = /https?:\/\/\S+\/activate\/[A-Za-z0-9_~.-]+/.exec(mail.text ?? "")?.[0];
        if (!to || !link) continue;
        this.#links.set(to, link);
        this.#waiting.get(to)?.(link);
        this.#waiting.delete(to);
      }
    } finally {
      this.#scanning = false;
    }
  }
}
