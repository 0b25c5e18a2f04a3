/**
 * The licence notices of every third-party package a bundle holds, for
 * dist/THIRD-PARTY-LICENSES.txt: bundling copies their code, so their
 * notices travel with it.
 */
import type { Metafile } from "esbuild";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** `…/node_modules/@scope/name/lib/x.js` → `…/node_modules/@scope/name`. */
export function packageDirOf(input: string): string | undefined {
  // A plugin's virtual module ("namespace:path") has no package of its own.
  if (/^[\w-]+:/.test(input)) return undefined;
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m?.[1];
}

function licenceText(dir: string): string | undefined {
  const name = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|-|$)/i.test(f));
  return name === undefined ? undefined : readFileSync(join(dir, name), "utf8").trim();
}

export function thirdPartyLicenses(meta: Metafile, workingDir: string): string {
  const dirs = new Set<string>();
  for (const out of Object.values(meta.outputs))
    for (const input of Object.keys(out.inputs)) {
      const dir = packageDirOf(input);
      if (dir !== undefined) dirs.add(resolve(workingDir, dir));
    }
  const entries = [...dirs].map((dir) => {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      name: string;
      version: string;
      license?: string;
    };
    const text =
      licenceText(dir) ?? `(no licence file; package.json says ${pkg.license ?? "nothing"})`;
    return { id: `${pkg.name}@${pkg.version}`, license: pkg.license ?? "unknown", text };
  });
  const unique = new Map(entries.map((e) => [e.id, e]));
  const sorted = [...unique.values()].sort((a, b) => a.id.localeCompare(b.id));
  return (
    "The roster package bundles the following packages. Their licences follow.\n\n" +
    sorted.map((e) => `${"=".repeat(72)}\n${e.id} (${e.license})\n\n${e.text}\n`).join("\n")
  );
}
