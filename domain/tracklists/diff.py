"""What changed between two versions of a tracklist: rows added, removed and changed (with the
fields that changed), and metadata changes, plus the one-line summary a version keeps.

Rows are aligned with difflib's SequenceMatcher over "display text + cue"; rows that still differ
inside a replaced stretch are aligned again by display text alone (a moved cue is a changed row,
not a removal and an addition), then paired by what they have in common (artist, title, label,
cue, ...); rows with nothing in common are paired in order, and the rest are added or removed.
A row removed in one place and added in another (the same artist, title and remix) is one row
moved. A number that only follows the order (the row is the Nth numbered row, numbered N, on
both sides) is not a change: moving, adding or deleting a row renumbers the rows after it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from enum import StrEnum

from domain.tracklists.model import TRACK_FIELDS, ParsedTrack, ParsedTracklist
from domain.tracklists.numbering import ranks

# Metadata fields compared, with the label a person reads.
META_FIELDS = (
    ("title", "title"),
    ("djs", "DJs"),
    ("source", "source"),
    ("date", "date"),
    ("genres", "genres"),
    ("claimed_track_count", "track count"),
)


# Row fields as a person reads them in a diff; the others are their name with spaces.
_TRACK_LABELS = {"cue_seconds": "cue", "is_id": "ID"}

# What makes two rows the same track for pairing them up (position and flags do not).
_LIKENESS_FIELDS = ("artist", "title", "remix", "label", "cue_seconds", "url")


class RowChangeKind(StrEnum):
    SAME = "same"
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    MOVED = "moved"


@dataclass(frozen=True, slots=True)
class RowChange:
    """One row of the diff: `old`/`new` (and their indexes) are None on the side it is missing."""

    kind: RowChangeKind
    old_index: int | None
    new_index: int | None
    old: ParsedTrack | None
    new: ParsedTrack | None
    fields: tuple[str, ...] = ()  # the ParsedTrack fields that differ (CHANGED and MOVED)

    @property
    def labelled_fields(self) -> tuple[tuple[str, str], ...]:
        """(field, label) of each changed field: ("cue_seconds", "cue"), ("title", "title")."""
        return tuple((name, field_label(name)) for name in self.fields)


@dataclass(frozen=True, slots=True)
class MetaChange:
    """A metadata field as text, before and after ("" when empty)."""

    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """The diff of version `new_number` against `old_number` (None: against nothing)."""

    old_number: int | None
    new_number: int | None
    rows: tuple[RowChange, ...]
    metadata: tuple[MetaChange, ...]

    def count(self, kind: RowChangeKind) -> int:
        return sum(1 for row in self.rows if row.kind is kind)

    @property
    def changed(self) -> bool:
        return bool(self.metadata) or any(row.kind is not RowChangeKind.SAME for row in self.rows)

    @property
    def summary(self) -> str:
        """ "2 rows changed, 1 added, title changed", or "no changes"."""
        parts: list[str] = []
        kinds = (RowChangeKind.CHANGED, RowChangeKind.MOVED, RowChangeKind.ADDED)
        for kind in (*kinds, RowChangeKind.REMOVED):
            number = self.count(kind)
            if number:
                noun = "" if parts else (" row" if number == 1 else " rows")
                parts.append(f"{number}{noun} {kind.value}")
        parts.extend(f"{change.label} changed" for change in self.metadata)
        return ", ".join(parts) or "no changes"


def diff_tracklists(
    old: ParsedTracklist | None,
    new: ParsedTracklist,
    *,
    old_number: int | None = None,
    new_number: int | None = None,
) -> VersionDiff:
    """The differences from `old` (None: an empty tracklist) to `new`."""
    old_rows = old.tracks if old is not None else ()
    aligned = _with_moves(old_rows, new.tracks, _moved(old_rows, new.tracks))
    rows = tuple(_without_renumbering(aligned, _in_order(old_rows), _in_order(new.tracks)))
    metadata = tuple(_metadata_changes(old, new)) if old is not None else ()
    return VersionDiff(old_number, new_number, rows, metadata)


def field_label(name: str) -> str:
    """What a row field is called in a diff ("cue_seconds" → "cue", "edit_note" → "edit note")."""
    return _TRACK_LABELS.get(name, name.replace("_", " "))


def changed_fields(old: ParsedTrack, new: ParsedTrack) -> tuple[str, ...]:
    """The names of the track fields that differ between `old` and `new`."""
    return tuple(name for name in TRACK_FIELDS if getattr(old, name) != getattr(new, name))


def _by_display_and_cue(track: ParsedTrack) -> Hashable:
    return (track.display, track.cue_seconds)


def _by_display(track: ParsedTrack) -> Hashable:
    return track.display


def _align(
    old: Sequence[ParsedTrack],
    new: Sequence[ParsedTrack],
    old_start: int,
    new_start: int,
    keys: tuple[Callable[[ParsedTrack], Hashable], ...] = (_by_display_and_cue, _by_display),
) -> list[RowChange]:
    if not keys:
        return _pair_by_likeness(old, new, old_start, new_start)
    key, finer = keys[0], keys[1:]
    matcher = SequenceMatcher(None, [key(t) for t in old], [key(t) for t in new], autojunk=False)
    changes: list[RowChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                i, j = i1 + offset, j1 + offset
                changes.append(_compare(old[i], new[j], old_start + i, new_start + j))
        elif tag == "delete" or tag == "insert":
            changes.extend(_pair_in_order(old[i1:i2], new[j1:j2], old_start + i1, new_start + j1))
        else:
            changes.extend(_align(old[i1:i2], new[j1:j2], old_start + i1, new_start + j1, finer))
    return changes


def _likeness(old: ParsedTrack, new: ParsedTrack) -> int:
    """How many identifying values two rows share (0: nothing in common)."""
    return sum(
        1
        for name in _LIKENESS_FIELDS
        if getattr(old, name) is not None and getattr(old, name) == getattr(new, name)
    )


def _pair_by_likeness(
    old: Sequence[ParsedTrack], new: Sequence[ParsedTrack], old_start: int, new_start: int
) -> list[RowChange]:
    """Pair the rows of a replaced stretch that have most in common (keeping their order); the
    rows left between two pairs are paired in order, and the rest are added or removed."""
    n, m = len(old), len(new)
    # best[i][j]: the most likeness obtainable aligning old[i:] with new[j:].
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            score = _likeness(old[i], new[j])
            paired = best[i + 1][j + 1] + score if score else 0
            best[i][j] = max(paired, best[i + 1][j], best[i][j + 1])
    changes: list[RowChange] = []
    i = j = last_i = last_j = 0
    while i < n and j < m:
        score = _likeness(old[i], new[j])
        if score and best[i][j] == best[i + 1][j + 1] + score:
            changes += _pair_in_order(
                old[last_i:i], new[last_j:j], old_start + last_i, new_start + last_j
            )
            changes.append(_compare(old[i], new[j], old_start + i, new_start + j))
            i, j = i + 1, j + 1
            last_i, last_j = i, j
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    changes += _pair_in_order(old[last_i:], new[last_j:], old_start + last_i, new_start + last_j)
    return changes


def _pair_in_order(
    old: Sequence[ParsedTrack], new: Sequence[ParsedTrack], old_start: int, new_start: int
) -> list[RowChange]:
    paired = min(len(old), len(new))
    changes = [_compare(old[k], new[k], old_start + k, new_start + k) for k in range(paired)]
    changes.extend(
        RowChange(RowChangeKind.REMOVED, old_start + k, None, old[k], None)
        for k in range(paired, len(old))
    )
    changes.extend(
        RowChange(RowChangeKind.ADDED, None, new_start + k, None, new[k])
        for k in range(paired, len(new))
    )
    return changes


def _moved(old: Sequence[ParsedTrack], new: Sequence[ParsedTrack]) -> dict[int, int]:
    """Old index → new index of the rows that moved: rows of the same display text are paired
    (the k-th occurrence with the k-th); the most pairs that keep their order stay in place
    (of equally many, those that shift least), and the other pairs moved."""
    places: dict[str, list[int]] = {}
    for j, track in enumerate(new):
        places.setdefault(track.display, []).append(j)
    seen: dict[str, int] = {}
    pairs: list[tuple[int, int]] = []
    for i, track in enumerate(old):
        k = seen[track.display] = seen.get(track.display, -1) + 1
        if k < len(same := places.get(track.display, [])):
            pairs.append((i, same[k]))
    # best[b]: (pairs in order, minus their shift) of the longest rising chain ending at pair b.
    best = [(1, -abs(i - j)) for i, j in pairs]
    before = [-1] * len(pairs)
    for b, (i, j) in enumerate(pairs):
        for a in range(b):
            if pairs[a][1] < j and (found := (best[a][0] + 1, best[a][1] - abs(i - j))) > best[b]:
                best[b], before[b] = found, a
    in_place: set[int] = set()
    end = max(range(len(pairs)), key=best.__getitem__, default=-1)
    while end >= 0:
        in_place.add(end)
        end = before[end]
    return {i: j for b, (i, j) in enumerate(pairs) if b not in in_place}


def _with_moves(
    old: Sequence[ParsedTrack], new: Sequence[ParsedTrack], moved: dict[int, int]
) -> list[RowChange]:
    """The rows that stayed aligned as `_align` does, and each moved row in its new place."""
    old_kept = [i for i in range(len(old)) if i not in moved]
    moved_to = set(moved.values())
    new_kept = [j for j in range(len(new)) if j not in moved_to]
    aligned = _align([old[i] for i in old_kept], [new[j] for j in new_kept], 0, 0)
    moves = sorted(
        (
            RowChange(RowChangeKind.MOVED, i, j, old[i], new[j], changed_fields(old[i], new[j]))
            for i, j in moved.items()
        ),
        key=lambda change: change.new_index or 0,
    )
    changes: list[RowChange] = []
    for change in aligned:
        change = replace(
            change,
            old_index=None if change.old_index is None else old_kept[change.old_index],
            new_index=None if change.new_index is None else new_kept[change.new_index],
        )
        while (
            moves and change.new_index is not None and (moves[0].new_index or 0) < change.new_index
        ):
            changes.append(moves.pop(0))
        changes.append(change)
    return changes + moves


def _in_order(tracks: Sequence[ParsedTrack]) -> list[bool]:
    """By index: whether the row's number is its rank among the numbered rows (a "w/" row or
    mashup part is compared with the rank of the row it belongs to)."""
    rank = 0
    numbered: list[bool] = []
    for track, own in zip(tracks, ranks(tracks), strict=True):
        rank = rank if own is None else own
        numbered.append(track.position == rank)
    return numbered


def _without_renumbering(
    changes: list[RowChange], old_in_order: list[bool], new_in_order: list[bool]
) -> list[RowChange]:
    """The changes, with a position change dropped where both numbers just follow the order."""
    kept: list[RowChange] = []
    for change in changes:
        if (
            "position" in change.fields
            and change.old_index is not None
            and change.new_index is not None
            and old_in_order[change.old_index]
            and new_in_order[change.new_index]
        ):
            fields = tuple(name for name in change.fields if name != "position")
            kind = change.kind
            if kind is RowChangeKind.CHANGED and not fields:
                kind = RowChangeKind.SAME
            change = replace(change, kind=kind, fields=fields)
        kept.append(change)
    return kept


def _compare(old: ParsedTrack, new: ParsedTrack, old_index: int, new_index: int) -> RowChange:
    fields = changed_fields(old, new)
    kind = RowChangeKind.CHANGED if fields else RowChangeKind.SAME
    return RowChange(kind, old_index, new_index, old, new, fields)


def _meta_text(tracklist: ParsedTracklist, name: str) -> str:
    value = getattr(tracklist, name)
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ", ".join(value)
    return value.isoformat() if name == "date" else str(value)


def _metadata_changes(old: ParsedTracklist, new: ParsedTracklist) -> list[MetaChange]:
    return [
        MetaChange(name, label, _meta_text(old, name), _meta_text(new, name))
        for name, label in META_FIELDS
        if getattr(old, name) != getattr(new, name)
    ]
