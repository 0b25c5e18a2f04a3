/** Pick one of the organizations the user belongs to. */
import { Text } from "ink";
import type { OrgChoice } from "../ports.ts";
import { useTheme } from "../theme.ts";
import { Frame } from "./frame.tsx";

export interface OrgSwitcherProps {
  orgs: readonly OrgChoice[];
  cursor: number;
  currentID: string | undefined;
  width: number;
  height: number;
}

export function OrgSwitcher({ orgs, cursor, currentID, width, height }: OrgSwitcherProps) {
  const theme = useTheme();
  const visible = Math.max(1, height - 4);
  const start = Math.max(0, Math.min(cursor - visible + 1, orgs.length - visible));
  const shown = orgs.slice(Math.max(0, start), Math.max(0, start) + visible);
  return (
    <Frame width={Math.min(width, 60)}>
      <Text bold>Switch organization</Text>
      {shown.map((o, i) => {
        const idx = Math.max(0, start) + i;
        const selected = idx === cursor;
        return (
          <Text
            key={o.id}
            bold={selected}
            color={selected ? theme.accent : undefined}
            wrap="truncate-end"
          >
            {selected ? "› " : "  "}
            {o.name}
            {o.id === currentID ? "  (current)" : ""}
          </Text>
        );
      })}
    </Frame>
  );
}
