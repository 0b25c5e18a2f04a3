/**
 * Replace a small private file atomically: write-file-atomic writes a
 * temporary file beside it (mode 0600: these files hold emails, tokens),
 * fsyncs it and renames it over the old one, so a crash leaves the old
 * content or the new one, never half of one. The directory is created 0700.
 */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";

export async function writePrivateFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, text, { mode: 0o600 });
}
