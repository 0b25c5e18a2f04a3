import { Box, Text } from "ink";
import type { ReactNode } from "react";

export interface CellProps {
  width: number;
  children?: ReactNode;
  color?: string | undefined;
  dim?: boolean;
  bold?: boolean;
  strike?: boolean;
}

/** One fixed-width column of a row; text that does not fit ends in "…". */
export function Cell({ width, children, color, dim, bold, strike }: CellProps) {
  if (width <= 0) return null;
  return (
    <Box width={width} flexShrink={0}>
      <Text wrap="truncate-end" color={color} dimColor={dim} bold={bold} strikethrough={strike}>
        {children}
      </Text>
    </Box>
  );
}
