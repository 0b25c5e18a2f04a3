/**
 * The org screen: header, Members / Invitations lists, detail line, message
 * line and footer, plus the dialogs that open over the list (help, invite,
 * confirm, org switcher). The lists are drawn by item-list.tsx, the dialogs by
 * org-screen-dialogs.tsx, the last lines by org-screen-footer.tsx; the
 * message-line words come from ../messages.ts. What each key does (through
 * the keymap table), and the state keys change (list, sort, filter, dialog),
 * is use-org-screen-keys.ts; what a key does in a dialog is
 * ../modal-keys.ts; what the list's actions do to the org is
 * use-org-screen-actions.ts.
 */
import { Box } from "ink";
import { useMemo } from "react";
import type { SortPrefs } from "@roster/core";
import type { OrgChoice } from "../ports.ts";
import { useActivity, useEngine, useNow, useTerminalSize } from "../hooks.ts";
import { drawableLines, listHeight } from "../layout.ts";
import { connectionView, messageAt } from "../messages.ts";
import { screenContext } from "../modal-keys.ts";
import {
  activityDetail,
  filterLists,
  inviteDetail,
  memberDetail,
  screenLists,
  type ActivityItem,
  type InviteItem,
  type MemberItem,
  type ScreenLists,
} from "../screen-model.ts";
import { Header, Tabs } from "./header.tsx";
import { ActivityList, InviteList, MemberList } from "./item-list.tsx";
import { ModalView, RevokedNotice } from "./org-screen-dialogs.tsx";
import { OrgScreenFooter } from "./org-screen-footer.tsx";
import { useMessageLine, useRefusalAnnouncements } from "./use-message-line.ts";
import { useListSelection } from "./use-list-selection.ts";
import { useOrgScreenActions } from "./use-org-screen-actions.ts";
import {
  useOrgScreenControls,
  useOrgScreenKeys,
  type OrgScreenOwner,
} from "./use-org-screen-keys.ts";

/** The engine, and what the keys call back (quit, open another org, ...): see OrgScreenOwner. */
export interface OrgScreenProps extends OrgScreenOwner {
  /** The org's name until the first snapshot arrives. */
  orgName?: string;
  /** Orgs the user belongs to, for the switcher (`o`). */
  loadOrgs?: () => Promise<OrgChoice[]>;
  /** The lists' sort to start with (default: core's DEFAULT_SORT). */
  sort?: SortPrefs;
  /** Clock override for tests. */
  now?: number;
  /** How long a success or info message stays on the message line (errors stay until dismissed). */
  messageTtlMs?: number;
}

/** A success or info message goes away after this long, like a k9s flash. */
export const MESSAGE_TTL_MS = 8_000;

/** A list that is not there (access revoked): nothing to draw, nothing to act on. */
const NO_LISTS: ScreenLists = {
  members: [],
  invites: [],
  activity: [],
  totalMembers: 0,
  totalInvites: 0,
  totalActivity: 0,
};

export function OrgScreen(props: OrgScreenProps) {
  const { engine, orgName, loadOrgs, now: fixedNow, messageTtlMs = MESSAGE_TTL_MS } = props;
  const size = useTerminalSize();
  const [message, setMessage] = useMessageLine(messageTtlMs);
  // A counting-down message needs a tick every second; otherwise every 15 s is enough.
  const tick = useNow(message?.countdown ? 1_000 : undefined);
  // Rows show the time at this render (the tick only makes sure there is one every few seconds).
  const now = fixedNow ?? Math.max(tick, Date.now());
  const { state, link } = useEngine(engine);
  const activity = useActivity(engine);
  // Rounded to the minute so the view (and the sorted lists) are not rebuilt on every tick.
  const viewNow = fixedNow ?? Math.floor(now / 60_000) * 60_000;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the view is a function of the engine's state
  const view = useMemo(() => engine.getView(viewNow), [engine, state, viewNow]);
  // Removed from the org: its lists are no longer the user's to see (the saved copy is deleted too).
  const revoked = link.state === "revoked";
  const ui = useOrgScreenControls(props.sort);
  const { active, setActive, sort, filter, filterEdit, filterEditing, modal, setModal } = ui;
  const lists = useMemo(
    () => (revoked ? NO_LISTS : screenLists(view, engine.actorID, sort, viewNow, activity)),
    [revoked, view, engine.actorID, sort, viewNow, activity],
  );

  const shown = useMemo(() => filterLists(lists, filter), [lists, filter]);
  const selection = useListSelection(shown, active);
  const { items, cursor, selected } = selection;
  const online = link.state === "live";
  // The lists are known: from the daemon in this run, or saved by an earlier one.
  const loaded = view.synced || view.cachedAt !== null;

  useRefusalAnnouncements(view.failed, loaded, state, setMessage);

  /** The selected invitation's activation link, if the daemon gave it to this session. */
  function selectedLink(): string | undefined {
    if (active !== "invites" || !selected) return undefined;
    const id = (selected as InviteItem).invite?.id;
    return id === undefined ? undefined : engine.activationURL?.(id);
  }

  // ------------------------------------------------------------ geometry
  const width = size.columns;
  const lines = drawableLines(size);
  const revokedText = link.message ?? "Access to this organization was revoked.";
  // Without a dialog the banner says it; over a dialog, the message line does.
  const shownMessage = message ? messageAt(message, now) : null;
  const messageText = shownMessage?.text ?? (revoked && modal !== null ? `✗ ${revokedText}` : "");
  // A long message (most daemon refusals) gets a second line, taken from the list.
  const messageLines = !filterEditing && messageText.length > width ? 2 : 1;
  const detail =
    modal !== null || !selected
      ? ""
      : active === "members"
        ? memberDetail(selected as MemberItem, now, online)
        : active === "activity"
          ? activityDetail(selected as ActivityItem)
          : inviteDetail(selected as InviteItem, now, online, selectedLink());
  // A long detail (a delivery error) gets a second line too.
  const detailLines = detail.length > width ? 2 : 1;
  const height = Math.max(1, listHeight(size) - (messageLines - 1) - (detailLines - 1));
  const win = selection.windowOf(height);
  const bodyHeight = height + 1; // column titles + rows
  /** The list's place (tabs, column titles, rows); a dialog or the revoked notice takes it. */
  const areaHeight = bodyHeight + 1;

  // ------------------------------------------------------------- actions

  const actions = useOrgScreenActions({
    engine,
    state,
    view,
    loaded,
    online,
    now,
    orgName,
    active,
    selected: active === "activity" ? undefined : (selected as MemberItem | InviteItem | undefined),
    loadOrgs,
    setMessage,
    setModal,
    onInvited: (email) => {
      setModal(null);
      setActive("invites");
      selection.toEmail("invites", email);
    },
  });

  // --------------------------------------------------------------- input
  const context = screenContext(modal, filterEditing);

  useOrgScreenKeys(props, ui, {
    selection,
    height,
    areaHeight,
    revoked,
    revokedText,
    actions,
    selectedLink,
    setMessage,
  });

  // -------------------------------------------------------------- render
  const name = view.org?.name ?? orgName ?? engine.orgID;
  const conn = connectionView(link, view.unsent, now);
  const position =
    items.length > height
      ? `${win.offset + 1}–${win.offset + win.rows.length} of ${items.length}`
      : "";

  let body: React.ReactNode;
  if (modal !== null) {
    body = (
      <ModalView
        modal={modal}
        width={width}
        height={areaHeight}
        orgName={name}
        unsent={view.unsent}
        currentOrgID={engine.orgID}
      />
    );
  } else if (revoked) {
    body = <RevokedNotice orgName={name} text={revokedText} width={width} height={areaHeight} />;
  } else {
    const listProps = {
      cursor: cursor - win.offset,
      width,
      now,
      height,
      filter,
      synced: loaded,
      online: link.state !== "offline",
    };
    body = (
      <Box flexDirection="column" height={areaHeight} width={width}>
        <Tabs
          active={active}
          members={{ shown: shown.members.length, total: lists.totalMembers }}
          invites={{ shown: shown.invites.length, total: lists.totalInvites }}
          activity={{ shown: shown.activity.length, total: lists.totalActivity }}
          filter={filter}
          {...(active !== "activity"
            ? { sort: active === "members" ? sort.members : sort.invites }
            : {})}
          position={position}
          width={width}
        />
        {active === "members" ? (
          <MemberList rows={win.rows as MemberItem[]} {...listProps} />
        ) : active === "activity" ? (
          <ActivityList rows={win.rows as ActivityItem[]} {...listProps} />
        ) : (
          <InviteList rows={win.rows as InviteItem[]} {...listProps} />
        )}
      </Box>
    );
  }

  const failed = selected !== undefined && "mark" in selected && selected.mark === "failed";
  const tone =
    shownMessage?.kind === "error" || (!shownMessage && revoked)
      ? "error"
      : shownMessage?.kind === "ok"
        ? "ok"
        : undefined;

  return (
    <Box flexDirection="column" width={width} height={lines}>
      <Header
        orgName={name}
        synced={loaded && !revoked}
        members={view.memberCount}
        pending={view.pendingCount}
        limit={view.pendingLimit}
        connection={conn}
        width={width}
      />
      {body}
      <OrgScreenFooter
        width={width}
        detail={detail}
        detailLines={detailLines}
        detailFailed={failed}
        filter={filterEditing && modal === null ? filterEdit : null}
        message={messageText}
        messageLines={messageLines}
        tone={tone}
        context={context}
      />
    </Box>
  );
}
