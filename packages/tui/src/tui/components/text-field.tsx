/** A one-line text field, drawn with its cursor (its editing is ../text-edit.ts). */
import { Text } from "ink";
import { useTheme } from "../theme.ts";

export interface TextFieldProps {
  value: string;
  /** Cursor position (default: the end). */
  cursor?: number;
  focus: boolean;
  placeholder?: string;
}

/**
 * Draws a one-line text field with its cursor. Keys are applied by the
 * screen's single input handler (editField), with functional state updates,
 * so no key is lost between a dialog opening and its field being ready, and
 * fast typing never acts on a stale value.
 */
export function TextField({ value, cursor: at, focus, placeholder }: TextFieldProps) {
  const theme = useTheme();
  const v = value;
  const cursor = Math.max(0, Math.min(at ?? v.length, v.length));
  if (focus && theme.noColor) {
    // Without colours there is no inverse video: draw the cursor as a bar.
    return (
      <Text>
        {v.slice(0, cursor)}│
        {v === "" ? <Text dimColor>{placeholder ?? ""}</Text> : v.slice(cursor)}
      </Text>
    );
  }
  if (!focus) return <Text dimColor={v === ""}>{v === "" ? (placeholder ?? "") : v}</Text>;
  if (v === "") {
    return (
      <Text>
        <Text inverse>{placeholder?.[0] ?? " "}</Text>
        <Text dimColor>{placeholder?.slice(1) ?? ""}</Text>
      </Text>
    );
  }
  return (
    <Text>
      {v.slice(0, cursor)}
      <Text inverse>{v[cursor] ?? " "}</Text>
      {v.slice(cursor + 1)}
    </Text>
  );
}
