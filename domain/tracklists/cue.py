"""CUE sheets for a recorded mix: one FILE, one TRACK per main row (docs/architecture.md).

What the sheets look like, and the choices behind them:

- `INDEX nn mm:ss:ff` at 75 frames per second; minutes run past 99 (`104:18:00`), never hours.
  `INDEX 00 00:00:00` precedes the first track when it starts after 0.
- Only main rows are tracks. A "w/" row joins its parent's TITLE as ` w/ Artist - Title (Remix)`
  and a mashup part as ` + Artist - Title (Remix)`. An unknown artist or title is "ID". A "w/" row
  or mashup part with no row before it becomes a track of its own (warned).
- A string cannot escape a quote, so `"` becomes `'`; line breaks, tabs and other control
  characters become spaces.
- TITLE and PERFORMER hold at most 80 characters (CD-Text, counted in characters): a longer text is
  cut to 79 and ends with "…", and the full text goes into a `REM COMMENT` line.
- Only `REM GENRE`, `REM DATE` and `REM COMMENT` are written, because strict readers refuse other
  REM keys; so every note about the disc or a track is one `REM COMMENT`, its parts joined by " | "
  (the disc's starts with the source URL; a track's with "cue interpolated" when it is a guess).
  `REM DATE` is the year alone: readers expect a year (EAC writes one; some refuse anything else),
  and the site's titles carry the full date.
- Lines end with CRLF, as EAC and Windows players write them and every reader accepts; no blank
  lines; UTF-8, with a byte order mark when asked.
- Cues must rise strictly. The longest rising run of cues is kept (earlier rows win ties); the other
  cues are treated as missing and warned about.
- Rows without a cue are interpolated (linearly between the known cues, in whole seconds when there
  is room; after the last known cue, spaced by the median known track length, or 5 minutes when no
  track length is known; track 1 starts at 0) and marked, or left out; both are warned about.
  No cue at all, or none after track 1's 0:00 (a page without cues), is refused: there is nothing
  to place the tracks by.
- More than 99 main tracks: refused, or split into sheets of at most 99 tracks of even size, each a
  full sheet on the same audio file with absolute times, named `stem (part 1 of 4).cue` and titled
  `Title (part 1 of 4)`.
- The default audio file is an ASCII slug of the title (`tracklist-<site id>` when the title has no
  Latin letters) plus `.wav` or `.mp3`; the sheet is named after the audio file's stem. A given
  file name holding a double quote or a control character is refused (a sheet cannot name it).
"""

from __future__ import annotations

import codecs
import re
import statistics
from bisect import bisect_left
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from pathlib import PurePosixPath

from domain.tracklists.file_names import tracklist_slug
from domain.tracklists.model import ID, ParsedTrack, ParsedTracklist, format_cue

FRAMES_PER_SECOND = 75
MAX_TRACKS = 99  # libcue and DeaDBeeF reject more
CD_TEXT_LIMIT = 80
DEFAULT_TRACK_SECONDS = 300  # spacing after the last cue when no track length is known
_CUT_MARK = "…"
_NEWLINE = "\r\n"
_LISTED_ROWS = 30  # a warning names at most this many rows
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class MissingCues(StrEnum):
    INTERPOLATE = "interpolate"
    OMIT = "omit"


class TooManyTracks(StrEnum):
    SPLIT = "split"
    REFUSE = "refuse"


class FileType(StrEnum):
    WAVE = "WAVE"
    MP3 = "MP3"


@dataclass(frozen=True, slots=True)
class CueOptions:
    file_name: str | None = None  # the audio file named in FILE; default: slug of title + .wav/.mp3
    file_type: FileType = FileType.WAVE
    bom: bool = False
    missing: MissingCues = MissingCues.INTERPOLATE
    too_many: TooManyTracks = TooManyTracks.REFUSE


@dataclass(frozen=True, slots=True)
class CueFile:
    name: str
    text: str
    bom: bool

    def encoded(self) -> bytes:
        """The file's bytes: UTF-8, the byte order mark first when `bom`."""
        data = self.text.encode("utf-8")
        return codecs.BOM_UTF8 + data if self.bom else data


@dataclass(frozen=True, slots=True)
class CueExport:
    files: tuple[CueFile, ...]
    warnings: tuple[str, ...]
    stem: str = "tracklist"  # the audio file's name without its extension: downloads are named so


class CueRefused(Exception):
    """No valid CUE sheet can be made of this tracklist with these options; the message says why."""


@dataclass(slots=True)
class _Track:
    """One TRACK of the sheet: a main row and the rows joined into its title."""

    row: int  # 1-based place of its main row in the tracklist
    main: ParsedTrack
    joined: list[ParsedTrack] = field(default_factory=list)
    seconds: int | None = None  # the usable cue, once known
    frames: int | None = None  # the INDEX 01 time, once placed
    interpolated: bool = False

    @property
    def shown(self) -> str:
        """The row's number as the tracklist table shows it (its position), which warnings name:
        the place in the list counts "w/" rows, the table's numbers do not."""
        if self.main.position is not None:
            return str(self.main.position)
        return f"#{self.row} (unnumbered)"


def build_cue(tracklist: ParsedTracklist, options: CueOptions = CueOptions()) -> CueExport:
    """The CUE sheet(s) of a tracklist, with warnings; raises CueRefused when no valid sheet can be
    made (no tracks, no cue times, more than 99 tracks with REFUSE, a bad file name)."""
    audio_name = _audio_name(tracklist, options)
    warnings: list[str] = []
    tracks = _group(tracklist.tracks, warnings)
    if not tracks:
        raise CueRefused("the tracklist has no tracks: a CUE sheet needs at least one")
    _take_usable_cues(tracks, options.missing, warnings)
    if options.missing is MissingCues.INTERPOLATE:
        tracks = _interpolate(tracks, warnings)
    else:
        tracks = _omit(tracks, warnings)
    parts = _split(tracks, options.too_many, warnings)

    stem = PurePosixPath(audio_name.replace("\\", "/")).stem or "tracklist"
    disc = _Disc.of(tracklist, audio_name, options.file_type)
    files = []
    for number, part in enumerate(parts, start=1):
        suffix = f" (part {number} of {len(parts)})" if len(parts) > 1 else ""
        files.append(CueFile(f"{stem}{suffix}.cue", disc.render(part, suffix), options.bom))
    return CueExport(tuple(files), tuple(warnings), stem)


# Rows → tracks ----------------------------------------------------------------------------------


def _group(rows: tuple[ParsedTrack, ...], warnings: list[str]) -> list[_Track]:
    tracks: list[_Track] = []
    for number, row in enumerate(rows, start=1):
        if not (row.with_previous or row.mashup):
            tracks.append(_Track(number, row))
        elif tracks:
            tracks[-1].joined.append(row)
        else:
            kind = "mashup part" if row.mashup else '"w/" row'
            warnings.append(
                # Only the first row can have no row before it; the table numbers it "w/".
                f"the first row ({row.display}) is a {kind} with no row before it to join:"
                " made a track of its own"
            )
            tracks.append(_Track(number, row))
    return tracks


def _take_usable_cues(tracks: list[_Track], missing: MissingCues, warnings: list[str]) -> None:
    """Set `seconds` on the tracks whose cue can be used: the longest strictly rising run of cues
    (earlier rows win ties); warn about the others. Refuse when nothing after 0:00 is known."""
    known: list[_Track] = []
    for track in tracks:
        cue = track.main.cue_seconds
        if cue is None:
            continue
        if cue < 0:
            warnings.append(f"{_name(track)}: cue {cue} s is negative: treated as missing")
            continue
        known.append(track)
    if not known:
        raise CueRefused(_no_cues_reason(missing, only_zero=False))
    # Track 1 starts at 0 when nobody says otherwise; pinning it first lets a later "0:00" lose.
    pinned = missing is MissingCues.INTERPOLATE and tracks[0].main.cue_seconds is None
    candidates = [tracks[0], *known] if pinned else known
    values = [0 if pinned and i == 0 else t.main.cue_seconds or 0 for i, t in enumerate(candidates)]
    keep = _rising(values)
    for index, track in enumerate(candidates):
        if index in keep:
            track.seconds = values[index]
            track.interpolated = pinned and index == 0
        else:
            warnings.append(f"{_name(track)}: {_out_of_order(values, keep, index)}")
    if len(tracks) > 1 and all(not t.seconds for t in tracks):
        raise CueRefused(_no_cues_reason(missing, only_zero=True))


def _rising(values: list[int]) -> set[int]:
    """Indices of the longest strictly rising subsequence of `values`; the earliest on ties."""
    # longest[i]: length of the longest rising run starting at i (found right to left).
    longest = [0] * len(values)
    tails: list[int] = []
    for i in range(len(values) - 1, -1, -1):
        negated = -values[i]
        at = bisect_left(tails, negated)
        if at == len(tails):
            tails.append(negated)
        else:
            tails[at] = negated
        longest[i] = at + 1
    keep: set[int] = set()
    need, last = len(tails), -1
    for i, value in enumerate(values):
        if need and longest[i] >= need and value > last:
            keep.add(i)
            last = value
            need -= 1
    return keep


def _out_of_order(values: list[int], keep: set[int], index: int) -> str:
    cue = values[index]
    before = [values[i] for i in keep if i < index]
    after = [values[i] for i in keep if i > index]
    if before and cue <= max(before):
        reason = f"is not after the earlier cue {format_cue(max(before))}"
    elif after:
        reason = f"is not before the later cue {format_cue(min(after))}"
    else:  # cannot happen: such a cue would have lengthened the kept run
        reason = "is out of order"
    return f"cue {format_cue(cue)} {reason}: treated as missing"


def _no_cues_reason(missing: MissingCues, *, only_zero: bool) -> str:
    if not only_zero:
        what = "no row has a cue time"
        omitted = "no track"
    else:
        what = "no row has a cue time after 0:00"
        omitted = "only the first track"
    if missing is MissingCues.INTERPOLATE:
        return f"{what}: nothing to interpolate from"
    return f"{what}: leaving out the rows without one would leave {omitted}"


def _interpolate(tracks: list[_Track], warnings: list[str]) -> list[_Track]:
    anchors = [i for i, t in enumerate(tracks) if t.seconds is not None]
    guessed: list[_Track] = [t for t in tracks if t.interpolated]
    no_room: list[_Track] = []
    for start, end in pairwise(anchors):
        gap = tracks[start + 1 : end]
        if not gap:
            continue
        first, last = tracks[start].seconds or 0, tracks[end].seconds or 0
        steps = end - start
        if last - first >= steps:  # whole seconds fit
            times = [
                (first + (last - first) * k // steps) * FRAMES_PER_SECOND for k in range(1, steps)
            ]
        else:  # fewer seconds than tracks between the cues: place them on frames
            span = (last - first) * FRAMES_PER_SECOND
            if span < steps:
                no_room.extend(gap)
                continue
            times = [first * FRAMES_PER_SECOND + span * k // steps for k in range(1, steps)]
        for track, frames in zip(gap, times, strict=True):
            track.frames, track.interpolated = frames, True
            guessed.append(track)
    tail = tracks[anchors[-1] + 1 :]
    if tail:
        length, known_lengths = _track_length(tracks)
        last_cue = tracks[anchors[-1]].seconds or 0
        for k, track in enumerate(tail, start=1):
            track.frames = (last_cue + length * k) * FRAMES_PER_SECOND
            track.interpolated = True
            guessed.append(track)
        source = "the median known track length" if known_lengths else "no track length is known"
        warnings.append(
            f"{_rows(tail)}, after the last cue {format_cue(last_cue)}, placed"
            f" {format_cue(length)} apart ({source})"
        )
    for index in anchors:
        tracks[index].frames = (tracks[index].seconds or 0) * FRAMES_PER_SECOND
    if guessed:
        guessed.sort(key=lambda t: t.row)
        warnings.append(
            f"{_rows(guessed)} without a usable cue time: interpolated, and marked"
            " 'cue interpolated' in the sheet"
        )
    if no_room:
        warnings.append(
            f"{_rows(no_room)}: no room between the cues around them to place them: left out"
        )
    return [t for t in tracks if t.frames is not None]


def _track_length(tracks: list[_Track]) -> tuple[int, bool]:
    """Seconds between tracks after the last cue: the median of the known lengths (a track with a
    real cue followed by one), else the default; and whether any length was known."""
    lengths = [
        b.seconds - a.seconds
        for a, b in pairwise(tracks)
        if a.seconds is not None and b.seconds is not None and not a.interpolated
    ]
    if not lengths:
        return DEFAULT_TRACK_SECONDS, False
    return max(1, round(statistics.median(lengths))), True


def _omit(tracks: list[_Track], warnings: list[str]) -> list[_Track]:
    left_out = [t for t in tracks if t.seconds is None]
    if left_out:
        warnings.append(f"{_rows(left_out)} without a usable cue time: left out of the sheet")
    kept = [t for t in tracks if t.seconds is not None]
    for track in kept:
        track.frames = (track.seconds or 0) * FRAMES_PER_SECOND
    return kept


def _split(
    tracks: list[_Track], too_many: TooManyTracks, warnings: list[str]
) -> list[list[_Track]]:
    count = len(tracks)
    if count <= MAX_TRACKS:
        return [tracks]
    parts = -(-count // MAX_TRACKS)
    if too_many is TooManyTracks.REFUSE:
        raise CueRefused(
            f"{count} tracks: a CUE sheet holds at most {MAX_TRACKS} (players reject more);"
            f" choose split to get {parts} sheets"
        )
    size, extra = divmod(count, parts)
    chunks, start = [], 0
    for number in range(parts):
        end = start + size + (1 if number < extra else 0)
        chunks.append(tracks[start:end])
        start = end
    warnings.append(
        f"{count} tracks: split into {parts} CUE sheets of at most {MAX_TRACKS} tracks,"
        " each on the whole audio file"
    )
    return chunks


def _name(track: _Track) -> str:
    return f"row {track.shown} ({track.main.display})"


def _rows(tracks: list[_Track]) -> str:
    numbers = [t.shown for t in tracks]
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    if len(numbers) > _LISTED_ROWS:
        shown = ", ".join(numbers[:_LISTED_ROWS])
        return f"{len(numbers)} rows ({shown} and {len(numbers) - _LISTED_ROWS} more)"
    return f"rows {', '.join(numbers[:-1])} and {numbers[-1]}"


# Text -------------------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    """One line of text a quoted CUE string can hold."""
    if not text:
        return ""
    return " ".join(_CONTROL.sub(" ", text).replace('"', "'").split())


def _cd_text(text: str, limit: int = CD_TEXT_LIMIT) -> tuple[str, bool]:
    """`text` within the CD-Text limit, and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rstrip() + _CUT_MARK, True


def _song(track: ParsedTrack) -> str:
    title = _clean(track.title) or ID
    remix = _clean(track.remix)
    return f"{title} ({remix})" if remix else title


def _credit(track: ParsedTrack) -> str:
    return _clean(track.artist) or ID


def _quoted(text: str) -> str:
    return f'"{text}"'


def _index(frames: int) -> str:
    minutes, rest = divmod(frames, 60 * FRAMES_PER_SECOND)
    seconds, frame = divmod(rest, FRAMES_PER_SECOND)
    return f"{minutes:02d}:{seconds:02d}:{frame:02d}"


def _shown(label: str, text: str, notes: list[str], limit: int = CD_TEXT_LIMIT) -> str:
    """`text` as TITLE or PERFORMER shows it; when cut, the full text joins the REM COMMENT."""
    shown, cut = _cd_text(text, limit)
    if cut:
        notes.append(f"full {label}: {text}")
    return shown


def _track_lines(number: int, track: _Track, first: bool) -> list[str]:
    title = _song(track.main) + "".join(
        f" {'+' if row.mashup else 'w/'} {_credit(row)} - {_song(row)}" for row in track.joined
    )
    notes = ["cue interpolated"] if track.interpolated else []
    lines = [
        f"  TRACK {number:02d} AUDIO",
        f"    TITLE {_quoted(_shown('title', title, notes))}",
        f"    PERFORMER {_quoted(_shown('performer', _credit(track.main), notes))}",
    ]
    if notes:
        lines.append(f"    REM COMMENT {_quoted(' | '.join(notes))}")
    frames = track.frames or 0
    if first and frames > 0:
        lines.append("    INDEX 00 00:00:00")
    lines.append(f"    INDEX 01 {_index(frames)}")
    return lines


@dataclass(frozen=True, slots=True)
class _Disc:
    """What every sheet of a tracklist shares: the disc-level text and the FILE line."""

    rems: tuple[str, ...]
    url: str
    performer: str
    title: str
    file_line: str

    @classmethod
    def of(cls, tracklist: ParsedTracklist, audio_name: str, file_type: FileType) -> _Disc:
        rems = []
        genre = _clean(", ".join(tracklist.genres))
        if genre:
            rems.append(f"REM GENRE {_quoted(genre)}")
        if tracklist.date:
            rems.append(f"REM DATE {tracklist.date.year}")
        return cls(
            rems=tuple(rems),
            url=_clean(tracklist.url),
            performer=_clean(" & ".join(tracklist.djs)),
            title=_clean(tracklist.title),
            file_line=f"FILE {_quoted(audio_name)} {file_type.value}",
        )

    def render(self, tracks: list[_Track], part: str) -> str:
        """One sheet; `part` (" (part 1 of 4)" or "") ends its TITLE."""
        notes = [self.url] if self.url else []
        performer = self.performer and _shown("performer", self.performer, notes)
        title = part.strip()
        if self.title:
            title = _shown("title", self.title, notes, CD_TEXT_LIMIT - len(part)) + part
        lines = list(self.rems)
        if notes:
            lines.append(f"REM COMMENT {_quoted(' | '.join(notes))}")
        if performer:
            lines.append(f"PERFORMER {_quoted(performer)}")
        if title:
            lines.append(f"TITLE {_quoted(title)}")
        lines.append(self.file_line)
        for number, track in enumerate(tracks, start=1):
            lines.extend(_track_lines(number, track, number == 1))
        return _NEWLINE.join(lines) + _NEWLINE


# File names -------------------------------------------------------------------------------------


def _audio_name(tracklist: ParsedTracklist, options: CueOptions) -> str:
    extension = ".wav" if options.file_type is FileType.WAVE else ".mp3"
    if options.file_name is None:
        return tracklist_slug(tracklist) + extension
    name = options.file_name.strip()
    if not name:
        raise CueRefused(
            "the audio file name is empty: give one such as 'mix" + extension + "',"
            " or none for the default"
        )
    if '"' in name or _CONTROL.search(name):
        raise CueRefused(
            f"the audio file name {name!r} contains a double quote or a control character,"
            " which a CUE sheet cannot hold: rename the file, e.g. to 'mix" + extension + "'"
        )
    return name
