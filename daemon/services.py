"""What every station task of one daemon process shares, built on the process's Resources: the
loops service, the play recorder, the status board and the default loop."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from daemon.play_recorder import PlayRecorder
from daemon.player import DefaultLoop
from daemon.status_board import StatusBoard
from domain.loops.mapper import TrackMapper
from domain.resources import Resources

CLOSE_TIMEOUT_SECONDS = 2.0


@dataclass(eq=False)
class Services:
    resources: Resources
    mapper: TrackMapper
    recorder: PlayRecorder
    board: StatusBoard
    default_loop: DefaultLoop

    @classmethod
    def of(cls, resources: Resources) -> Services:
        settings = resources.settings
        return cls(
            resources=resources,
            mapper=TrackMapper(resources),
            recorder=PlayRecorder(resources.engine),
            board=StatusBoard(settings, resources.engine, resources.redis),
            default_loop=DefaultLoop(settings),
        )

    async def close(self) -> None:
        """Stop the mapper's listener; the resources are closed by the daemon that opened them."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.mapper.close(), CLOSE_TIMEOUT_SECONDS)
