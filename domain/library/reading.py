"""Reading a DJ row (a 1001tracklists row's parsed fields) into `TrackFacts`.

The rules, in the order they apply:
- An "ID" row (artist or title "ID", "?", or empty) is unknown: `read_row` gives None and it is
  never searched.
- Artists split into primary and featured on `&`, `and`, `x`, `vs.`, `,`, `w/`, `pres.` and the
  multiplication sign of Japanese credits (primary), and on `feat.`, `ft.`, `featuring`
  (everything after them is featured, also "(feat. X)").
  Known group names stay whole: `GROUPS` below plus the caller's `known_artists` (a
  candidate's artist names), compared by `comparison_key`. "X, The" stays one name.
- The version is the row's `remix` field when given; otherwise the title's trailing "(...)",
  "[...]" or " - ..." parts that read as a version. Bracket text that is not a version
  ("(Part 2)", "(Interlude)") stays in `title_base`; so do numbers ("Emotion 1").
- Versions: generic cuts (Original / Extended / Radio / Club / Main / Dub-less Mix, a radio
  edit, a remaster, "Mix" alone) are ORIGINAL; a named remix, edit, rework, bootleg, dub, VIP,
  live or instrumental version has its own kind and its remixers ("Four Tet Remix" → REMIX,
  ("Four Tet",)). When a text names several, the strongest wins (VIP > bootleg > rework >
  remix > dub > edit > named mix > instrumental > live).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable

from domain.library.facts import ORIGINAL, TrackFacts, Version, VersionKind, comparison_key

# Real acts whose names hold a separator: never split into their members. Compared by
# comparison_key, so "Above and Beyond" and "ABOVE & BEYOND" match too. ("Sasha & John
# Digweed" is not here: they are two artists.)
GROUPS = (
    "Above & Beyond",
    "Chase & Status",
    "Kruder & Dorfmeister",
    "Dimitri Vegas & Like Mike",
    "Gabriel & Dresden",
    "Aly & Fila",
    "Camo & Krooked",
    "Calyx & TeeBee",
    "Matrix & Futurebound",
    "Fred V & Grafix",
    "Blank & Jones",
    "Super8 & Tab",
    "Tube & Berger",
    "Walker & Royce",
    "Frankey & Sandrino",
    "Prok & Fitch",
    "Eli & Fur",
    "Lucas & Steve",
    "Sunnery James & Ryan Marciano",
    "D-Block & S-te-Fan",
    "Waze & Odyssey",
    "Matisse & Sadko",
    "Axwell /\\ Ingrosso",
    "Axwell \u039b Ingrosso",
    "Simon & Garfunkel",
    "Earth, Wind & Fire",
    "Mumford & Sons",
    "Nick Cave & The Bad Seeds",
    "Florence + The Machine",
    "Florence and the Machine",
    "Daryl Hall & John Oates",
    "Hall & Oates",
    "Sly & Robbie",
    "Bob Marley & The Wailers",
    "Echo & The Bunnymen",
    "Kool & The Gang",
    "Sly & The Family Stone",
    "Tom Petty and the Heartbreakers",
    "Siouxsie and the Banshees",
    "Marina and the Diamonds",
    "Crosby, Stills, Nash & Young",
    "Emerson, Lake & Palmer",
    "Peter Bjorn and John",
    "Tyler, The Creator",
    "Iron & Wine",
    "Belle & Sebastian",
    "Angus & Julia Stone",
    "Years & Years",
    "Chris & Cosey",
    "Sophie and the Giants",
)
_GROUP_KEYS = frozenset(comparison_key(name) for name in GROUPS)
_LONGEST_NAME = 6  # pieces a name may span ("Crosby, Stills, Nash & Young" spans 4)

# What a row writes for a track nobody knows.
_UNKNOWN = frozenset({"", "id", "?", "??", "???", "unknown", "unknown artist", "unknown title"})

# Separators between primary artists; the captured separator is kept to put names back whole.
# "x", "and", "vs" only as words of their own ("Xavier", "Mix", "Sandro" never split), "&" only
# between spaces ("W&W" and "&ME" are names).
_SEPARATOR = re.compile(
    r"(\s+(?:&|and|vs\.?|versus|x|w/|pres\.|presents)\s+|\s+w/|\s*,\s*|\s*\u00d7\s*)",
    re.IGNORECASE,
)
_FEAT_WORD = r"(?:(?:feat|ft)\.|(?:feat|ft|featuring)\b)"
# "(feat. X)" (or streaming services' lower-case "(with X)", not a title's "(With Love)")
# anywhere; a bare "feat. X" runs to the end.
_FEAT_BRACKETED = re.compile(
    rf"\s*[(\[]\s*(?:{_FEAT_WORD}|(?-i:with)\b)\s*([^()\[\]]*)[)\]]?", re.IGNORECASE
)
_FEAT_OPENING = re.compile(rf"(?:{_FEAT_WORD}|(?-i:with)\b)\s*", re.IGNORECASE)
# A "feat." in a credit (also what the MusicBrainz and Discogs clients read joinphrases with).
FEATURING = re.compile(r"(?<![\w'])(?:(?:feat|ft)\.|(?:feat|ft|featuring)(?!\w))\s*", re.IGNORECASE)
# In a title a bare "feat" could be a word ("A Heroic Feat Of"): only "feat."/"ft."/"featuring".
_FEAT_IN_TITLE = re.compile(r"\s+(?:feat\.|ft\.|featuring\s)\s*", re.IGNORECASE)
_THE = re.compile(r"^the$", re.IGNORECASE)

# A trailing "(...)" or "[...]" (the closing bracket may be missing), or " - ..." after a title.
_TRAILING_BRACKETS = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]?\s*$")
_TRAILING_DASH = re.compile(r"\s+[-\u2013\u2014]\s+((?:(?!\s[-\u2013\u2014]\s).)+)$")

# Words of a generic cut; a generic version is made of these only, with a head word.
_GENERIC_WORDS = frozenset(
    {"original", "extended", "radio", "club", "main", "dubless", "album", "single", "vocal"}
    | {"long", "short", "full", "length", "clean", "dirty", "explicit", "intro", "outro", "dj"}
    | {"12", "7", "10", "inch", "lp", "stereo", "mono", "digital", "digitally", "mixed"}
    | {"continuous", "nonstop"}
    | {"mix", "version", "edit", "cut", "remaster", "remastered", "remasterd", "remastering"}
)
_GENERIC_HEADS = frozenset({"mix", "version", "edit", "cut", "mixed"})
_REMASTER = frozenset({"remaster", "remastered", "remasterd", "remastering"})
_GENERIC_ALONE = frozenset({"original", "extended", "clean", "dirty", "explicit", "mixed"})
# "Edit" names a generic cut only with one of these ("Radio Edit"); alone it is an edit.
_CUT_EDIT = frozenset({"radio", "single", "album", "short", "extended", "club", "original"})
_CUT_EDIT_MORE = frozenset({"clean", "dirty", "explicit", "intro", "main", "dj"})
_YEAR = re.compile(r"^(?:19|20)\d\d$")

# The keywords naming another recording, strongest first. A bare "mix" names a remix only with a
# name before it ("Solomun Mix"), and comes after dub so that "Dub Mix" is a dub.
_NAMED_MIX = re.compile(r"\bmix\b|\bvox\b", re.IGNORECASE)  # "Solomun Vox" too
_KINDS: tuple[tuple[VersionKind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern)
    for kind, pattern in (
        (VersionKind.VIP, r"\bvip\b"),
        (VersionKind.BOOTLEG, r"\bbootleg\b"),
        (
            VersionKind.REWORK,
            r"\bre-?work(?:ed)?\b|\bre-?make\b|\bre-?fix\b|\bre-?interpretation\b"
            r"|\bre-?imagin(?:ed|ation)\b",
        ),
        # Russian and Japanese rows write "remix" in their own script too.
        (
            VersionKind.REMIX,
            r"\bre-?mix(?:ed)?\b|\brmx\b|\bflip\b|\bre-?rub\b|\bremode\b"
            r"|\b\u0440\u0435\u043c\u0438\u043a\u0441\b|\u30ea\u30df\u30c3\u30af\u30b9",
        ),
        (VersionKind.DUB, r"\bdub\b(?!-?less)"),
        (VersionKind.EDIT, r"\bre-?edit(?:ed)?\b|\bedit(?:ed)?\b"),
        (VersionKind.REMIX, _NAMED_MIX),
        (VersionKind.INSTRUMENTAL, r"\binstrumental\b"),
        # "Live", "Live at X", "Live 2019", "BBC Live Session"; not a title's "(Live Forever)".
        (
            VersionKind.LIVE,
            r"^live\b(?:\s*$|\s*@|\s+(?:at|in|from|on|version|recording|session|mix|\d{4})\b)"
            r"|\blive\s*$|\blive\s*@|\blive\s+(?:at|in|from|version|recording|session)\b",
        ),
    )
)
# Played by the artist: the words around the keyword are a place or a year, not remixers.
_BY_THE_ARTIST = frozenset({VersionKind.LIVE, VersionKind.INSTRUMENTAL})
# Descriptive words between a remixer's name and the keyword ("Solomun Extended Remix").
_DESCRIPTORS = frozenset(
    {"original", "extended", "radio", "club", "main", "vocal", "dub", "instrumental", "vip"}
    | {"remix", "edit", "mix", "version", "12", "inch", "long", "short", "album", "single"}
    | {"clean", "dirty", "explicit", "full", "length", "re", "by"}
)
_BY = re.compile(r"\b(?:remixed|re-?edited|edited|reworked|mixed)?\s*by\s+(.+)$", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['\u2019]s$", re.IGNORECASE)
_WORDS = re.compile(r"\w+")


def read_row(
    artist: str | None,
    title: str | None,
    remix: str | None = None,
    label: str | None = None,
    duration: float | None = None,
    *,
    known_artists: Collection[str] = (),
) -> TrackFacts | None:
    """What a tracklist row names, or None for an "ID" row (never searched)."""
    if artist is None or title is None or _unknown(artist) or _unknown(title):
        return None
    artists, title_text = _tidy(artist), _tidy(title)
    version_text = _tidy(remix or "")
    known = _known_keys(known_artists)
    primary, featured = _split_credit(artists, known)
    title_base, title_featured, version = _read_title(title_text, version_text)
    shown = f"{title_text} ({version_text})" if version_text else title_text
    return TrackFacts(
        artists=artists,
        primary=primary,
        featured=_unique((*featured, *_split_names(title_featured, known))),
        title=shown,
        title_base=title_base,
        version=version,
        duration=duration if duration is not None and duration > 0 else None,
        label=_tidy(label or "") or None,
    )


# --- artists --------------------------------------------------------------------------------------


def _known_keys(known_artists: Collection[str]) -> frozenset[str]:
    """The keys of the names kept whole: the groups and the caller's."""
    return _GROUP_KEYS | {comparison_key(name) for name in known_artists}


def _split_credit(text: str, known: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    featured: list[str] = []
    for found in _FEAT_BRACKETED.finditer(text):
        featured.append(found.group(1))
    text = _FEAT_BRACKETED.sub("", text).strip()
    if _known_name(text, known):
        return (text,), _split_names(featured, known)
    marker = FEATURING.search(text)
    if marker is not None:
        featured.insert(0, text[marker.end() :])
        text = text[: marker.start()]
    return _names(text, known), _split_names(featured, known)


def _split_names(texts: Iterable[str], known: frozenset[str]) -> tuple[str, ...]:
    """Every name in `texts`, each split like primary artists (a feat. inside counts too)."""
    names: list[str] = []
    for text in texts:
        for part in FEATURING.split(text):
            names.extend(_names(part, known))
    return _unique(names)


def _names(text: str, known: frozenset[str]) -> tuple[str, ...]:
    """The names of a credit with no feat. left in it, group names kept whole."""
    parts = _SEPARATOR.split(text)
    pieces, separators = parts[0::2], parts[1::2]
    names: list[str] = []
    start = 0
    while start < len(pieces):
        end = _longest_name_end(pieces, separators, start, known)
        names.append(_joined(pieces, separators, start, end))
        start = end + 1
    return _unique(name for name in names if name)


def _longest_name_end(
    pieces: list[str], separators: list[str], start: int, known: frozenset[str]
) -> int:
    """The last piece of the longest known name starting at `start` (`start` when none)."""
    last = min(len(pieces), start + _LONGEST_NAME) - 1
    for end in range(last, start, -1):
        if _known_name(_joined(pieces, separators, start, end), known):
            return end
    # "Chemical Brothers, The": a lone article after a comma belongs to the name before it.
    if start + 1 < len(pieces) and "," in separators[start] and _THE.match(pieces[start + 1]):
        return start + 1
    return start


def _joined(pieces: list[str], separators: list[str], start: int, end: int) -> str:
    text = pieces[start]
    for index in range(start, end):
        text += separators[index] + pieces[index + 1]
    return text.strip()


def _known_name(text: str, known: frozenset[str]) -> bool:
    """`text` as a whole is a group name or one of the caller's names."""
    key = comparison_key(text)
    return bool(key) and key in known


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    """`names` in order, stripped, without empties and repeats (by comparison key)."""
    seen: set[str] = set()
    kept: list[str] = []
    for name in names:
        name = name.strip(" ,;/")
        key = comparison_key(name) or name
        if name and key not in seen:
            seen.add(key)
            kept.append(name)
    return tuple(kept)


# --- title and version ----------------------------------------------------------------------------


def _read_title(title: str, version_text: str) -> tuple[str, list[str], Version]:
    """(title_base, featured texts, version) of a title; `version_text` is the row's remix."""
    featured: list[str] = []
    if feat := _FEAT_OPENING.match(version_text):  # "(feat. X)" read into the remix field
        featured.append(version_text[feat.end() :])
        version_text = ""
    base, versions = _trailing_parts(title, featured, read_versions=not version_text)
    if version_text:
        given = _known_version(version_text)
        if given is None:  # "(Part 2)" in the remix field: part of the name, not a version
            base, given = f"{base} ({version_text})", ORIGINAL
        versions = [given]
    if marker := _FEAT_IN_TITLE.search(base):
        featured.append(base[marker.end() :])
        base = base[: marker.start()]
    return base.strip() or title, featured, _strongest(versions)


def _trailing_parts(
    title: str, featured: list[str], *, read_versions: bool
) -> tuple[str, list[Version]]:
    """The title without its trailing feat. and version parts ("(...)", "[...]", " - ..."), and
    the versions taken; the feat. texts taken go to `featured`."""
    rest = title
    kept: list[str] = []
    versions: list[Version] = []
    while True:
        found = _TRAILING_BRACKETS.search(rest)
        if found is None or not found.start():
            dashed = _TRAILING_DASH.search(rest) if read_versions else None
            version = _known_version(dashed.group(1)) if dashed else None
            if dashed is None or version is None:
                break
            versions.append(version)
            rest = rest[: dashed.start()]
            continue
        inside = found.group(1).strip()
        rest = rest[: found.start()]
        feat = _FEAT_OPENING.match(inside)
        version = _known_version(inside) if read_versions else None
        if feat is not None:
            featured.append(inside[feat.end() :])
        elif version is not None:
            versions.append(version)
        elif inside:
            kept.insert(0, found.group(0).strip())
    return " ".join([rest.strip(), *kept]).strip(), versions


def _strongest(versions: list[Version]) -> Version:
    """The one version a title names: a named one before a generic cut of it."""
    named = [version for version in versions if not version.generic]
    if named:
        return min(named, key=lambda version: _rank(version.kind))
    return versions[-1] if versions else ORIGINAL


def _rank(kind: VersionKind) -> int:
    return next(index for index, (each, _) in enumerate(_KINDS) if each is kind)


def _known_version(text: str) -> Version | None:
    """The version `text` names, or None when it names none ("Part 2", "Interlude")."""
    text = _unwrapped(text)
    if not text:
        return None
    words = _WORDS.findall(text.casefold().replace("-", ""))
    if _generic(words):
        return Version(text=text)
    for kind, keyword in _KINDS:
        found = keyword.search(text)
        if found is None:
            continue
        remixers = () if kind in _BY_THE_ARTIST else _remixers(text, found)
        if keyword is _NAMED_MIX and not remixers:
            continue  # "Instrumental Mix", "Live Mix": the words around say what it is
        return Version(kind=kind, remixers=remixers, text=text)
    return None


def _generic(words: list[str]) -> bool:
    """Words of a generic cut only: "Original Mix", "Radio Edit", "2011 Remaster", "Mix"."""
    if not words or not all(word in _GENERIC_WORDS or _YEAR.match(word) for word in words):
        return False
    if _REMASTER.intersection(words) or words in (["mix"], ["version"]):
        return True
    if len(words) == 1:
        return words[0] in _GENERIC_ALONE
    if "edit" in words and not (_CUT_EDIT | _CUT_EDIT_MORE).intersection(words):
        return False
    return bool(_GENERIC_HEADS.intersection(words) or _GENERIC_ALONE.intersection(words))


def _remixers(text: str, keyword: re.Match[str]) -> tuple[str, ...]:
    """Who made the version: the names before the keyword, or after "by"."""
    by = _BY.search(text[keyword.start() :])
    named = by.group(1) if by else text[: keyword.start()]
    named = _without_descriptors(named)
    named = _POSSESSIVE.sub("", named).strip()
    primary, featured = _split_credit(named, _GROUP_KEYS)
    return (*primary, *featured)


def _without_descriptors(text: str) -> str:
    """`text` without the generic words and years before the keyword ("Solomun Extended" →
    "Solomun") and years in front ("2019"); other words in front are names ("Radio Slave")."""
    words = text.split()

    def descriptive(word: str) -> bool:
        plain = word.casefold().replace("-", "").strip("'\".,()[]/")
        return not plain or plain in _DESCRIPTORS or bool(_YEAR.match(plain))

    while words and descriptive(words[-1]):
        words.pop()
    while words and _YEAR.match(words[0]):
        words.pop(0)
    return " ".join(words)


# --- text -----------------------------------------------------------------------------------------


def _tidy(text: str) -> str:
    """NFKC (full-width brackets become brackets) and single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _unwrapped(text: str) -> str:
    """`text` tidied, without brackets around it all: "(Four Tet Remix)" → "Four Tet Remix"."""
    text = _tidy(text).strip(" -")
    if len(text) > 1 and text[0] in "([" and text[-1] in ")]":
        return text[1:-1].strip()
    return text


def _unknown(text: str) -> bool:
    return _tidy(text).casefold() in _UNKNOWN
