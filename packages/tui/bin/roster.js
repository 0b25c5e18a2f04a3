#!/usr/bin/env node
// Launcher for `npm link` / `pnpm link` / a global install from a checkout:
// registers tsx's loader and runs the TypeScript entry point (no build step).
import { register } from "tsx/esm/api";

register();
await import("../src/bin.ts");
