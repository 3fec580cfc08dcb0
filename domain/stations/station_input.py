"""A station as typed into the form or the environment: every value a string, checked later."""

from __future__ import annotations

from dataclasses import dataclass

from domain.models import Station


@dataclass
class StationInput:
    """A station as typed into the form (or the environment): every value a string.

    Blank means "the default" for numbers and "none" for optional text. On an update a blank
    `api_key` keeps the stored key (it is never shown back) unless `clear_api_key` is set, and a
    blank `webhook_secret` keeps the stored secret (one is generated for a webhook station).
    `streamer_loops` holds one "Streamer name = loop.mp4" per line.
    """

    name: str = ""
    kind: str = "azuracast"
    base_url: str = ""
    shortcode: str = ""
    mount: str = ""
    stream_id: str = ""
    api_key: str = ""
    clear_api_key: str = ""
    transport: str = ""
    poll_interval: str = ""
    webhook_secret: str = ""
    live_loop: str = ""
    streamer_loops: str = ""
    offline_loop: str = ""
    switch_offset: str = ""
    state_dir: str = ""
    write_text_file: str = ""
    symlink_path: str = ""
    hook_command: str = ""
    hook_timeout: str = ""
    liquidsoap_url: str = ""
    liquidsoap_mode: str = ""
    liquidsoap_target: str = ""

    @classmethod
    def of(cls, row: Station) -> StationInput:
        """The form for editing `row` (the API key is left out: it is never shown back)."""

        def text(value: object) -> str:
            return "" if value is None else str(value)

        def number(value: float) -> str:
            return f"{value:g}"

        return cls(
            name=row.name,
            kind=row.kind,
            base_url=row.base_url,
            shortcode=text(row.shortcode),
            mount=text(row.mount),
            stream_id=str(row.stream_id),
            transport=row.transport,
            poll_interval=number(row.poll_interval),
            webhook_secret=text(row.webhook_secret),
            live_loop=text(row.live_loop),
            streamer_loops="\n".join(f"{k} = {v}" for k, v in (row.streamer_loops or {}).items()),
            offline_loop=text(row.offline_loop),
            switch_offset=number(row.switch_offset),
            state_dir=text(row.state_dir),
            write_text_file="on" if row.write_text_file else "",
            symlink_path=text(row.symlink_path),
            hook_command=text(row.hook_command),
            hook_timeout=number(row.hook_timeout),
            liquidsoap_url=text(row.liquidsoap_url),
            liquidsoap_mode=row.liquidsoap_mode,
            liquidsoap_target=text(row.liquidsoap_target),
        )
