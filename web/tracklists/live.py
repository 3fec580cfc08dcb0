"""The live status line of one tracklist import, over server-sent events.

`GET /live/imports/{id}` subscribes to the job's Redis channel (`channels.tracklist_import`), then
sends the job's current state (so a change made before the browser connected is not missed),
then every change the worker publishes, each as an SSE event `status` holding the rendered line.
Once the job is stored or failed it sends `done`, which the page's `sse-close` turns into closing
the EventSource (a stream the server merely ends would be reopened by the browser). A job still
queued after TRACKLISTS_WORKER_NOTICE_SECONDS gets its line again, saying no worker has taken it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator
from typing import Any, cast

from litestar import Litestar, Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import ServerSentEvent, ServerSentEventMessage
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from domain import channels
from domain.resources import Resources
from domain.tracklists import imports
from domain.tracklists.imports import ImportJob, ImportNotFound, ImportStatus
from web.accounts.roles import Access, declare

log = logging.getLogger(__name__)

PING_SECONDS = 15.0  # a comment line this often keeps proxies from closing an idle stream
RETRY_MILLISECONDS = 2000
STATUS_EVENT = "status"
DONE_EVENT = "done"
STATUS_TEMPLATE = "tracklists/import_state.html"


def no_worker(job: ImportJob, patience_seconds: float) -> str:
    """The notice the status line shows once the job has waited too long for a worker, or ""."""
    if imports.waiting_for_worker(job, patience_seconds):
        return imports.no_worker_notice(patience_seconds)
    return ""


def render_status(app: Litestar, job: ImportJob, patience_seconds: float) -> str:
    """The status line's inner HTML (the same template the page includes)."""
    template = app.template_engine.get_template(STATUS_TEMPLATE)  # type: ignore[union-attr]
    return str(template.render(job=job, no_worker=no_worker(job, patience_seconds)))


async def _next_message(pubsub: PubSub, seconds: float) -> dict[str, Any] | None:
    """The next published message within `seconds`, or None (subscribe confirmations skipped)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
        if message is not None and message.get("type") == "message":
            return cast(dict[str, Any], message)
    return None


def _job_of(raw: bytes | str) -> ImportJob | None:
    try:
        return ImportJob.from_json(json.loads(raw))
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring an import status that is not an import job: %.80r", raw)
        return None


async def status_events(
    app: Litestar, resources: Resources, job_id: int
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """The current state, each change, the no-worker notice when a queued job is due it, and
    `done` once the job is stored or failed."""
    patience = resources.settings.tracklists.worker_notice_seconds
    pubsub = resources.redis.pubsub()
    try:
        # Subscribed before reading the state: a change between the two is not lost.
        await pubsub.subscribe(channels.tracklist_import(resources.settings, job_id))
        job = await imports.get_import(resources.sessions, job_id)
        yield ServerSentEventMessage(comment="connected", retry=RETRY_MILLISECONDS, data=None)
        yield ServerSentEventMessage(data=render_status(app, job, patience), event=STATUS_EVENT)
        told = bool(no_worker(job, patience))
        while not job.finished:
            queued = job.status is ImportStatus.QUEUED and not told
            wait = (
                min(PING_SECONDS, imports.seconds_to_worker_notice(job, patience))
                if queued
                else PING_SECONDS
            )
            message = await _next_message(pubsub, wait)
            if message is None:
                if queued and no_worker(job, patience):
                    told = True
                    yield ServerSentEventMessage(
                        data=render_status(app, job, patience), event=STATUS_EVENT
                    )
                else:
                    yield ServerSentEventMessage(comment="ping", data=None)
                continue
            news = _job_of(message["data"])
            # A change already read with the current state (or older) is not sent twice.
            if news is None or news.updated_at <= job.updated_at:
                continue
            job, told = news, False
            yield ServerSentEventMessage(data=render_status(app, job, patience), event=STATUS_EVENT)
        yield ServerSentEventMessage(data="", event=DONE_EVENT)
    finally:
        with contextlib.suppress(RedisError, OSError):
            await pubsub.aclose()  # type: ignore[no-untyped-call]


@get("/live/imports/{job_id:int}", name="live_import", opt=declare(Access.DJ))
async def import_status(
    request: Request[Any, Any, Any],
    resources: NamedDependency[Resources],
    job_id: FromPath[int],
) -> ServerSentEvent:
    """One import job's status line, live."""
    try:
        await imports.get_import(resources.sessions, job_id)
    except ImportNotFound:
        raise NotFoundException(f"no import with id {job_id}") from None
    return ServerSentEvent(status_events(request.app, resources, job_id))


ROUTES = [import_status]
