/**
 * What the org screen draws in place of its list: the open dialog (help,
 * confirm, quit, invite form, org switcher), or the notice that access to the
 * org was revoked.
 */
import { Box, Text } from "ink";
import type { ReactNode } from "react";
import { useTheme } from "../theme.ts";
import { ConfirmDialog } from "./confirm-dialog.tsx";
import { Frame } from "./frame.tsx";
import { HelpScreen } from "./help-screen.tsx";
import { unsentQuestion } from "../messages.ts";
import type { Modal } from "../modal-keys.ts";
import { InviteForm } from "./invite-form.tsx";
import { OrgSwitcher } from "./org-switcher.tsx";

/** The list's place on the screen (tabs, column titles and rows), with `children` in its middle. */
function Centered({
  width,
  height,
  children,
}: {
  width: number;
  height: number;
  children: ReactNode;
}) {
  return (
    <Box height={height} width={width} justifyContent="center" alignItems="center">
      {children}
    </Box>
  );
}

export interface ModalViewProps {
  modal: Modal;
  width: number;
  /** Lines the list takes: its tabs, column titles and rows. */
  height: number;
  orgName: string;
  /** Actions not sent yet, for the quit dialog. */
  unsent: number;
  currentOrgID: string;
}

export function ModalView(p: ModalViewProps) {
  if (p.modal.type === "help") {
    return <HelpScreen height={p.height} width={p.width} offset={p.modal.offset} />;
  }
  return (
    <Centered width={p.width} height={p.height}>
      {dialog(p.modal, p)}
    </Centered>
  );
}

/** A dialog other than help, drawn in the middle of the list's place. */
function dialog(modal: Exclude<Modal, { type: "help" }>, p: ModalViewProps) {
  const { width, height, orgName } = p;
  switch (modal.type) {
    case "confirm":
      return (
        <ConfirmDialog
          title={modal.title}
          body={modal.body}
          actionLabel={modal.label}
          focused={modal.focused}
          width={width}
        />
      );
    case "quit": {
      const to = modal.switchTo;
      return (
        <ConfirmDialog
          title={to ? `Open ${to.name}?` : "Quit Roster?"}
          body={unsentQuestion(p.unsent, orgName)}
          cancelLabel="Stay"
          actionLabel={to ? "Switch anyway" : "Quit anyway"}
          focused={modal.focused}
          width={width}
        />
      );
    }
    case "invite":
      return <InviteForm form={modal.form} orgName={orgName} width={width} />;
    case "switcher":
      return (
        <OrgSwitcher
          orgs={modal.orgs}
          cursor={modal.cursor}
          currentID={p.currentOrgID}
          width={width}
          height={height - 1}
        />
      );
  }
}

export interface RevokedNoticeProps {
  orgName: string;
  /** What the daemon said. */
  text: string;
  width: number;
  height: number;
}

/** Removed from the org: the lists are gone, and what to do now. */
export function RevokedNotice({ orgName, text, width, height }: RevokedNoticeProps) {
  const theme = useTheme();
  return (
    <Centered width={width} height={height}>
      <Frame width={Math.min(width, 64)} color={theme.error}>
        <Text bold color={theme.error} wrap="truncate-end">
          ✗ No access to {orgName}
        </Text>
        <Text wrap="wrap">{text}</Text>
        <Box marginTop={1}>
          <Text dimColor wrap="wrap">
            Its lists are no longer shown, and the copy saved on this computer was deleted. Press o
            to open another of your organizations, or q to quit.
          </Text>
        </Box>
      </Frame>
    </Centered>
  );
}
