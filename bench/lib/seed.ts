/**
 * The bench's data directory, built through the real API by a real daemon
 * process: setup, then `members - 1` invitations each accepted with the
 * token of its activation link (the real invite/accept flow, 8 in flight),
 * then `pending` invitations left pending, and the small orgs the other
 * rows use. Built once per daemon source / PGlite version / size and
 * cached under the OS temp directory; every run works on copies.
 */
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, type Targets } from "../targets.ts";
import { Api, pool, tokenOf } from "./api.ts";
import { startDaemon } from "./daemon.ts";
import { Mailbox } from "./mailbox.ts";
import { waitQuiet } from "./proc.ts";

export interface SeedSize {
  /** Members of the big org, owner included. */
  members: number;
  /** Pending invitations in the big org. */
  pending: number;
  /** Empty orgs for the invitation-rate row (45 invitations each). */
  rotationOrgs: number;
}

export interface Seed {
  size: SeedSize;
  token: string;
  ownerEmail: string;
  /** The org of `members` members and `pending` pending invitations. */
  bigOrg: string;
  /** Owner only: the fan-out row's org. */
  fanoutOrg: string;
  /** Owner only: statement capture. */
  captureOrg: string;
  /** Owner only: warm-up writes. */
  warmOrg: string;
  /** Owner only: `roster members list`. */
  startupOrg: string;
  rotationOrgs: string[];
  /** Seconds the seeding took (when this run built it). */
  builtInS?: number;
}

export const OWNER_EMAIL = "owner@bench.example";
/** Invitations per rotation org: under the pending limit of 50. */
export const PER_ORG = 45;

function hashTree(h: ReturnType<typeof createHash>, dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(h, p);
    else h.update(name).update(readFileSync(p));
  }
}

/** Changes when the daemon, core, PGlite, the launch target or the size changes. */
export function seedKey(targets: Targets, size: SeedSize): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(size)).update(targets.label);
  hashTree(h, join(REPO_ROOT, "packages/daemon/src"));
  hashTree(h, join(REPO_ROOT, "packages/core/src"));
  const pglite = join(targets.pgliteFrom, "node_modules/@electric-sql/pglite/package.json");
  if (existsSync(pglite)) h.update(readFileSync(pglite));
  return h.digest("hex").slice(0, 16);
}

/** The cached seed directory (`data/` + `seed.json`), built if missing. */
export async function ensureSeed(
  targets: Targets,
  size: SeedSize,
  opts: { rebuild?: boolean; log?: (s: string) => void } = {},
): Promise<{ dir: string; seed: Seed }> {
  const dir = join(tmpdir(), `roster-bench-seed-${seedKey(targets, size)}`);
  if (opts.rebuild) rmSync(dir, { recursive: true, force: true });
  if (existsSync(join(dir, "seed.json"))) {
    return { dir, seed: JSON.parse(readFileSync(join(dir, "seed.json"), "utf8")) as Seed };
  }
  const building = mkdtempSync(`${dir}.building-`);
  try {
    const seed = await buildSeed(targets, join(building, "data"), size, opts.log);
    writeFileSync(join(building, "seed.json"), JSON.stringify(seed, null, 2));
    rmSync(join(building, "home"), { recursive: true, force: true });
    try {
      renameSync(building, dir);
    } catch {
      // Another run built it meanwhile: use theirs.
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return { dir, seed: JSON.parse(readFileSync(join(dir, "seed.json"), "utf8")) as Seed };
}

/** A fresh copy of the seeded data directory at `to`. */
export function copySeed(seedDir: string, to: string): string {
  cpSync(join(seedDir, "data"), to, { recursive: true });
  return to;
}

async function buildSeed(
  targets: Targets,
  dataDir: string,
  size: SeedSize,
  log: (s: string) => void = () => {},
): Promise<Seed> {
  const t0 = performance.now();
  const d = await startDaemon(targets, dataDir);
  try {
    const anon = new Api(d.url);
    const setup = await anon.setup("Bench", OWNER_EMAIL);
    const api = anon.withToken(setup.token);
    const bigOrg = setup.org.id;
    const mailbox = new Mailbox(dataDir);
    let done = 0;
    await pool(size.members - 1, 8, async (i) => {
      const email = `member-${i}@bench.example`;
      const inv = await api.createInvite(bigOrg, email);
      const link = inv.activationURL ?? (await mailbox.link(email));
      await anon.accept(tokenOf(link), `Member ${i}`);
      if (++done % 100 === 0) log(`  seeded ${done}/${size.members - 1} members`);
    });
    mailbox.close();
    await pool(size.pending, 8, async (i) => {
      await api.createInvite(bigOrg, `pending-${i}@bench.example`);
    });
    const org = async (name: string) => (await api.createOrg(name)).id;
    const seed: Seed = {
      size,
      token: setup.token,
      ownerEmail: OWNER_EMAIL,
      bigOrg,
      fanoutOrg: await org("Fanout"),
      captureOrg: await org("Capture"),
      warmOrg: await org("Warm-up"),
      startupOrg: await org("Start-up"),
      rotationOrgs: [],
    };
    for (let i = 0; i < size.rotationOrgs; i++) seed.rotationOrgs.push(await org(`Rotation ${i}`));
    // Let the mail worker deliver every queued email before the clean stop.
    await waitQuiet(d.pid, { windowMs: 500, busyPct: 3, timeoutMs: 60_000 });
    const members = await api.listMembers(bigOrg);
    const invites = await api.listInvites(bigOrg);
    if (members.members.length !== size.members || invites.pending !== size.pending)
      throw new Error(
        `seeding made ${members.members.length} members and ${invites.pending} pending, not ${size.members} and ${size.pending}`,
      );
    seed.builtInS = (performance.now() - t0) / 1000;
    return seed;
  } finally {
    await d.stop();
  }
}
