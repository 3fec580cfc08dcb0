"""The symlink adapter: `current.mp4 → loop`, swapped atomically (a temp link renamed over it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from pathlib import Path

from domain.handoff.state_file import sync_folder
from domain.handoff.switch import HandoffError, Switch, os_reason


class SymlinkSwap:
    """Points one symlink under HANDOFF_PATH at the loop to show."""

    name = "symlink"

    def __init__(self, link: Path, *, shown: str | None = None) -> None:
        self.link = link
        self.shown = shown or link.name  # how messages name the link (HANDOFF_PATH/…)

    async def apply(self, switch: Switch) -> None:
        """Swap the link to `switch.loop_path`; a missing loop keeps the current link."""
        loop_name = os.path.basename(switch.loop_path)
        if not os.path.isabs(switch.loop_path):
            raise HandoffError(f"loop path {loop_name!r} is not absolute")
        try:
            await asyncio.to_thread(self._swap, switch.loop_path)
        except FileNotFoundError as error:
            if error.filename == switch.loop_path:
                raise HandoffError(f"loop file {loop_name} does not exist") from error
            raise HandoffError(
                f"cannot point {self.shown} at the loop: {os_reason(error)}"
            ) from error
        except OSError as error:
            raise HandoffError(
                f"cannot point {self.shown} at the loop: {os_reason(error)}"
            ) from error

    def _swap(self, target: str) -> None:
        # A dangling link would stop an ffmpeg concat input for good; the old loop is better.
        if not os.path.isfile(target):
            raise FileNotFoundError(2, "no such file", target)
        self.link.parent.mkdir(parents=True, exist_ok=True)
        if os.path.islink(self.link) and os.readlink(self.link) == target:
            return
        temp = self.link.with_name(f".{self.link.name}.{secrets.token_hex(4)}.tmp")
        os.symlink(target, temp)
        try:
            # `ln -sf` unlinks then creates (a moment with no link); rename replaces in one step.
            os.replace(temp, self.link)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        sync_folder(self.link.parent)
