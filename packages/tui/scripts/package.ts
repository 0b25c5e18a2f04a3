/**
 * `pnpm run package`: dist/roster-<version>.tgz, the installable `roster`
 * package (`npm install -g dist/roster-<version>.tgz`).
 *
 * Builds into a staging directory, never into packages/tui/dist (which the
 * checkout's own `roster` runs meanwhile), with a package.json cut down to
 * what an installed package reads: the bundle has no runtime dependencies,
 * so the tarball installs offline.
 *
 *   --out <dir>    where the tarball goes (default: <repo>/dist)
 *   --meta <file>  also write esbuild's metafile (which sources each output holds)
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildRoster, PKG } from "./build.ts";

/** The fields of packages/tui/package.json an installed package needs. */
const KEEP = [
  "name",
  "version",
  "description",
  "license",
  "type",
  "bin",
  "files",
  "engines",
  "exports",
] as const;

export async function packageRoster(opts: { out: string; meta?: string }): Promise<string> {
  const manifest = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8")) as Record<
    string,
    unknown
  >;
  const stage = mkdtempSync(join(tmpdir(), "roster-package-"));
  try {
    const meta = await buildRoster(join(stage, "dist"));
    if (opts.meta !== undefined) writeFileSync(opts.meta, JSON.stringify(meta));
    cpSync(join(PKG, "bin"), join(stage, "bin"), { recursive: true });
    cpSync(join(PKG, "README-cli.md"), join(stage, "README-cli.md"));
    cpSync(join(PKG, "../../README.md"), join(stage, "README.md"));
    const installed = Object.fromEntries(
      KEEP.filter((k) => k in manifest).map((k) => [k, manifest[k]]),
    );
    writeFileSync(join(stage, "package.json"), `${JSON.stringify(installed, null, 2)}\n`);
    mkdirSync(opts.out, { recursive: true });
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--pack-destination", opts.out], {
        cwd: stage,
        // Without the npm_config_* that pnpm sets for its scripts (npm warns about them).
        env: Object.fromEntries(
          Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_config_")),
        ),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      }),
    ) as { filename: string }[];
    const filename = packed[0]?.filename;
    if (filename === undefined) throw new Error("npm pack wrote no tarball");
    return join(opts.out, filename);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(PKG, "scripts/package.ts")) {
  const { values } = parseArgs({
    options: { out: { type: "string" }, meta: { type: "string" } },
  });
  const tarball = await packageRoster({
    out: resolve(values.out ?? join(PKG, "../../dist")),
    ...(values.meta !== undefined ? { meta: resolve(values.meta) } : {}),
  });
  process.stdout.write(`${tarball}\n`);
}
