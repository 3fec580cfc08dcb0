"""The checks of a station's input, into the column values stored.

Every field is checked, and every field at fault is reported at once (InputErrors), so the form
can show each message beside its field (`by_field()`).
"""

from __future__ import annotations

import dataclasses
import math
import re
import secrets
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from domain.config import Settings
from domain.handoff.switch import HandoffError, confine_handoff, confine_link
from domain.loops.files import PATH_MAX, LoopPathError, relative_to_root, stored_loop
from domain.models import SourceKind, Station, Transport, column_length
from domain.outbound.addresses import host_allowed, literal_address, refusal
from domain.stations.station_input import StationInput
from domain.tracklists.file_names import slug
from domain.validation import InputError, Refusals

# Lengths of the bounded columns, read from the model so a rule cannot drift from the schema: a
# longer value would otherwise reach the database and fail there, as a 500.
NAME_MAX = column_length(Station, "name")
SLUG_MAX = column_length(Station, "slug") - 10  # room for a "-NN" suffix
SHORTCODE_MAX = column_length(Station, "shortcode")
MOUNT_MAX = column_length(Station, "mount")
SECRET_MAX = column_length(Station, "webhook_secret")
TARGET_MAX = column_length(Station, "liquidsoap_target")
# The TEXT columns have no length; these bounds are ours. Every value is shown on the page, kept
# in the daemon's memory and sent about on each change, so none may be megabytes.
URL_MAX = 2048  # what browsers and most servers accept in a URL
API_KEY_MAX = 500
HOOK_COMMAND_MAX = 2000  # one command line, not a script
STREAMER_LOOPS_MAX = 20_000  # a couple of hundred "Streamer = loop.mp4" lines
STREAMER_NAME_MAX = 100
_NUMBER_MAX = 40  # longer than any number the form takes; a longer one is not repeated back
POLL_INTERVAL = (1.0, 3600.0, 10.0)  # minimum, maximum, default (seconds)
HOOK_TIMEOUT = (0.1, 300.0, 10.0)
SWITCH_OFFSET = (-60.0, 60.0, 0.0)
SECRET_MIN = 16
LIQUIDSOAP_MODES = ("var", "queue")
# Each text input's bound, as the form's maxlength: the browser stops typing where the rule
# below would refuse (the server checks all the same).
FIELD_MAX = {
    "name": NAME_MAX, "base_url": URL_MAX, "shortcode": SHORTCODE_MAX, "mount": MOUNT_MAX,
    "stream_id": _NUMBER_MAX, "api_key": API_KEY_MAX, "poll_interval": _NUMBER_MAX,
    "webhook_secret": SECRET_MAX, "live_loop": PATH_MAX, "streamer_loops": STREAMER_LOOPS_MAX,
    "offline_loop": PATH_MAX, "switch_offset": _NUMBER_MAX, "state_dir": PATH_MAX,
    "symlink_path": PATH_MAX, "hook_command": HOOK_COMMAND_MAX, "hook_timeout": _NUMBER_MAX,
    "liquidsoap_url": URL_MAX, "liquidsoap_target": TARGET_MAX,
}  # fmt: skip
_TARGET = re.compile(r"[A-Za-z0-9_.-]+")
_SHORTCODE = re.compile(r"[A-Za-z0-9_.-]+")
_SECRET = re.compile(r"[A-Za-z0-9_.~-]+")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
_KIND_LABELS = {"azuracast": "AzuraCast", "icecast": "Icecast", "shoutcast": "SHOUTcast"}


class StationError(InputError):
    """A station cannot be written as asked; `field` names the input at fault."""


def slugify(name: str) -> str:
    """The URL-safe form of a station name: lowercase a-z, 0-9 and single dashes."""
    return slug(name, SLUG_MAX) or "station"


def _number(field: str, label: str, raw: str, limits: tuple[float, float, float]) -> float:
    low, high, default = limits
    text = raw.strip()
    if not text:
        return default
    try:
        value = float(text) if len(text) <= _NUMBER_MAX else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise StationError(
            field, f"{label} must be a number from {low:g} to {high:g} (got {_quoted(text)})"
        )
    return value


def _quoted(text: str) -> str:
    """`text` quoted for a message, cut short: a refused value is repeated, not echoed whole."""
    return repr(text if len(text) <= _NUMBER_MAX else text[:_NUMBER_MAX] + "…")


def _bounded(field: str, label: str, text: str, limit: int) -> str:
    """`text` unchanged, or StationError when it is longer than `limit` characters."""
    if len(text) > limit:
        raise StationError(
            field, f"{label} must be at most {limit} characters (this one has {len(text)})"
        )
    return text


def _flag(field: str, label: str, raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise StationError(field, f"{label} must be on or off (1 or 0), not {_quoted(raw.strip())}")


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise StationError("name", "Name is required")
    return _bounded("name", "Name", name, NAME_MAX)


def _base_url(raw: str, settings: Settings) -> str:
    text = _bounded("base_url", "Base URL", raw.strip(), URL_MAX)
    if not text:
        raise StationError("base_url", "Base URL is required, e.g. https://radio.example.com")
    parts = _split_url(text)
    if parts is None:
        raise StationError("base_url", f"Base URL {text!r} is not a valid URL")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StationError(
            "base_url",
            f"Base URL must start with http:// or https:// and name a host (got {text!r})",
        )
    if parts.username is not None or parts.password is not None:
        # The URL is shown on the page and logged; a key belongs in the API key field.
        raise StationError(
            "base_url", "Base URL must not contain a user name or password: use the API key field"
        )
    if parts.query or parts.fragment:
        raise StationError("base_url", "Base URL must not have a ?query or #fragment")
    _check_host("base_url", "Base URL", parts.hostname, settings)
    return text.rstrip("/")


def _check_host(field: str, label: str, host: str, settings: Settings) -> None:
    """Refuse a host that is a forbidden address in any spelling, or not in the allowed list.

    Names are checked again on every connection, after DNS (domain/outbound/guard.py).
    """
    address = literal_address(host)
    why = refusal(address) if address is not None else None
    if why is not None:
        raise StationError(
            field,
            f"{label} must not point at {host}: {why}; use the station's own address"
            " (loopback and LAN addresses are fine)",
        )
    if not host_allowed(host, settings.station_allowed_hosts):
        allowed = ", ".join(settings.station_allowed_hosts)
        raise StationError(
            field, f"{label} host {host} is not in STATION_ALLOWED_HOSTS ({allowed})"
        )


def _split_url(text: str) -> SplitResult | None:
    """The parts of a URL, or None when it cannot be parsed (a bad port counts as that)."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    return parts


def _loop(field: str, label: str, raw: str, loops_root: Path) -> str | None:
    if not _bounded(field, label, raw.strip(), PATH_MAX):
        return None
    try:
        return stored_loop(loops_root, raw)
    except LoopPathError as error:
        raise StationError(field, f"{label}: {error}") from None


def _streamer_loops(raw: str, loops_root: Path) -> dict[str, str]:
    _bounded("streamer_loops", "Streamer loops", raw.strip(), STREAMER_LOOPS_MAX)
    loops: dict[str, str] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        streamer, sep, loop = line.rpartition("=")
        streamer = streamer.strip()
        if not sep or not streamer or not loop.strip():
            raise StationError(
                "streamer_loops",
                f"Streamer loops line {number} must read “Streamer name = loop.mp4”",
            )
        _bounded(
            "streamer_loops",
            f"Streamer loops line {number}: the streamer name",
            streamer,
            STREAMER_NAME_MAX,
        )
        label = f"Streamer loops line {number} ({streamer})"
        path = _loop("streamer_loops", label, loop, loops_root)
        assert path is not None
        loops[streamer] = path
    return loops


def _handoff_path(field: str, label: str, raw: str, handoff_root: Path) -> str | None:
    if not _bounded(field, label, raw.strip(), PATH_MAX):
        return None
    try:
        path = confine_handoff(handoff_root, raw, label)
    except HandoffError as error:
        raise StationError(field, str(error)) from None
    return relative_to_root(handoff_root, path)


def _symlink_path(raw: str, handoff_root: Path) -> str | None:
    """The link's folder is confined; the link itself is not resolved (it points at a loop)."""
    if not _bounded("symlink_path", "Symlink", raw.strip(), PATH_MAX):
        return None
    try:
        path = confine_link(handoff_root, raw, "Symlink")
    except HandoffError as error:
        raise StationError("symlink_path", str(error)) from None
    return relative_to_root(handoff_root, path)


def _hook_command(raw: str, settings: Settings) -> str | None:
    text = _bounded("hook_command", "Hook command", raw.strip(), HOOK_COMMAND_MAX)
    if not text:
        return None
    if not settings.allow_command_hooks:
        raise StationError(
            "hook_command",
            "Hook command: command hooks are switched off on this server; leave it blank, or"
            " have the operator set ALLOW_COMMAND_HOOKS=1 in the environment",
        )
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise StationError("hook_command", f"Hook command cannot be parsed: {error}") from None
    if not words:
        raise StationError("hook_command", "Hook command names no program")
    return text


def _liquidsoap_url(raw: str, settings: Settings) -> str | None:
    text = _bounded("liquidsoap_url", "Liquidsoap URL", raw.strip(), URL_MAX)
    if not text:
        return None
    parts = _split_url(text)
    if (
        parts is not None
        and parts.hostname
        and ((parts.scheme == "telnet" and parts.port) or parts.scheme in ("http", "https"))
    ):
        _check_host("liquidsoap_url", "Liquidsoap URL", parts.hostname, settings)
        return text
    raise StationError(
        "liquidsoap_url",
        "Liquidsoap URL must be telnet://host:port or an http(s):// URL (AzuraCast's …/telnet)"
        f" (got {text!r})",
    )


def _secret(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    if len(text) < SECRET_MIN or len(text) > SECRET_MAX or not _SECRET.fullmatch(text):
        raise StationError(
            "webhook_secret",
            f"Webhook secret must be {SECRET_MIN}-{SECRET_MAX} characters of A-Z, a-z, 0-9, _ . ~ -"
            " (leave it blank to have one generated)",
        )
    return text


def _kind(raw: str) -> str:
    kind = raw.strip().lower()
    if kind not in tuple(SourceKind):
        raise StationError("kind", "Source must be one of azuracast, icecast, shoutcast")
    return kind


def _shortcode(raw: str) -> str:
    shortcode = _bounded("shortcode", "AzuraCast shortcode", raw.strip(), SHORTCODE_MAX)
    if not _SHORTCODE.fullmatch(shortcode):
        raise StationError(
            "shortcode",
            "AzuraCast stations need their shortcode (letters, digits, _ . -), as in"
            " /api/nowplaying/SHORTCODE",
        )
    return shortcode


def _mount(raw: str) -> str:
    mount = _bounded("mount", "Icecast mount", raw.strip(), MOUNT_MAX)
    if not mount.startswith("/") or len(mount) < 2 or " " in mount:
        raise StationError("mount", "Icecast stations need their mount, e.g. /radio.mp3")
    return mount


def _stream_id(raw: str) -> int:
    text = raw.strip() or "1"
    # ASCII digits only: str.isdigit() takes "²", which int() refuses.
    if not re.fullmatch(r"[0-9]{1,4}", text) or not 1 <= int(text) <= 1000:
        raise StationError(
            "stream_id", f"Stream id must be a whole number from 1 to 1000 (got {_quoted(text)})"
        )
    return int(text)


def _transport(raw: str, kind: str | None) -> str:
    transport = raw.strip().lower() or (
        Transport.PUSH if kind == SourceKind.AZURACAST else Transport.POLL
    )
    if transport not in tuple(Transport):
        raise StationError("transport", "Transport must be one of push, poll, webhook")
    if kind is not None and kind != SourceKind.AZURACAST and transport != Transport.POLL:
        raise StationError(
            "transport", f"{_KIND_LABELS[kind]} stations are polled: choose the transport poll"
        )
    return transport


def _api_key(data: StationInput, current: Station | None, base_url: str | None) -> str | None:
    api_key = _bounded("api_key", "API key", data.api_key.strip(), API_KEY_MAX) or None
    if api_key is not None and not api_key.isprintable():
        raise StationError("api_key", "API key must be one line of printable characters")
    if (
        api_key is None
        and current is not None
        and current.base_url == base_url
        and not _flag("clear_api_key", "", data.clear_api_key)
    ):
        return current.api_key
    return api_key


def _liquidsoap_mode(raw: str) -> str:
    mode = raw.strip().lower() or "var"
    if mode not in LIQUIDSOAP_MODES:
        raise StationError("liquidsoap_mode", "Liquidsoap mode must be var or queue")
    return mode


def _liquidsoap_target(raw: str, url: str | None, mode: str | None) -> str | None:
    target = _bounded(
        "liquidsoap_target", "Liquidsoap variable or queue name", raw.strip(), TARGET_MAX
    )
    if url is None:
        return None  # no Liquidsoap: the name is not used
    if not _TARGET.fullmatch(target):
        what = "interactive variable" if mode != "queue" else "queue"
        raise StationError(
            "liquidsoap_target",
            f"Liquidsoap needs the name of the {what} (letters, digits, _ . -)",
        )
    return target


def _symlink(raw: str, handoff_root: Path) -> str | None:
    symlink = _symlink_path(raw, handoff_root)
    if symlink is not None and not symlink.lower().endswith(".mp4"):
        raise StationError("symlink_path", "Symlink must end in .mp4, e.g. current.mp4")
    return symlink


def _no_nul(field: str, value: str) -> None:
    """PostgreSQL's text cannot hold a NUL: refused here rather than as a 500 on the insert."""
    if "\x00" in value:
        raise StationError(field, f"{field} must not contain a NUL character (\\x00)")


def validate_source(
    data: StationInput, settings: Settings, current: Station | None = None
) -> dict[str, Any]:
    """The source's values alone (kind, base URL, its own field, API key), or the refusal
    (a StationError; InputErrors when several fields are at fault).

    What Test connection needs: the other fields may still be unfinished.
    """
    refusals = Refusals()
    values = _source_values(refusals, data, settings, current)
    refusals.raise_any()
    return values


def _source_values(
    refusals: Refusals, data: StationInput, settings: Settings, current: Station | None
) -> dict[str, Any]:
    """The source's values (None where refused, the refusals kept), in the form's order. Only
    the chosen source's own field (shortcode, mount or stream id) is checked."""
    check = refusals.check
    kind = check(_kind, data.kind)
    base_url = check(_base_url, data.base_url, settings)
    return {
        "kind": kind,
        "base_url": base_url,
        "shortcode": check(_shortcode, data.shortcode) if kind == SourceKind.AZURACAST else None,
        "mount": check(_mount, data.mount) if kind == SourceKind.ICECAST else None,
        "stream_id": check(_stream_id, data.stream_id) if kind == SourceKind.SHOUTCAST else 1,
        "api_key": check(_api_key, data, current, base_url),
    }


def validate(
    data: StationInput, settings: Settings, current: Station | None = None
) -> dict[str, Any]:
    """The column values for `data`, or the refusal: a StationError, or
    InputErrors naming every field at fault.

    `current` is the row being edited (its API key and webhook secret are kept when left blank,
    but the API key only while the base URL stays: it is never sent to a new host unasked).
    Only the chosen source's own field (shortcode, mount or stream id) is checked.
    """
    refusals = Refusals()
    check = refusals.check
    for field in dataclasses.fields(data):
        check(_no_nul, field.name, getattr(data, field.name))
    # In the form's order, so that the first error named is the first field at fault.
    name = check(_name, data.name)
    source = _source_values(refusals, data, settings, current)
    transport = check(_transport, data.transport, source["kind"])
    poll_interval = check(
        _number, "poll_interval", "Poll interval", data.poll_interval, POLL_INTERVAL
    )
    secret = check(_secret, data.webhook_secret) or (current.webhook_secret if current else None)
    if transport == Transport.WEBHOOK and secret is None:
        secret = secrets.token_urlsafe(24)
    loops_root, handoff_root = settings.loops_path, settings.handoff_path
    live_loop = check(_loop, "live_loop", "Live loop", data.live_loop, loops_root)
    streamer_loops = check(_streamer_loops, data.streamer_loops, loops_root)
    offline_loop = check(_loop, "offline_loop", "Offline loop", data.offline_loop, loops_root)
    switch_offset = check(
        _number, "switch_offset", "Switch offset", data.switch_offset, SWITCH_OFFSET
    )
    state_dir = check(_handoff_path, "state_dir", "State folder", data.state_dir, handoff_root)
    write_text_file = check(_flag, "write_text_file", "Text file", data.write_text_file)
    symlink_path = check(_symlink, data.symlink_path, handoff_root)
    hook_command = check(_hook_command, data.hook_command, settings)
    hook_timeout = check(_number, "hook_timeout", "Hook timeout", data.hook_timeout, HOOK_TIMEOUT)
    liquidsoap_url = check(_liquidsoap_url, data.liquidsoap_url, settings)
    mode = check(_liquidsoap_mode, data.liquidsoap_mode)
    target = check(_liquidsoap_target, data.liquidsoap_target, liquidsoap_url, mode)
    refusals.raise_any()
    return {
        "name": name,
        **source,
        "transport": transport,
        "poll_interval": poll_interval,
        "webhook_secret": secret,
        "live_loop": live_loop,
        "streamer_loops": streamer_loops,
        "offline_loop": offline_loop,
        "switch_offset": switch_offset,
        "state_dir": state_dir,
        "write_text_file": write_text_file,
        "symlink_path": symlink_path,
        "hook_command": hook_command,
        "hook_timeout": hook_timeout,
        "liquidsoap_url": liquidsoap_url,
        "liquidsoap_mode": mode,
        "liquidsoap_target": target,
    }
