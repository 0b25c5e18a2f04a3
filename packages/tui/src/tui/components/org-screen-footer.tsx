/**
 * The org screen's last lines: the selected row's detail, the message line
 * (or the filter being typed, in its place) and the footer's key hints.
 */
import { Box, Text } from "ink";
import { footerText, type KeyContext } from "../keymap.ts";
import type { Edit } from "../text-edit.ts";
import { useTheme } from "../theme.ts";
import { TextField } from "./text-field.tsx";

export interface OrgScreenFooterProps {
  width: number;
  /** The selected row in full (one line, or two when long). */
  detail: string;
  detailLines: number;
  /** The selected row is a refused action: its detail is the daemon's reason. */
  detailFailed: boolean;
  /** The filter while it is typed: it takes the message line's place. */
  filter: Edit | null;
  message: string;
  messageLines: number;
  tone: "error" | "ok" | undefined;
  /** Where the keys go: the footer hints at its bindings. */
  context: KeyContext;
}

export function OrgScreenFooter(p: OrgScreenFooterProps) {
  const theme = useTheme();
  const detailColor = p.detailFailed ? theme.error : undefined;
  const toneColor = p.tone === "error" ? theme.error : p.tone === "ok" ? theme.ok : undefined;
  return (
    <>
      <Box width={p.width} height={p.detailLines}>
        <Text
          dimColor={detailColor === undefined}
          color={detailColor}
          wrap={p.detailLines > 1 ? "wrap" : "truncate-end"}
        >
          {p.detail || " "}
        </Text>
      </Box>
      <Box width={p.width}>
        {p.filter ? (
          <Box>
            <Text bold>/ </Text>
            <TextField
              value={p.filter.value}
              cursor={p.filter.cursor}
              focus
              placeholder="filter by email or name"
            />
          </Box>
        ) : (
          <Box height={p.messageLines} width={p.width}>
            <Text wrap={p.messageLines > 1 ? "wrap" : "truncate-end"} color={toneColor}>
              {p.message || " "}
            </Text>
          </Box>
        )}
      </Box>
      <Box width={p.width}>
        <Text dimColor wrap="truncate-end">
          {footerText(p.context, p.width)}
        </Text>
      </Box>
    </>
  );
}
