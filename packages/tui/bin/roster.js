#!/usr/bin/env node
// The `roster` executable: runs the built JavaScript in ../dist (`pnpm build` writes it).
import { existsSync } from "node:fs";

const entry = new URL("../dist/bin.js", import.meta.url);
if (existsSync(entry)) {
  await import(entry.href);
} else {
  process.stderr.write(
    "roster is not built: run `pnpm build` in the checkout (or `pnpm dev` to run it from source).\n",
  );
  process.exitCode = 2;
}
