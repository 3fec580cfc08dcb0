"""The collection's search language (domain/collection/query.py): what people type, read into a
tsquery, checked against the real PostgreSQL text search with a vector made like the stored one."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.sql import column, table

from domain.collection.query import (
    MAX_INPUT,
    MAX_WORD_LENGTH,
    MAX_WORDS,
    NOTHING_TYPED,
    ONLY_EXCLUDED,
    matches,
    parse,
    rank,
)
from domain.library.facts import comparison_key
from domain.search import weighted_vector

# (typed, the tsquery bound for to_tsquery('simple', …), what "searching for: …" shows)
READ = [
    ("royksopp", "royksopp", "royksopp"),
    ("Röyksopp", "royksopp", "royksopp"),
    ("RÖYKSOPP  Poor Leno", "royksopp & poor & leno", "royksopp poor leno"),
    ('"Original Mix"', "(original <-> mix)", '"original mix"'),
    ('strobe "original mix"', "strobe & (original <-> mix)", 'strobe "original mix"'),
    ('"strobe"', "strobe", '"strobe"'),
    ("strobe -remix", "strobe & !remix", "strobe -remix"),
    ('strobe -"radio edit"', "strobe & !(radio <-> edit)", 'strobe -"radio edit"'),
    ("strob*", "strob:*", "strob*"),
    ('"deadmau5 str*"', "(deadmau5 <-> str:*)", '"deadmau5 str*"'),
    ("AC/DC", "(ac <-> dc)", '"ac dc"'),
    ("ac/d*", "(ac <-> d:*)", '"ac d*"'),
    ("Guns N' Roses", "guns & n & roses", "guns n roses"),
    ("Guns N\u2019 Roses", "guns & n & roses", "guns n roses"),
    ("Zero 7", "zero & 7", "zero 7"),
    ("deadmau5", "deadmau5", "deadmau5"),
    ("Mø", "mo", "mo"),
    ("Sigur Rós", "sigur & ros", "sigur ros"),
    ("R&B", "(r <-> and <-> b)", '"r and b"'),
    ("jay-z", "(jay <-> z)", '"jay z"'),
    ("Кино", "kino", "kino"),
    ("\uff32\uff2f\uff39\uff2b\uff33\uff2f\uff30\uff30", "royksopp", "royksopp"),  # full width
    ("\u201cpoor leno\u201d \u2013live", "(poor <-> leno) & !live", '"poor leno" -live'),
    # Syntax nobody documented is punctuation; operands and operators never leak through.
    ("a & b | c", "a & b & c", "a b c"),
    ("(moderat)", "moderat", "moderat"),
    ("moderat:*", "moderat:*", "moderat*"),  # a trailing star is a prefix, whatever precedes it
    ("!moderat", "moderat", "moderat"),
    ("'moderat'", "moderat", "moderat"),
    ("mod<->erat", "(mod <-> erat)", '"mod erat"'),
    ("a_b", "(a <-> b)", '"a b"'),
    ("a\x00b", "(a <-> b)", '"a b"'),
    ('12" vinyl', "12 & vinyl", "12 vinyl"),  # an unclosed quote opens no phrase
    ('"bad "moon', "bad & moon", '"bad" moon'),
    ("moderat moderat Moderat", "moderat", "moderat"),
    ("moderat 🎧", "moderat", "moderat"),
    ("moderat -", "moderat", "moderat"),
]


@pytest.mark.parametrize(("typed", "tsquery", "shown"), READ)
def test_typed_text_reads_as_people_expect(typed: str, tsquery: str, shown: str) -> None:
    query = parse(typed)
    assert (query.tsquery, query.searching_for, query.message) == (tsquery, shown, None)
    assert query.text == typed


NOTHING = ["", "   ", '"( & | !:*', '"', '""', "-", "- -", "&&", "🎧🎶", "\x00", "*", ":*", "!()"]


@pytest.mark.parametrize("typed", NOTHING)
def test_nothing_to_search_is_a_message_not_a_query(typed: str) -> None:
    query = parse(typed)

    assert query.tsquery is None
    assert query.terms == ()
    assert query.message == NOTHING_TYPED


@pytest.mark.parametrize(
    "typed", ["-remix", '-"radio edit"', "-remix -edit", "\u2013live", "--remix"]
)
def test_only_exclusions_ask_for_a_word(typed: str) -> None:
    query = parse(typed)

    assert query.tsquery is None
    assert query.message == ONLY_EXCLUDED
    assert query.searching_for.startswith("-")


def test_words_past_the_cap_are_cut_and_said() -> None:
    typed = " ".join(f"w{number}" for number in range(MAX_WORDS + 10))

    query = parse(typed)

    assert query.tsquery == " & ".join(f"w{number}" for number in range(MAX_WORDS))
    assert query.notes == (f"only the first {MAX_WORDS} words are searched",)


def test_a_phrase_counts_each_of_its_words_against_the_cap() -> None:
    typed = " ".join(f"w{number}" for number in range(MAX_WORDS - 1)) + ' "last phrase"'

    query = parse(typed)

    assert query.tsquery is not None
    assert "last" not in query.tsquery
    assert query.notes == (f"only the first {MAX_WORDS} words are searched",)


def test_an_overlong_word_is_skipped_and_said() -> None:
    long = "x" * (MAX_WORD_LENGTH + 1)

    query = parse(f"moderat {long} {long}y {'z' * MAX_WORD_LENGTH}")

    assert query.tsquery == f"moderat & {'z' * MAX_WORD_LENGTH}"
    assert query.notes == (f"a word longer than {MAX_WORD_LENGTH} characters was skipped",)


def test_ten_kilobytes_read_only_up_to_the_limit() -> None:
    query = parse("a " * 5000)

    assert query.tsquery == "a"
    assert query.notes == (f"only the first {MAX_INPUT} characters were read",)


# ---------------------------------------------------------------------------------------------
# Against the real PostgreSQL


@pytest.fixture(scope="module")
def postgres(server_urls: tuple[str, str]) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A plain connection to the test server (TEMP tables only: nothing to create or drop)."""
    url = server_urls[0].replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize("typed", [*(case[0] for case in READ), "x" * 10_000, "🎧" * 3000])
def test_every_table_case_is_a_valid_tsquery(
    postgres: psycopg.Connection[tuple[object, ...]], typed: str
) -> None:
    query = parse(typed)

    row = postgres.execute("SELECT to_tsquery('simple', %s)::text", (query.tsquery,)).fetchone()

    assert row is not None
    assert (row[0] is None) == (query.tsquery is None)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    typed=st.text(max_size=300)
    | st.text(alphabet=st.sampled_from(list("\"()&|!:*<->\\'-_ aZ0é\x00ø🎧")), max_size=80)
)
def test_no_input_ever_makes_a_tsquery_error(
    postgres: psycopg.Connection[tuple[object, ...]], typed: str
) -> None:
    query = parse(typed)

    # Raises psycopg.errors.SyntaxError (or any other) if the text were no valid tsquery.
    row = postgres.execute("SELECT to_tsquery('simple', %s)::text", (query.tsquery,)).fetchone()

    assert row is not None
    if query.tsquery is None:
        assert query.message in (NOTHING_TYPED, ONLY_EXCLUDED)
    else:
        assert query.message is None
        assert row[0], f"{typed!r} read as {query.tsquery!r}, which searches for nothing"


_SYNTAX = '-"*\u2013\u2014\u201c\u201d\u201e'


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    typed=st.text(
        # Latin with accents, ligatures, Cyrillic, CJK, apostrophes; and any UTF-8 character.
        alphabet=st.sampled_from(list("aZöØé ßÆ&/'.,()_7\u041a\u0438\u043d龍ﬁ\u2019 "))
        | st.characters(codec="utf-8"),
        min_size=1,
        max_size=120,
    )
)
def test_a_name_typed_as_stored_finds_its_row(
    postgres: psycopg.Connection[tuple[object, ...]], typed: str
) -> None:
    """Query words fold exactly like stored words: a name typed as it is written finds itself."""
    assume(not any(ch in _SYNTAX for ch in unicodedata.normalize("NFKC", typed)))
    query = parse(typed)
    assume(query.tsquery is not None)

    stored = weighted_vector("%(folded)s", "NULL", "NULL")
    row = postgres.execute(
        f"SELECT {stored} @@ to_tsquery('simple', %(q)s)",
        {"folded": comparison_key(typed), "q": query.tsquery},
    ).fetchone()

    assert row == (True,), f"{typed!r} read as {query.tsquery!r} does not find itself"


# A few rows of a collection: (id, title, artist, album, label, genre)
ROWS = [
    (1, "Poor Leno", "Röyksopp", "Melody A.M.", "Wall of Sound", "Electronic"),
    (2, "Highway to Hell", "AC/DC", "Highway to Hell", "Atlantic", "Rock"),
    (3, "Strobe (Original Mix)", "deadmau5", "For Lack of a Better Name", "mau5trap", "Prog"),
    (4, "Strobe (Radio Edit)", "deadmau5", "Strobe", "mau5trap", "Prog"),
    (5, "A New Error", "Moderat", "Moderat", "BPitch Control", "Electronic"),
    (6, "Bad Kingdom", "Moderat", "II", "Monkeytown", "Techno"),
    (7, "Sweet Child O' Mine", "Guns N' Roses", "Appetite for Destruction", "Geffen", "Rock"),
    (8, "Destiny", "Zero 7", "Simple Things", "Ultimate Dilemma", "Downtempo"),
    (9, "Dreams", "Someone Else", "Rock Moderat", "Electronic Records", "Moderat"),
    (10, "Final Song", "MØ", "No Mythologies to Follow", "Chess Club", "Electropop"),
    (11, "Techno Anthem", "Various", "Electronic Compilation", "Label", "Techno"),
    (12, "House Music", "Marshall Jefferson", "Trax", "Trax Records", "Chicago"),
    (13, "Move Your Body", "Various", "Deep House Classics", "Label", "Chicago"),
    (14, "Your Love", "Frankie Knuckles", "Baby Wants to Ride", "Trax Records", "House"),
    (15, "Promised Land", "Joe Smooth", "Land", "DJ International", "House Music"),
]


@pytest.fixture(scope="module")
def collection(server_urls: tuple[str, str]) -> Iterator[Connection]:
    """The rows above in a TEMP table whose vector is made like `collection_files.search`, on a
    SQLAlchemy connection (the store's side)."""
    url = server_urls[0].split("://", 1)[1]
    engine = create_engine(f"postgresql+psycopg://{url}")
    with engine.connect() as conn:
        conn.execute(
            text(
                "CREATE TEMP TABLE files (id int PRIMARY KEY, a text, b text, c text, search "
                f"tsvector GENERATED ALWAYS AS ({weighted_vector('a', 'b', 'c')}) STORED)"
            )
        )
        insert = text("INSERT INTO files (id, a, b, c) VALUES (:id, :a, :b, :c)")
        for number, title, artist, album, label, genre in ROWS:
            conn.execute(
                insert,
                {
                    "id": number,
                    "a": comparison_key(f"{title} {artist}"),
                    "b": comparison_key(f"{album} {label}"),
                    "c": comparison_key(genre),
                },
            )
        conn.commit()
        yield conn
    engine.dispose()


FILES = table("files", column("id"), column("search", TSVECTOR))

# (typed, the ids found, best ranked first; ties keep id order)
FOUND = [
    ("royksopp", [1]),
    ("Röyksopp poor", [1]),
    ("ROYKSOPP", [1]),
    ("ac/dc", [2]),
    ("acdc", []),
    ("ac dc highway", [2]),
    ("hell", [2]),
    ("strobe", [4, 3]),  # both titles (A); 4 also has it as its album (B)
    ('strobe "original mix"', [3]),
    ("strobe -edit", [3]),
    ('strobe -"radio edit"', [3]),
    ('"mix original"', []),
    ("strob*", [4, 3]),
    ("deadm*", [3, 4]),
    ("mau5*", [3, 4]),
    ("guns n' roses", [7]),
    ("guns n roses", [7]),
    ("zero 7", [8]),
    ("deadmau5", [3, 4]),
    ("mø", [10]),
    ("mo", [10]),
    # Weights: title/artist (A) above album/label (B) above genre (C).
    ("house", [12, 13, 14, 15]),  # title, album, genre, genre ("House Music": ties, by id)
    ("house music", [12, 15]),
    ("techno", [11, 6]),
    ("electronic", [9, 11, 1, 5]),  # a label and an album (B) above two genres (C)
    # Artist and album (A + B) above the artist alone (A), both above an album and a genre (B + C).
    ("moderat", [5, 6, 9]),
    ('"( & | !:* moderat', [5, 6, 9]),
]


@pytest.mark.parametrize(("typed", "ids"), FOUND)
def test_typical_queries_find_and_rank_the_right_rows(
    collection: Connection, typed: str, ids: list[int]
) -> None:
    query = parse(typed)
    vector = FILES.c.search
    found = select(FILES.c.id).where(matches(vector, query))
    found = found.order_by(rank(vector, query).desc(), FILES.c.id)

    assert [row.id for row in collection.execute(found)] == ids


def test_the_store_binds_the_query_as_a_parameter() -> None:
    query = parse("it's o'clock")
    compiled = select(FILES.c.id).where(matches(FILES.c.search, query)).compile()

    assert "o'clock" not in str(compiled) and "its & oclock" not in str(compiled)
    assert "its & oclock" in compiled.params.values()


def test_matching_nothing_to_search_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="nothing to search in '-remix'"):
        matches(FILES.c.search, parse("-remix"))
