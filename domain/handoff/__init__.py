"""Handing the loop to the encoder: a Switch, and the adapters that apply it.

The daemon never writes video data; every adapter only changes a pointer the encoder reads.
One adapter a file (state file, symlink, Liquidsoap, command hook); docs/architecture.md shows
where hand-off sits in the now-playing flow.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

from domain.handoff.command_hook import CommandHook
from domain.handoff.liquidsoap import Liquidsoap
from domain.handoff.state_file import StateFile
from domain.handoff.switch import (
    Adapter,
    HandoffError,
    HandoffSettings,
    Switch,
    confine_handoff,
    confine_link,
    shown_handoff,
)
from domain.handoff.symlink import SymlinkSwap

__all__ = ["Adapter", "HandoffError", "Switch", "adapters_for"]

log = logging.getLogger(__name__)
_told_hooks_disabled = False  # the warning is said once per process, not on every reload


def adapters_for(
    station: HandoffSettings,
    handoff_root: Path,
    *,
    allow_hooks: bool,
    allowed_hosts: Collection[str] = (),
) -> list[Adapter]:
    """The adapters a station has switched on; HandoffError names a setting that is invalid.

    Builds no files: calling it is also how a station form checks its hand-off settings.
    `allowed_hosts` (STATION_ALLOWED_HOSTS) bounds where Liquidsoap connections may go.
    A stored hook command is skipped unless `allow_hooks` (ALLOW_COMMAND_HOOKS=1).
    """
    adapters: list[Adapter] = []
    if station.state_dir and station.state_dir.strip():
        folder = confine_handoff(handoff_root, station.state_dir, "state folder")
        shown = shown_handoff(handoff_root, folder)
        adapters.append(StateFile(folder, write_text=station.write_text_file, shown=shown))
    if station.symlink_path and station.symlink_path.strip():
        link = confine_link(handoff_root, station.symlink_path)
        adapters.append(SymlinkSwap(link, shown=shown_handoff(handoff_root, link)))
    if station.liquidsoap_url and station.liquidsoap_url.strip():
        adapters.append(
            Liquidsoap(
                station.liquidsoap_url,
                mode=station.liquidsoap_mode,
                target=station.liquidsoap_target or "",
                api_key=station.api_key,
                allowed_hosts=allowed_hosts,
            )
        )
    if station.hook_command and station.hook_command.strip():
        if allow_hooks:
            adapters.append(CommandHook(station.hook_command, timeout=station.hook_timeout))
        else:
            _tell_hooks_disabled()
    return adapters


def _tell_hooks_disabled() -> None:
    global _told_hooks_disabled
    if not _told_hooks_disabled:
        _told_hooks_disabled = True
        log.warning(
            "command hooks are disabled (ALLOW_COMMAND_HOOKS is not 1): stored hook commands"
            " are not run"
        )
