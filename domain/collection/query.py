"""The collection's search box: what people type, read into a PostgreSQL tsquery that never fails.

The language is the one search engines taught everyone:

- words are ANDed: ``royksopp poor leno``;
- ``"exact phrase"``: the words next to each other, in order (``<->``);
- ``-word`` and ``-"a phrase"`` exclude (``!``);
- ``word*`` is a prefix (``word:*``), also inside a phrase (``"strobe orig*"``);
- accents, case and punctuation don't matter: every word is folded by
  `domain.library.facts.comparison_key`, the same folding the stored search text is made with, so
  "royksopp" finds "Röyksopp", "ac/dc" finds "AC/DC" (the words ``ac <-> dc``), "guns n' roses"
  finds "Guns N' Roses", "mo" finds "Mø".

Nothing typed is an error. Operators the language does not have (``( & | ! : <->``) are
punctuation, folded away like any other; an unclosed quote is a plain character (``12" mix`` is
two words); a word with no letter or digit (``&``, ``--``, an emoji) is skipped. What is left may be
nothing: then `Query.tsquery` is None and `Query.message` says what to type. A query of only
exclusions is treated the same way ("add a word to search for"): a tsquery cannot mean "everything
but", and listing the whole collection minus a word is no search.

Limits, so 10 KB pasted into the box costs nothing: the first `MAX_INPUT` characters are read, at
most `MAX_WORDS` words are searched, and a word longer than `MAX_WORD_LENGTH` characters is
skipped; each cut is named in `Query.notes`.

The stored side (`collection_files.search`, STORED) is `domain.search.weighted_vector` over
folded text: A = title and artist, B = album and label, C = genre. The store matches and ranks
with `matches` and `rank`, which bind `Query.tsquery` as a parameter (never formatted into SQL)::

    WHERE search @@ to_tsquery('simple', :q)
    ORDER BY ts_rank(search, to_tsquery('simple', :words)) DESC, id  -- :q without exclusions

`ts_rank`, not `ts_rank_cd`: the fields are short (a title, a few names), so what should decide
the order is *which field* matched, and `ts_rank` scores each matching word by its weight (A 1.0,
B 0.4, C 0.2 by default). `ts_rank_cd` scores how close the words are, which a phrase already
demands, and gives a one-word match in any field nearly the same score. Order ties by id, so pages
never repeat or skip a row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func
from unidecode import unidecode

from domain.library.facts import comparison_key

MAX_INPUT = 2000  # characters read of what was typed
MAX_WORDS = 32  # words searched, exclusions and the words of phrases included
MAX_WORD_LENGTH = 64  # characters of one folded word; PostgreSQL itself stops at 2047 bytes

# Quotes and dashes as people's keyboards and phones write them: “smart” quotes delimit a phrase
# and an en dash excludes, like their ASCII twins.
_TYPED = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2013": "-", "\u2014": "-"})
_TERM = re.compile(r'(?P<minus>-*)(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))')
# What comparison_key leaves is ASCII letters, digits, "_" and spaces; PostgreSQL's parser splits
# at "_" too, so a searched word is exactly one run of letters and digits, as in the stored vector.
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Word:
    """One folded word of a term; `prefix`: it matches every stored word it begins."""

    text: str
    prefix: bool = False

    @property
    def tsquery(self) -> str:
        return f"{self.text}:*" if self.prefix else self.text

    @property
    def written(self) -> str:
        return f"{self.text}*" if self.prefix else self.text


@dataclass(frozen=True, slots=True)
class Term:
    """A word or a phrase as typed, folded: more than one word must match next to each other."""

    words: tuple[Word, ...]
    excluded: bool = False
    quoted: bool = False

    @property
    def tsquery(self) -> str:
        found = " <-> ".join(word.tsquery for word in self.words)
        if len(self.words) > 1:
            found = f"({found})"
        return f"!{found}" if self.excluded else found

    @property
    def written(self) -> str:
        text = " ".join(word.written for word in self.words)
        if self.quoted or len(self.words) > 1:
            text = f'"{text}"'
        return f"-{text}" if self.excluded else text


@dataclass(frozen=True, slots=True)
class Query:
    """A search as read: the terms, the tsquery to bind (None: nothing to search) and what to
    tell the person (`message` when there is nothing to search, `notes` for what was cut)."""

    text: str
    terms: tuple[Term, ...]
    message: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def tsquery(self) -> str | None:
        """Text for `to_tsquery('simple', :q)`; None when there is nothing to search."""
        if self.message is not None:
            return None
        return " & ".join(term.tsquery for term in self.terms)

    @property
    def included_tsquery(self) -> str | None:
        """The words to find without the exclusions: what the title-and-artist tier searches
        (`search_heavy` holds those fields alone; exclusions still apply to the whole file)."""
        if self.message is not None:
            return None
        return " & ".join(term.tsquery for term in self.terms if not term.excluded)

    @property
    def searching_for(self) -> str:
        """The query as it is searched, folded, for "searching for: …" (`"ac dc" -live`)."""
        return " ".join(term.written for term in self.terms)


NOTHING_TYPED = "Type a word to search for: a title, an artist, an album, a label or a genre."
ONLY_EXCLUDED = "Add a word to search for: only -exclusions would match everything else."


def parse(text: str) -> Query:
    """Read a search box's text into a `Query`; never raises, whatever `text` holds."""
    notes: list[str] = []
    if len(text) > MAX_INPUT:
        notes.append(f"only the first {MAX_INPUT} characters were read")
    typed = unicodedata.normalize("NFKC", text[:MAX_INPUT]).translate(_TYPED)
    # What the stored side's folding deletes (control characters, NEL, emoji, lone surrogates)
    # must not split a word here either: "a\x85b" is stored as "ab", so it is searched as "ab".
    typed = "".join(ch for ch in typed if ch.isascii() or _kept(ch))
    if typed.count('"') % 2:
        # An unclosed quote opens no phrase (``12" mix``): the last quote is read as a space.
        cut = typed.rindex('"')
        typed = f"{typed[:cut]} {typed[cut + 1 :]}"
    terms: list[Term] = []
    count = 0
    for match in _TERM.finditer(typed):
        quoted = match.group("phrase") is not None
        term = _term(match.group("phrase") if quoted else match.group("word"), notes)
        if term is None:
            continue
        term = Term(term.words, excluded=bool(match.group("minus")), quoted=quoted)
        if term in terms:
            continue
        if count + len(term.words) > MAX_WORDS:
            notes.append(f"only the first {MAX_WORDS} words are searched")
            break
        count += len(term.words)
        terms.append(term)
    message = None
    # One note per kind of cut, however often it happened.
    notes = list(dict.fromkeys(notes))
    if not terms:
        message = NOTHING_TYPED
    elif all(term.excluded for term in terms):
        message = ONLY_EXCLUDED
    return Query(text=text, terms=tuple(terms), message=message, notes=tuple(notes))


def _kept(ch: str) -> bool:
    # A lone surrogate (possible in a str, never in UTF-8) is dropped before unidecode warns of it.
    return unicodedata.category(ch) != "Cs" and bool(unidecode(ch))


def _term(raw: str, notes: list[str]) -> Term | None:
    words: list[Word] = []
    for part in raw.split():
        # A part with no letter or digit is punctuation typed as a word ("&", "|", "--", "🎧"):
        # folding would read "&" as "and", which nobody meant to search for on its own.
        if not any(ch.isalnum() for ch in part):
            continue
        prefix = part.endswith("*")
        folded = _WORD.findall(comparison_key(part))
        for index, word in enumerate(folded):
            if len(word) > MAX_WORD_LENGTH:
                notes.append(f"a word longer than {MAX_WORD_LENGTH} characters was skipped")
                return None
            # Only the last piece of "ac/d*" is a prefix: the ones before it were typed whole.
            words.append(Word(word, prefix=prefix and index == len(folded) - 1))
    return Term(tuple(words)) if words else None


def matches(vector: ColumnElement[Any], query: Query) -> ColumnElement[bool]:
    """`vector @@ to_tsquery('simple', :q)`, the query bound as a parameter; needs a tsquery."""
    return vector.bool_op("@@")(func.to_tsquery("simple", _required(query)))


def rank(vector: ColumnElement[Any], query: Query) -> ColumnElement[float]:
    """`ts_rank(vector, to_tsquery('simple', :q))` over the words to find: higher for matches in
    heavier fields. Exclusions are left out of it: `ts_rank` scores any query holding a `!` as
    1e-20 for every row, which would order a search with `-word` by id alone."""
    _required(query)
    included = query.included_tsquery
    found: ColumnElement[float] = func.ts_rank(vector, func.to_tsquery("simple", included))
    return found


def _required(query: Query) -> str:
    if query.tsquery is None:
        # The caller shows query.message instead of searching; reaching here is a programming error.
        raise ValueError(f"nothing to search in {query.text[:40]!r}: {query.message}")
    return query.tsquery
