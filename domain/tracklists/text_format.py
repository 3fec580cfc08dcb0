"""Tracklists as plain text: what DJs paste, and the plain-text export.

One track per line, in the site's export format:

    [0:00:00] ARTBAT - Horizon [UPPERGROUND]
    [0:03:24] Tale Of Us & Mind Against - Astral (Afterlife Remix) [AFTERLIFE]
    w/ Someone - Acapella
    [0:07:10] ID - ID
    + Part A - Song A

A cue `[h:mm:ss]` or `[mm:ss]` (minutes may pass 59: `[104:18]`; the brackets may be left out,
as video descriptions do: `05:00 Artist - Title`) and a position "01." are optional, in either
order; `w/ ` marks a row played with the previous one, `+ ` a part of the
mashup above (neither has a cue or a number of its own); `(…)` ending the title is the remix,
`[…]` ending the line the label; "ID" is an unknown artist or title; `[?]` an unknown cue.
Plain "Artist - Title" lines work too; blank lines are skipped. The edit note is not part of
this format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.tracklists.model import ID, ParsedTrack, ParsedTracklist


@dataclass(frozen=True, slots=True)
class TextLineError:
    line: int  # 1-based
    text: str
    message: str  # what is wrong, without the line number (each front puts it its own way)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class TextParse:
    tracks: tuple[ParsedTrack, ...]
    errors: tuple[TextLineError, ...]
    lines: tuple[int, ...] = ()  # the line (1-based) each track was read from


# A cue in brackets, or a bare clock followed by a space, the way video and mix-site descriptions
# write it ("05:00 Artist - Title", "05:00 - Artist - Title", "05:00 | Artist - Title").
_BARE_CUE = r"(?P<bare>\d{1,3}:[0-5]\d(?::[0-5]\d)?)(?:\s+[-\u2013|](?=\s))?(?=\s)"
_CUE = rf"(?:\[(?P<cue>[^\]]*)\]|{_BARE_CUE})"
_NUMBER = r"(?P<number>\d{1,4})[.)]"
_LEAD = re.compile(
    rf"^(?:{_NUMBER}\s*)?(?:{_CUE}\s*)?(?:(?P<number2>\d{{1,4}})[.)]\s*)?"
    r"(?:(?P<with>w/)\s*|(?P<mashup>\+)\s+)?"
)
_LABEL = re.compile(r"\s*\[([^\[\]]*)\]\s*$")
_REMIX = re.compile(r"\s*\(([^()]*)\)\s*$")
_NO_CUE = re.compile(r"^[\s?:\-]*$")  # "[?]", "[--:--]", "[]": the cue is unknown
_CLOCK = re.compile(r"^(?:(\d+):([0-5]\d):([0-5]\d)|(\d+):([0-5]\d))$")


def parse_text(text: str) -> TextParse:
    """Pasted lines → tracks; each line that is not a track is an error naming the line."""
    tracks: list[ParsedTrack] = []
    errors: list[TextLineError] = []
    lines: list[int] = []
    last_position = 0
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = " ".join(raw.split())
        if not line:
            continue
        try:
            track = _parse_line(line, last_position)
        except ValueError as error:
            errors.append(TextLineError(number, raw, str(error)))
            continue
        if track.position is not None:
            last_position = track.position
        tracks.append(track)
        lines.append(number)
    return TextParse(tuple(tracks), tuple(errors), tuple(lines))


def _parse_line(line: str, last_position: int) -> ParsedTrack:
    lead = _LEAD.match(line)
    assert lead is not None  # every part of it is optional
    rest = line[lead.end() :]
    with_previous, mashup = bool(lead["with"]), bool(lead["mashup"])
    written_cue = lead["cue"] if lead["cue"] is not None else lead["bare"]
    cue = _cue_seconds(written_cue) if written_cue is not None else None  # "[?]": no cue
    if cue is not None and (with_previous or mashup):
        kind = '"w/"' if with_previous else 'a "+" mashup part'
        shown = f"[{written_cue}]" if lead["cue"] is not None else written_cue
        raise ValueError(f"{kind} row has no cue of its own: remove {shown}")
    written = lead["number"] or lead["number2"]
    position: int | None = None
    if not (with_previous or mashup):
        position = int(written) if written else last_position + 1

    label = None
    if found := _LABEL.search(rest):
        label, rest = found.group(1).strip() or None, rest[: found.start()]
    artist, separator, title = f" {rest} ".partition(" - ")  # " - Title", "A -": empty part
    if not separator:
        raise ValueError(
            f'"{rest}" has no " - " between artist and title'
            ' (expected "Artist - Title", or "ID - ID" for an unknown track)'
        )
    remix = None
    if found := _REMIX.search(title):
        remix, title = found.group(1).strip() or None, title[: found.start()]
    artist, title = artist.strip(), title.strip()
    if not artist or not title:
        missing = "artist" if not artist else "title"
        raise ValueError(f'the {missing} is empty (write "ID" for an unknown {missing})')
    return ParsedTrack(
        position=position,
        with_previous=with_previous,
        cue_seconds=cue,
        artist=artist,
        title=title,
        remix=remix,
        label=label,
        is_id=ID in (artist, title),
        mashup=mashup,
    )


def _cue_seconds(text: str) -> int | None:
    if _NO_CUE.match(text):
        return None
    found = _CLOCK.match(text.strip())
    if not found:
        raise ValueError(f'cue "[{text}]" is not a time: write [h:mm:ss] or [mm:ss]')
    hours, minutes, seconds, short_minutes, short_seconds = found.groups()
    if short_minutes is not None:
        return int(short_minutes) * 60 + int(short_seconds)
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def format_text(tracklist: ParsedTracklist) -> str:
    """The tracks in the same format, one line each; `parse_text` reads them back unchanged."""
    return "".join(format_line(track) + "\n" for track in tracklist.tracks)


def format_line(track: ParsedTrack) -> str:
    """One track as a line of the text format."""
    if track.with_previous:
        lead = "w/ "
    elif track.mashup:
        lead = "+ "
    elif track.cue_seconds is not None:
        lead = f"[{_clock(track.cue_seconds)}] "
    else:
        lead = ""
    line = f"{lead}{_one_line(track.artist) or ID} - {_one_line(track.title) or ID}"
    if track.remix:
        line += f" ({_one_line(track.remix)})"
    if track.label:
        line += f" [{_one_line(track.label)}]"
    return line


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())
