/** The frame of every box drawn over the list (forms, dialogs, the org switcher, notices). */
import { Box } from "ink";
import type { ReactNode } from "react";
import { useTheme } from "../theme.ts";

export interface FrameProps {
  width: number;
  /** The border's color (default: the accent). */
  color?: string | undefined;
  children: ReactNode;
}

/** A column in a round border, one space inside it on each side. */
export function Frame({ width, color, children }: FrameProps) {
  const theme = useTheme();
  return (
    <Box
      flexDirection="column"
      borderStyle="round"
      borderColor={color ?? theme.accent}
      width={width}
      paddingX={1}
    >
      {children}
    </Box>
  );
}
