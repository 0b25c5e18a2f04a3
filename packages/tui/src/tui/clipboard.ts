/**
 * Copying to the clipboard of the terminal the user sits at, wherever the
 * TUI runs: OSC 52 (`ESC ] 52 ; c ; <base64> BEL`), which terminals honour
 * over SSH too. Inside tmux it needs `set -g set-clipboard on` (README).
 */

/** The OSC 52 sequence that puts `text` on the clipboard. */
export function osc52(text: string): string {
  return `\u001b]52;c;${Buffer.from(text, "utf8").toString("base64")}\u0007`;
}

/** Write the sequence to the terminal (it prints nothing and moves no cursor). */
export function copyWithOsc52(text: string, out: NodeJS.WritableStream = process.stdout): void {
  out.write(osc52(text));
}
