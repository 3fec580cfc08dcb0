"""AzuraCast's "Generic Web Hook": `POST /hooks/azuracast/{slug}` with the now-playing object.

Authenticated by the station's own secret, not by a session: AzuraCast is a server, so there is no
CSRF token either. The secret comes in an `X-Webhook-Secret` header, as `Authorization: Bearer`,
as the HTTP basic-auth password (AzuraCast's webhook form has basic auth), or as `?secret=` for
older AzuraCast set-ups; `RedactSecrets` keeps that last form out of uvicorn's access log.
The body goes on the `webhook:{slug}` channel as it came; the daemon watching the station parses
it. AzuraCast gives up after 5 s, so nothing slow happens here.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.types import ControllerRouterHandler
from redis.exceptions import RedisError

from domain import channels
from domain.models import Transport
from domain.resources import Resources
from domain.stations.store import get_station
from web.accounts.roles import Access, declare

log = logging.getLogger(__name__)

PREFIX = "/hooks/"
BODY_MAX = 1024 * 1024
SECRET_HEADER = "x-webhook-secret"  # noqa: S105 - a header's name, not a secret
_QUERY_SECRET = re.compile(r"([?&]secret=)[^&\s]*")


class RedactSecrets(logging.Filter):
    """Blanks `secret=` in the query of an access-log line: a URL secret must not land in logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY_SECRET.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def redact_access_log() -> None:
    """Install RedactSecrets on uvicorn's access logger once (create_app may run many times)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())


def _plain(text: str, status: int, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(text + "\n", status_code=status, media_type="text/plain", headers=headers)


def _authorization_secret(header: str | None) -> str | None:
    """The secret of an `Authorization` header: a Bearer token, or a Basic password."""
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2]


def _given_secret(request: Request[Any, Any, State], query: str | None) -> str | None:
    """The secret the caller sent, a header winning over the query string."""
    header = request.headers.get(SECRET_HEADER)
    if header is not None:
        return header.strip()
    from_authorization = _authorization_secret(request.headers.get("authorization"))
    return from_authorization if from_authorization is not None else query


def _secret_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


async def _read_capped(request: Request[Any, Any, State]) -> bytes | None:
    """The body, or None once it passes BODY_MAX (read no further than that)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > BODY_MAX:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > BODY_MAX:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@post(
    "/hooks/azuracast/{slug:str}",
    status_code=200,
    opt={"exclude_from_csrf": True, **declare(Access.PUBLIC)},
    tags=["webhook"],
)
async def azuracast_webhook(
    request: Request[Any, Any, State],
    resources: NamedDependency[Resources],
    slug: FromPath[str],
    secret: FromQuery[str | None] = None,
) -> Response[str]:
    """Accept one now-playing object for a webhook station and hand it to its watcher."""
    station = await get_station(resources.sessions, slug)
    if (
        station is None
        or not station.enabled
        or station.transport != Transport.WEBHOOK
        or not station.webhook_secret
    ):
        return _plain(f"no webhook station {slug!r} here", 404)
    if not _secret_matches(station.webhook_secret, _given_secret(request, secret)):
        return _plain("wrong or missing secret", 403)
    body = await _read_capped(request)
    if body is None:
        return _plain(f"body larger than {BODY_MAX // 1024 // 1024} MB", 413)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        return _plain(f"invalid JSON: {error}", 400)
    except RecursionError:
        return _plain("invalid JSON: nested too deeply", 400)
    if not isinstance(data, dict):
        return _plain("the body must be a JSON object (AzuraCast's now-playing data)", 400)
    channel = channels.webhook(resources.settings, slug)
    try:
        await resources.redis.publish(channel, json.dumps(data, separators=(",", ":")))
    except (RedisError, OSError) as error:
        log.warning("webhook for %s: cannot publish to Redis: %s", slug, error)
        return _plain("cannot pass the message on right now", 503, {"Retry-After": "5"})
    return _plain("ok", 200)


ROUTES: list[ControllerRouterHandler] = [azuracast_webhook]
