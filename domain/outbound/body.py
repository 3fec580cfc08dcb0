"""The one capped body read: refuse a body over the cap before holding it all in memory."""

from __future__ import annotations

import httpx

MB = 1024 * 1024


class BodyTooLarge(Exception):
    """The body is over `limit` bytes; `declared` is its Content-Length when it announced one."""

    def __init__(self, limit: int, declared: int | None) -> None:
        self.limit = limit
        self.declared = declared
        super().__init__(f"body larger than {limit / MB:g} MB")


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The response body, refusing more than `limit` bytes: by Content-Length, or while reading."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit, int(declared))
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge(limit, None)
    return bytes(body)
