"""The one way a page shows a time: `{{ moment | local_time }}`, in the viewer's zone, saying it.

The zone is the signed-in user's own (their Account page) or else DISPLAY_TIMEZONE; a partial
rendered for many viewers at once (the live dashboard) passes `display_zone` in its context. The
`<time datetime>` keeps the UTC instant and its title the UTC text, so nothing is lost.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup

from domain.accounts.time_zones import viewer_zone
from domain.models import User

FULL = "%Y-%m-%d %H:%M:%S"


def as_utc(moment: object) -> datetime | None:
    """A stored time (aware or naive-UTC datetime, or unix seconds) as an aware UTC datetime."""
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(moment, int | float) and not isinstance(moment, bool):
        return datetime.fromtimestamp(moment, UTC)
    return None


def request_zone(request: Request[Any, Any, Any]) -> tzinfo:
    """The zone of the person making this request: their own, else DISPLAY_TIMEZONE."""
    user = request.scope.get("user")
    own = user.time_zone if isinstance(user, User) else None
    resources = getattr(request.app.state, "resources", None)
    default = resources.settings.display_timezone if resources is not None else "UTC"
    return viewer_zone(own, default)


def zone_of(context: Context) -> tzinfo:
    """The viewer's zone for this rendering."""
    given = context.get("display_zone")
    if isinstance(given, tzinfo):
        return given
    request = context.get("request")
    return UTC if request is None else request_zone(request)


@pass_context
def local_time(context: Context, moment: object, fmt: str = FULL) -> Markup:
    """`<time datetime="…UTC…" title="… UTC">local text ZONE</time>`; an empty moment is "—"."""
    at = as_utc(moment)
    if at is None:
        return Markup("—")
    local = at.astimezone(zone_of(context))
    text = f"{local.strftime(fmt)} {local.tzname()}"
    return Markup('<time datetime="{}" title="{} UTC">{}</time>').format(
        at.isoformat(), at.strftime(FULL), text
    )


def add_time_filters(engine: JinjaTemplateEngine) -> None:
    """Gives templates the `local_time` filter."""
    engine.engine.filters["local_time"] = local_time
