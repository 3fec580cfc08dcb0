"""A process of its own asking the fake Deezer and Last.fm for `count` tracks each, as a second
worker would: `python -m tests.enrichment_pace FIRST COUNT` with the enrichment environment.
Prints "done" when every answer came back."""

from __future__ import annotations

import asyncio
import sys

from domain.config import load_settings
from domain.enrichment.deezer import DeezerClient
from domain.enrichment.lastfm import LastfmClient
from domain.resources import opened


async def main(first: int, count: int) -> None:
    async with opened(load_settings()) as resources:
        deezer = DeezerClient(resources.settings, resources.redis, resources.sessions)
        lastfm = LastfmClient(resources.settings, resources.redis, resources.sessions)
        try:
            for number in range(first, first + count):
                await deezer.by_isrc(f"GBAAA{number:07d}")
                await lastfm.track_info("Artist", f"Title {number}")
        finally:
            await deezer.aclose()
            await lastfm.aclose()
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
