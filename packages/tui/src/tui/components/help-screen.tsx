/** Every key, read from the keymap table; scrolls when the terminal is short. */
import { Box, Text } from "ink";
import { helpBodyLines, helpLines } from "../help-lines.ts";
import { useTheme } from "../theme.ts";

export interface HelpScreenProps {
  height: number;
  width: number;
  offset: number;
}

export function HelpScreen({ height, width, offset }: HelpScreenProps) {
  const theme = useTheme();
  const lines = helpLines();
  const body = helpBodyLines(height);
  const start = Math.max(0, Math.min(offset, Math.max(0, lines.length - body)));
  const shown = lines.slice(start, start + body);
  const more = start + body < lines.length;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.accent} wrap="truncate-end">
        Keys{" "}
        {more || start > 0
          ? `(j/k scroll · ${start + 1}–${start + shown.length} of ${lines.length})`
          : ""}{" "}
        · Esc or ? closes
      </Text>
      {shown.map((l, i) =>
        l.kind === "title" ? (
          <Text key={i} bold underline>
            {l.label}
          </Text>
        ) : l.kind === "blank" ? (
          <Text key={i}> </Text>
        ) : (
          <Box key={i}>
            <Box width={14} flexShrink={0}>
              <Text bold>{`  ${l.label}`}</Text>
            </Box>
            <Text wrap="truncate-end">{l.description}</Text>
          </Box>
        ),
      )}
    </Box>
  );
}
