/**
 * The two mail transports against real things: the file transport writes a
 * real RFC 5322 message that mailparser reads back, and the SMTP transport
 * talks to a real SMTP server (smtp://, smtps:// with AUTH, down, refusing).
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFileTransport,
  createSmtpTransport,
  redactSmtpUrl,
  renderInviteEmail,
  type MailLogger,
  type OutgoingMail,
} from "@roster/daemon/testing";
import { createSmtpSink, freePort } from "./support/smtp-sink.ts";

const link = "http://127.0.0.1:9999/activate/tok_ABC-123";
function mail(to = "bob@example.com"): OutgoingMail {
  const r = renderInviteEmail({
    orgName: "Acme & Sons",
    inviterName: "Alice",
    inviterEmail: "alice@example.com",
    toEmail: to,
    link,
    expiresAt: new Date(Date.now() + 72 * 3_600_000).toISOString(),
    now: Date.now(),
  });
  return {
    from: "Roster <roster@localhost>",
    to,
    replyTo: "Alice <alice@example.com>",
    ...r,
    messageId: "<invite.inv_1.1@127.0.0.1>",
    link,
    outboxID: "42",
    inviteID: "inv_1",
  };
}

function memoryLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const log =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger: MailLogger = {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  };
  return { logger, lines };
}

describe("file transport", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "roster-mail-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one parseable .eml per message, 0600, and logs the link", async () => {
    const { logger, lines } = memoryLogger();
    const t = createFileTransport({ dir: join(dir, "mail"), logger });
    const r1 = await t.send(mail());
    const r2 = await t.send(mail("carol@example.com"));
    await t.close();

    const files = (await readdir(join(dir, "mail"))).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith(".eml"))).toBe(true);
    expect([r1.destination, r2.destination].sort()).toEqual(files.map((f) => join(dir, "mail", f)));
    expect((await stat(r1.destination)).mode & 0o777).toBe(0o600);

    const raw = await readFile(r1.destination);
    expect(raw.toString("latin1")).toMatch(/\r\n\r\n/); // RFC 5322 line endings
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe("Alice invited you to join Acme & Sons on Roster");
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined).toBe(
      "bob@example.com",
    );
    expect(parsed.from?.value[0]?.address).toBe("roster@localhost");
    expect(parsed.replyTo?.value[0]?.address).toBe("alice@example.com");
    expect(parsed.messageId).toBe("<invite.inv_1.1@127.0.0.1>");
    expect(r1.messageId).toBe("<invite.inv_1.1@127.0.0.1>");
    expect(parsed.date).toBeInstanceOf(Date);
    expect(parsed.text).toContain(link);
    expect(parsed.html).toContain(`href="${link}"`);
    expect(parsed.html).toContain("Acme &amp; Sons");

    const info = lines.filter((l) => l.level === "info");
    expect(info).toHaveLength(2);
    expect(info[0]?.msg).toContain(link);
    expect(info[0]?.obj).toMatchObject({ link, to: "bob@example.com", file: r1.destination });
  });

  it("fails with the file system error when the mail directory cannot be created", async () => {
    const { logger } = memoryLogger();
    const blocker = join(dir, "not-a-dir");
    await import("node:fs/promises").then((fs) => fs.writeFile(blocker, "x"));
    const t = createFileTransport({ dir: join(blocker, "mail"), logger });
    await expect(t.send(mail())).rejects.toThrow(/ENOTDIR|EEXIST/);
  });
});

describe("SMTP transport", () => {
  it("delivers over smtp:// to a real SMTP server", async () => {
    const sink = await createSmtpSink();
    await sink.start();
    try {
      const t = createSmtpTransport({ url: sink.url });
      const r = await t.send(mail());
      await t.close();
      const [m] = await sink.waitForMessages(1);
      expect(m?.to).toEqual(["bob@example.com"]);
      expect(m?.from).toBe("roster@localhost");
      expect(m?.link).toBe(link);
      expect(m?.parsed.subject).toBe("Alice invited you to join Acme & Sons on Roster");
      expect(m?.parsed.messageId).toBe("<invite.inv_1.1@127.0.0.1>");
      expect(r.messageId).toBe("<invite.inv_1.1@127.0.0.1>");
      expect(r.destination).toBe(`smtp://127.0.0.1:${sink.port}`);
    } finally {
      await sink.stop();
    }
  });

  it("delivers over smtps:// with AUTH from the URL, and the destination hides the password", async () => {
    const sink = await createSmtpSink({
      secure: true,
      auth: { user: "roster", pass: "s3cr3t/pw" },
    });
    await sink.start();
    try {
      const t = createSmtpTransport({ url: sink.url });
      const r = await t.send(mail());
      await t.close();
      await sink.waitForMessages(1);
      expect(r.destination).toBe(`smtps://127.0.0.1:${sink.port}`);
      expect(redactSmtpUrl(sink.url)).not.toContain("s3cr3t");
    } finally {
      await sink.stop();
    }
  });

  it("rejects wrong credentials with the server's answer", async () => {
    const sink = await createSmtpSink({ secure: true, auth: { user: "roster", pass: "right" } });
    await sink.start();
    try {
      const url = sink.url.replace("roster:right@", "roster:wrong@");
      const t = createSmtpTransport({ url });
      await expect(t.send(mail())).rejects.toThrow(/Invalid username or password|535/);
      await t.close();
      expect(sink.messages).toHaveLength(0);
    } finally {
      await sink.stop();
    }
  });

  it("fails fast with ECONNREFUSED when the server is down", async () => {
    const port = await freePort();
    const t = createSmtpTransport({ url: `smtp://127.0.0.1:${port}` });
    const started = Date.now();
    await expect(t.send(mail())).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await t.close();
  });

  it("surfaces a refused message", async () => {
    const sink = await createSmtpSink({
      onMessage: () => {
        throw Object.assign(new Error("mailbox full"), { responseCode: 452 });
      },
    });
    await sink.start();
    try {
      const t = createSmtpTransport({ url: sink.url });
      await expect(t.send(mail())).rejects.toThrow(/mailbox full/);
      await t.close();
    } finally {
      await sink.stop();
    }
  });

  it("refuses a URL that is not smtp:// or smtps://", () => {
    expect(() => createSmtpTransport({ url: "http://example.com" })).toThrow(
      /smtp:\/\/ or smtps:\/\//,
    );
    expect(() => createSmtpTransport({ url: "not a url" })).toThrow(/not a URL/);
  });
});
