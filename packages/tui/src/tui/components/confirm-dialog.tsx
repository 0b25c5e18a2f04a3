/**
 * A yes/no question about a destructive action. Cancel is highlighted when
 * it opens, so Enter alone never destroys anything; the action button names
 * exactly what happens ("Withdraw Invitation", "Remove user access").
 */
import { Box, Text } from "ink";
import { useTheme } from "../theme.ts";
import { Frame } from "./frame.tsx";

export interface ConfirmDialogProps {
  title: string;
  body: string;
  actionLabel: string;
  /** The safe button's words (default "Cancel"). */
  cancelLabel?: string;
  /** 0 = Cancel (the default), 1 = the action. */
  focused: 0 | 1;
  width: number;
}

function Button({ label, focused, danger }: { label: string; focused: boolean; danger?: boolean }) {
  const theme = useTheme();
  return (
    <Text bold={focused} inverse={focused} color={danger ? theme.error : undefined}>
      {focused ? `› ${label} ‹` : `  ${label}  `}
    </Text>
  );
}

export function ConfirmDialog({
  title,
  body,
  actionLabel,
  cancelLabel = "Cancel",
  focused,
  width,
}: ConfirmDialogProps) {
  const theme = useTheme();
  const w = Math.min(width, 64);
  return (
    <Frame width={w} color={theme.warn}>
      <Text bold>{title}</Text>
      <Box marginY={1}>
        <Text wrap="wrap">{body}</Text>
      </Box>
      <Box gap={2}>
        <Button label={cancelLabel} focused={focused === 0} />
        <Button label={actionLabel} focused={focused === 1} danger />
      </Box>
    </Frame>
  );
}
