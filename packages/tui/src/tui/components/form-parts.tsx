/** The pieces the invite and setup forms share: frame, field label, and the note under the fields. */
import { Box, Text } from "ink";
import type { ReactNode } from "react";
import { useTheme } from "../theme.ts";
import { Frame } from "./frame.tsx";

/** A form's frame: a round border in the accent color. */
export function FormFrame({ width, children }: { width: number; children: ReactNode }) {
  return <Frame width={width}>{children}</Frame>;
}

/** A field's label in a column `width` wide: `›` and bold when the field has the focus. */
export function FieldLabel({
  label,
  focused,
  width,
}: {
  label: string;
  focused: boolean;
  width: number;
}) {
  return (
    <Box width={width} flexShrink={0}>
      <Text bold={focused}>
        {focused ? "› " : "  "}
        {label}
      </Text>
    </Box>
  );
}

export interface FormNoteProps {
  /** Said instead of anything else while the form is being sent. */
  busy?: string | undefined;
  error?: string | undefined;
  /** The hint, when there is no error. */
  children: ReactNode;
}

/** The line under the fields: what is going on, else the error, else the hint. */
export function FormNote({ busy, error, children }: FormNoteProps) {
  const theme = useTheme();
  return (
    <Box marginTop={1}>
      {busy ? (
        <Text>{busy}</Text>
      ) : error ? (
        <Text color={theme.error} wrap="wrap">
          ✗ {error}
        </Text>
      ) : (
        children
      )}
    </Box>
  );
}
