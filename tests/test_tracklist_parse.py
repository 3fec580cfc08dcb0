"""The 1001tracklists parser on pages built like the real site's (tests/fakes/tracklist_pages.py).

Pure functions: no database, no network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date

import pytest

from domain.tracklists.cue import build_cue
from domain.tracklists.decoding import decode_page
from domain.tracklists.listings import Listing, ListingItem, ListingKind, parse_listing
from domain.tracklists.model import ParsedTrack, ParsedTracklist, row_warnings
from domain.tracklists.page_errors import ChallengePage, LayoutError, PageEncodingError, PageError
from domain.tracklists.parse import _parse_document, parse_tracklist
from domain.tracklists.segments import _parse_in_segments
from domain.tracklists.tracklist_page import _NotShown
from tests.fakes.tracklist_pages import (
    BASE_URL,
    ID,
    Entry,
    Header,
    Row,
    Suggestion,
    challenge_page,
    dj_path,
    generated_rows,
    homepage,
    listing_page,
    search_page,
    source_path,
    tracklist_page,
    tracklist_path,
)

URL = f"{BASE_URL}/tracklist/2k3l4m9/artbat-tomorrowland-2023-07-21.html"

EVERY_KIND = [
    Row("ARTBAT", "Horizon", label="UPPERGROUND", cue=0, genre="Techno"),
    Row(
        "Tale Of Us & Mind Against ft. Kölsch",
        "Astral",
        remix="Afterlife Remix",
        remixer="Afterlife",
        edit="Live Edit",
        label="AFTERLIFE",
        publisher="Afterlife Recordings",
        cue=204,
    ),
    Row("Someone", "Acapella", with_previous=True, label="WHITE"),
    Header("Set 2: live from the main stage"),
    Suggestion("A Fan", "My Guess"),
    Row(ID, ID, cue=600),
    Row("Mathame", ID, cue=700),
    Row(ID, "Known Title", cue=750),
    Row("Mashup Maker", "Big Mashup", cue=800, label="SELF"),
    Row("Part A", "Song A", mashup_part=True),
    Row("Part B", "Song B", mashup_part=True),
    Row("Kölsch", "Grey", label="Kompakt Schallplatten · コンパクト", cue=1000),
    Row("Anyma", "Eternity"),  # on a cued page, without a cue of its own
    Row("Artist", "Song - Extended", remix="Someone's Dub", cue=6500),
]


def page(**kwargs: object) -> str:
    return tracklist_page(rows=kwargs.pop("rows", EVERY_KIND), **kwargs)  # type: ignore[arg-type]


def track_url(path_fragment: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(BASE_URL)}/track/\w+/{path_fragment}/index\.html$")


# --- tracklist pages ------------------------------------------------------------------------------


def test_every_row_kind_is_read_as_the_site_shows_it() -> None:
    parsed = parse_tracklist(page(), URL)

    tracks = parsed.tracks
    assert len(tracks) == 12  # the info header and the suggestion are not tracks
    first, second, with_previous, full_id, id_title, id_artist = tracks[:6]
    mashup, part_a, part_b, non_ascii, no_cue, dashed = tracks[6:]

    assert first == ParsedTrack(
        position=1,
        cue_seconds=0,
        artist="ARTBAT",
        title="Horizon",
        label="UPPERGROUND",
        url=first.url,
    )
    assert first.url is not None and track_url("artbat-horizon").match(first.url)

    # The displayed credit ("&" from span.spLR, " ft. "), the remix without its brackets, the
    # short label shown (not the publisher meta), the edit note; hidden text dropped.
    assert second.position == 2
    assert second.cue_seconds == 204
    assert second.artist == "Tale Of Us & Mind Against ft. Kölsch"
    assert second.title == "Astral"
    assert second.remix == "Afterlife Remix"
    assert second.edit_note == "Live Edit"
    assert second.label == "AFTERLIFE"
    assert not second.is_id

    assert with_previous == ParsedTrack(
        position=None,
        with_previous=True,
        cue_seconds=None,
        artist="Someone",
        title="Acapella",
        label="WHITE",
        url=with_previous.url,
    )

    assert full_id == ParsedTrack(position=3, cue_seconds=600, artist=ID, title=ID, is_id=True)
    assert (id_title.artist, id_title.title, id_title.is_id) == ("Mathame", ID, True)
    assert (id_artist.artist, id_artist.title, id_artist.is_id) == (ID, "Known Title", True)
    assert (id_title.position, id_artist.position) == (4, 5)

    assert (mashup.position, mashup.mashup, mashup.cue_seconds) == (6, False, 800)
    for part, name in ((part_a, "Part A"), (part_b, "Part B")):
        assert (part.position, part.mashup, part.with_previous) == (None, True, False)
        assert (part.artist, part.cue_seconds) == (name, None)

    assert non_ascii.label == "Kompakt Schallplatten · コンパクト"
    assert non_ascii.artist == "Kölsch"
    assert (no_cue.position, no_cue.cue_seconds) == (8, None)
    assert (dashed.title, dashed.remix, dashed.cue_seconds) == (
        "Song - Extended",
        "Someone's Dub",
        6500,
    )
    assert all("Save Track" not in (t.artist or "") for t in tracks)


def test_page_metadata() -> None:
    html = page(
        title="ARTBAT & Anyma @ Tomorrowland, Boom, Belgium 2023-07-21",
        djs=["ARTBAT", "Anyma"],
        source=["Tomorrowland", "Mainstage"],
        date="2023-07-21",
        genres=["Techno", "Melodic House & Techno"],
        submitter="crate_digger_93",
    )
    parsed = parse_tracklist(html, URL + "?ref=search#top")

    assert parsed.title == "ARTBAT & Anyma @ Tomorrowland, Boom, Belgium 2023-07-21"
    assert parsed.source_id == "2k3l4m9"
    assert parsed.url == URL  # the query and fragment are not part of the page's address
    assert parsed.djs == ("ARTBAT", "Anyma")  # never the submitting user (a body-level author)
    assert "crate_digger_93" not in parsed.djs
    assert parsed.source == "Tomorrowland"
    assert parsed.date == date(2023, 7, 21)
    assert parsed.genres == ("Techno", "Melodic House & Techno")
    assert parsed.claimed_track_count == 9
    assert [link.url for link in parsed.dj_links] == [
        BASE_URL + dj_path("ARTBAT"),
        BASE_URL + dj_path("Anyma"),
    ]
    assert [(link.name, link.url) for link in parsed.source_links] == [
        ("Tomorrowland", BASE_URL + source_path("Tomorrowland")),
        ("Mainstage", BASE_URL + source_path("Mainstage")),
    ]


def test_without_url_the_canonical_link_gives_id_and_address() -> None:
    parsed = parse_tracklist(page())
    assert parsed.source_id == "2k3l4m9"
    assert parsed.url == URL


def test_links_are_made_absolute_on_the_site_the_page_came_from() -> None:
    local = "http://127.0.0.1:8765"
    html = page(base_url=local)
    parsed = parse_tracklist(html, local + tracklist_path("2k3l4m9", "x"))
    assert all(t.url is None or t.url.startswith(local + "/track/") for t in parsed.tracks)
    assert parsed.dj_links[0].url == local + dj_path("ARTBAT")


def test_json_shape_is_stable() -> None:
    parsed = parse_tracklist(page(), URL)
    data = json.loads(json.dumps(parsed.to_json()))

    assert list(data) == [
        "source_id",
        "url",
        "title",
        "djs",
        "source",
        "date",
        "genres",
        "claimed_track_count",
        "tracks",
    ]
    assert data["date"] == "2023-07-21"
    assert data["claimed_track_count"] == 9
    assert list(data["tracks"][0]) == [
        "position",
        "with_previous",
        "cue_seconds",
        "artist",
        "title",
        "remix",
        "edit_note",
        "label",
        "is_id",
        "mashup",
        "url",
    ]
    w = data["tracks"][2]
    assert (w["position"], w["with_previous"], w["cue_seconds"]) == (None, True, None)
    unknown = data["tracks"][3]
    assert (unknown["artist"], unknown["title"], unknown["is_id"]) == ("ID", "ID", True)
    assert ParsedTracklist.from_json(data) == parsed


def test_page_without_cues() -> None:
    parsed = parse_tracklist(page(cues=False), URL)
    assert [t.cue_seconds for t in parsed.tracks] == [None] * 12
    assert [t.position for t in parsed.tracks if t.position] == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_first_track_cue_zero_rules() -> None:
    # A first track without a cue on a page where other rows have cues starts the mix at 0.
    rows = [Row("A", "One"), Row("B", "Two", cue=300)]
    assert [t.cue_seconds for t in parse_tracklist(page(rows=rows)).tracks] == [0, 300]
    # A cued page layout where no row has a cue at all: 0 means none everywhere.
    rows = [Row("A", "One"), Row("B", "Two")]
    assert [t.cue_seconds for t in parse_tracklist(page(rows=rows)).tracks] == [None, None]


def test_cue_read_from_the_visible_text_when_the_hidden_input_is_gone() -> None:
    rows = [Row("A", "One", cue=0), Row("B", "Two", cue=754), Row("C", "Three", cue=6258)]
    html = re.sub(r'<input type="hidden" id="tlp\d+_cue_seconds" value="\d+">', "", page(rows=rows))
    assert "_cue_seconds" not in html
    assert [t.cue_seconds for t in parse_tracklist(html).tracks] == [0, 754, 6258]


def test_more_than_99_tracks_and_100_minutes() -> None:
    rows = generated_rows(120, spacing=60, start_seconds=30)
    parsed = parse_tracklist(page(rows=rows), URL)
    assert [t.position for t in parsed.tracks] == list(range(1, 121))
    assert parsed.tracks[-1].cue_seconds == 30 + 119 * 60  # 2 h 0 min
    assert parsed.tracks[-1].artist == "Artist 120"
    assert parsed.claimed_track_count == 120


def test_generated_rows_with_variety() -> None:
    parsed = parse_tracklist(page(rows=generated_rows(30, variety=True)), URL)
    main = [t for t in parsed.tracks if t.position is not None]
    assert len(main) == 30
    assert sum(t.with_previous for t in parsed.tracks) == 3
    assert main[3].artist == "Artist 4 ft. Singer 4"
    assert main[4].artist == "Artist 5 & Partner 5"
    assert (main[2].title, main[2].remix) == ("Title 3", "Remixer 3 Remix")
    assert main[12].is_id


def test_full_id_rows_have_no_itemprop_on_the_page() -> None:
    html = page(rows=[Row(ID, ID, cue=0), Row("A", "B", cue=60)])
    tlp = html.split('id="tlp_0"')[1].split('id="tlp_1"')[0]
    assert "itemprop" not in tlp  # the fake is faithful: the parser must not need metas
    assert parse_tracklist(html).tracks[0] == ParsedTrack(
        position=1, cue_seconds=0, artist=ID, title=ID, is_id=True
    )


def test_info_headers_suggestions_ads_and_scripts_are_skipped() -> None:
    rows: list[Row | Header | Suggestion] = []
    for i in range(1, 21):
        rows.append(Row(f"Artist {i}", f"Title {i}", cue=i * 60))
        if i % 5 == 0:
            rows += [Header(f"Part {i // 5}"), Suggestion("Fan", f"Guess {i}")]
    html = page(rows=rows)
    assert html.count('class="adContainer"') >= 3 and html.count("sugTog") == 4
    parsed = parse_tracklist(html)
    assert [t.artist for t in parsed.tracks] == [f"Artist {i}" for i in range(1, 21)]
    assert not any("Fan" in (t.artist or "") or "Part" in (t.artist or "") for t in parsed.tracks)


def test_label_falls_back_to_the_publisher_meta() -> None:
    rows = [Row("A", "One", cue=0, publisher="Kompakt Schallplatten"), Row("B", "Two", cue=60)]
    assert parse_tracklist(page(rows=rows)).tracks[0].label == "Kompakt Schallplatten"


def test_escaped_markup_in_the_publisher_meta_stays_out_of_the_label() -> None:
    rows = [Row("A", "One", label="DRUMCODE", publisher='<span class="x">Drumcode</span> Ltd')]
    html = page(rows=rows)
    assert 'content="&lt;span class=&quot;x&quot;&gt;Drumcode&lt;/span&gt; Ltd"' in html
    assert parse_tracklist(html).tracks[0].label == "DRUMCODE"


def test_script_in_names_is_kept_verbatim() -> None:
    evil = "<script>alert('x')</script>"
    rows = [Row(evil, f"{evil} & Co", remix=f"{evil} Remix", label=evil, cue=0)]
    html = page(rows=rows, title=f"{evil} Live", djs=[evil])
    assert "<script>alert(" not in html  # the page escapes it like the real site
    parsed = parse_tracklist(html)
    track = parsed.tracks[0]
    assert (track.artist, track.title, track.remix, track.label) == (
        evil,
        f"{evil} & Co",
        f"{evil} Remix",
        evil,
    )
    assert parsed.title == f"{evil} Live"
    assert parsed.djs == (evil,)


def test_duplicate_positions_and_backwards_cues_are_kept_and_flagged() -> None:
    rows = [
        Row("A", "One", cue=0),
        Row("B", "Two", cue=600),
        Row("C", "Three", cue=300),  # backwards
        Row("D", "Four", cue=900, position=3),  # duplicate number
    ]
    parsed = parse_tracklist(page(rows=rows))
    assert [t.position for t in parsed.tracks] == [1, 2, 3, 3]
    assert [t.cue_seconds for t in parsed.tracks] == [0, 600, 300, 900]
    warnings = row_warnings(parsed.tracks)
    assert warnings[0] == warnings[1] == ()
    assert "before an earlier row" in warnings[2][0]
    assert warnings[3] == ("position 3 appears more than once",)


def test_empty_tracklist_claiming_no_tracks() -> None:
    parsed = parse_tracklist(page(rows=[]))
    assert parsed.tracks == () and parsed.claimed_track_count == 0


# --- what is not a tracklist ----------------------------------------------------------------------


def test_challenge_page() -> None:
    with pytest.raises(ChallengePage, match="challenge"):
        parse_tracklist(challenge_page(), URL)


def test_challenge_recognised_by_its_text_alone() -> None:
    html = "<html><body><h2>Please wait, you will be forwarded ...</h2></body></html>"
    with pytest.raises(ChallengePage, match="Please wait"):
        parse_tracklist(html, URL)


def test_homepage_at_a_tracklist_url() -> None:
    with pytest.raises(ChallengePage, match="homepage"):
        parse_tracklist(homepage(), URL)


def test_homepage_without_canonical_link_is_still_recognised() -> None:
    html = re.sub(r'<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>', "", homepage())
    assert "canonical" not in html
    with pytest.raises(ChallengePage, match="homepage"):
        parse_tracklist(html, URL)


def test_unknown_layout_names_the_missing_table() -> None:
    html = page().replace('id="tlTab"', 'id="tracklistTable"').replace("MusicPlaylist", "List")
    with pytest.raises(LayoutError, match=r"^no #tlTab"):
        parse_tracklist(html, URL)


def test_unknown_row_layout_names_rows_and_claimed_count() -> None:
    rows = [Row(ID, ID, cue=i * 60) for i in range(22)]  # ID rows: no metas to fall back on
    html = page(rows=rows).replace("tlpItem", "trackRow")
    with pytest.raises(LayoutError, match=r"^0 rows while the page claims 22 tracks$"):
        parse_tracklist(html, URL)


def test_rows_fall_back_to_the_schema_org_metas() -> None:
    rows = [
        Row("Tale Of Us", "Astral", remix="Afterlife Remix", cue=0, label="AFTERLIFE"),
        Row("B", "Two", cue=60),
    ]
    html = page(rows=rows, claimed=2).replace("tlpItem", "trackRow")
    html = html.replace("trackValue", "trackShown").replace("trackLabel", "labelShown")
    parsed = parse_tracklist(html, URL)
    first = parsed.tracks[0]
    assert (first.artist, first.title, first.remix, first.label) == (
        "Tale Of Us",
        "Astral",
        "Afterlife Remix",
        "AFTERLIFE",
    )
    assert first.url is not None and first.url.startswith(BASE_URL + "/track/")


def test_playlist_found_by_its_schema_org_type_when_the_id_changes() -> None:
    html = page().replace('id="tlTab"', 'id="tracklistTable"')
    parsed = parse_tracklist(html, URL)
    assert parsed.claimed_track_count == 9 and len(parsed.tracks) == 12
    assert parsed.genres == ("Techno",)


def test_title_and_dj_fall_back_when_metas_or_links_are_missing() -> None:
    html = page(djs=["ARTBAT"])
    html = re.sub(r'<meta itemprop="name" content="ARTBAT @[^"]*">', "", html)
    html = html.replace('href="/dj/', 'href="/artist-page/')
    parsed = parse_tracklist(html, URL)
    assert parsed.title == "ARTBAT @ Tomorrowland 2023-07-21"  # the heading's text
    assert parsed.djs == ("ARTBAT",)  # the playlist's author meta, not the submitting user


def test_playlist_metas_found_when_wrapped_in_an_element() -> None:
    html = page(genres=["Techno", "House"])
    start = html.index('<meta itemprop="name" content="ARTBAT @')
    end = html.index('<div class="tlpTog', start)
    html = f'{html[:start]}<div class="tlMeta">{html[start:end]}</div>{html[end:]}'
    parsed = parse_tracklist(html, URL)
    assert parsed.title == "ARTBAT @ Tomorrowland, Boom, Belgium 2023-07-21"
    assert parsed.genres == ("Techno", "House")  # not the tracks' genre metas
    assert parsed.claimed_track_count == 9 and parsed.date == date(2023, 7, 21)


def test_claimed_count_from_data_count_when_the_meta_is_gone() -> None:
    html = re.sub(r'<meta itemprop="numTracks"[^>]*>', "", page())
    assert parse_tracklist(html).claimed_track_count == 9


def test_truncated_page_is_refused() -> None:
    html = page(rows=generated_rows(22))
    cut = html.index('id="tlp_12"')  # in the middle of the list
    with pytest.raises(LayoutError, match=r"^12 rows while the page claims 22 tracks"):
        parse_tracklist(html[:cut], URL)
    # Cut inside a row (its metas there, its visible value not yet): still refused.
    inside = html.index("<meta itemprop", html.index('id="tlp_12"'))
    with pytest.raises(LayoutError, match="rows while the page claims 22 tracks"):
        parse_tracklist(html[:inside], URL)


def test_page_cut_after_the_table_is_complete() -> None:
    html = page(rows=generated_rows(22))
    parsed = parse_tracklist(html[: html.index('<div class="tlFooter">')], URL)
    assert len(parsed.tracks) == 22


def test_malformed_html_is_read_as_a_browser_would() -> None:
    html = page()
    broken = (
        html.replace("</span></span>", "</span>")  # unclosed track values
        .replace('<div class="bCont tl">', "<div class=bCont tl><p><b>")  # unclosed, unquoted
        .replace("</h1>", "</h1></td></tr></table>")  # stray closing tags
        .replace("</body>\n</html>", "")
    )
    assert parse_tracklist(broken, URL).to_json() == parse_tracklist(html, URL).to_json()


# --- reading in segments --------------------------------------------------------------------------
# parse_tracklist reads a page in segments (domain/tracklists/segments.py) when lexbor can show
# that this builds the same tree as the whole document, and reads the whole document otherwise.
# Both readings must give the same result on every kind of page; the segment sizes go from a cut
# at about every row to the production size.

SEGMENT_SIZES = (512, 4096, 32 * 1024)


def _variants() -> dict[str, tuple[str, str | None]]:
    """Every kind of tracklist page the builders make, with the URL it is read from."""
    rows_with_breaks: list[Row | Header | Suggestion] = []
    for i in range(1, 41):
        rows_with_breaks.append(Row(f"Artist {i}", f"Title {i}", cue=i * 60))
        if i % 5 == 0:
            rows_with_breaks += [Header(f"Part {i // 5}"), Suggestion("Fan", f"Guess {i}")]
    evil = "<script>alert('x')</script>"
    local = "http://127.0.0.1:8765"
    latin1 = page(rows=[Row("Kölsch", "Grey", label="Ämter Records", cue=0)], charset="iso-8859-1")
    return {
        "every row kind": (page(), URL),
        "no url: the canonical link": (page(), None),
        "without cues": (page(cues=False), URL),
        "over 99 tracks and 100 minutes": (
            page(rows=generated_rows(120, spacing=60, start_seconds=30)),
            URL,
        ),
        "the benchmark's page": (
            tracklist_page(rows=generated_rows(100, variety=True), pad_kb=100),
            URL,
        ),
        "variety without ads": (page(rows=generated_rows(60, variety=True), ads=False), URL),
        "headers and suggestions": (page(rows=rows_with_breaks), URL),
        "metadata": (
            page(
                djs=["ARTBAT", "Anyma"],
                source=["Tomorrowland", "Mainstage"],
                genres=["Techno", "Melodic House & Techno"],
                submitter="crate_digger_93",
                date=None,
            ),
            URL + "?ref=search#top",
        ),
        "script in names": (
            page(rows=[Row(evil, evil, remix=f"{evil} Remix", label=evil, cue=0)], djs=[evil]),
            URL,
        ),
        "duplicate positions, cues going back": (
            page(
                rows=[
                    Row("A", "One", cue=0),
                    Row("B", "Two", cue=600),
                    Row("C", "Three", cue=300),
                    Row("D", "Four", cue=900, position=3),
                ]
            ),
            URL,
        ),
        "first track without a cue": (page(rows=[Row("A", "One"), Row("B", "Two", cue=9)]), URL),
        "publisher markup": (
            page(rows=[Row("A", "One", label="DC", publisher='<span class="x">Drumcode</span>')]),
            URL,
        ),
        "full-ID rows only": (page(rows=[Row(ID, ID, cue=i * 60) for i in range(30)]), URL),
        "a local site": (page(base_url=local), local + tracklist_path("2k3l4m9", "x")),
        "latin-1, decoded": (decode_page(latin1.encode("latin-1")), URL),
        "cut after the table": (page()[: page().index('<div class="tlFooter">')], URL),
    }


VARIANTS = _variants()


@pytest.mark.parametrize("size", SEGMENT_SIZES)
@pytest.mark.parametrize("name", list(VARIANTS))
def test_segments_read_every_kind_of_page_as_the_whole_document(name: str, size: int) -> None:
    html, url = VARIANTS[name]
    whole = _parse_document(html, url)
    assert _parse_in_segments(html, url, size) == whole  # the shortcut applies, and agrees
    assert parse_tracklist(html, url) == whole


def _rows_page() -> str:
    return page(rows=generated_rows(30))


def _after_row_start(html: str, row_id: str, insert: str) -> str:
    """`insert` right after the start tag of the row with `row_id` (a cut lands before it)."""
    end = html.index(">", html.index(f'id="{row_id}"')) + 1
    return html[:end] + insert + html[end:]


def _before_row(html: str, row_id: str, insert: str) -> str:
    start = html.rfind("<div", 0, html.index(f'id="{row_id}"'))
    return html[:start] + insert + html[start:]


def _playlist_metas_moved_to_the_end(html: str) -> str:
    start = html.index('<meta itemprop="name" content="ARTBAT @')
    end = html.index('<div class="tlpTog', start)
    moved = html[:start] + html[end:]
    footer = '\n</div>\n<div class="tlFooter">'
    return moved.replace(footer, html[start:end] + footer)


# Pages where the segments cannot be shown to build the whole document's tree: the whole document
# is read (and names what is wrong, if anything).
STEPS_ASIDE: dict[str, Callable[[], str]] = {
    "quirks mode": lambda: page().replace(
        "<!DOCTYPE html>", '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">'
    ),
    "no canonical link": lambda: re.sub(r'<link rel="canonical"[^>]*>', "", page()),
    "no title block": lambda: page().replace('id="pageTitle"', 'id="heading"'),
    "table inside a list item": lambda: page().replace(
        '<div id="tlTab"', '<ul><li><div id="tlTab"'
    ),
    "table inside a form": lambda: page().replace('<div id="tlTab"', '<form><div id="tlTab"'),
    # A form closed only by its parent's end: the next <form> tags would be dropped.
    "form left open": lambda: page().replace(
        '<div id="pageTitle"', '<div class="nav"><form action="/x"></div><div id="pageTitle"'
    ),
    # Unclosed <b> in every row: reopened in the next rows, so no cut is clean.
    "formatting left open": lambda: page(rows=generated_rows(30)).replace(
        '<div class="bCont tl">', '<div class="bCont tl"><b>'
    ),
    "malformed": lambda: (
        page()
        .replace("</span></span>", "</span>")
        .replace('<div class="bCont tl">', "<div class=bCont tl><p><b>")
        .replace("</h1>", "</h1></td></tr></table>")
        .replace("</body>\n</html>", "")
    ),
    "an open table in a row": lambda: _before_row(_rows_page(), "tlp_14", "<table><tr><td>x"),
    "our marker's tag in the page": lambda: _before_row(
        _rows_page(), "tlp_13", "<crateloop-segment-end><form></form>"
    ),
    "playlist metas wrapped": lambda: (
        page()
        .replace(
            '<meta itemprop="name" content="ARTBAT @',
            '<div class="m"><meta itemprop="name" content="ARTBAT @',
        )
        .replace('<div class="tlpTog', '</div><div class="tlpTog', 1)
    ),
    "rows without tlpItem": lambda: page(rows=[Row("A", "B", cue=0)], claimed=1).replace(
        "tlpItem", "trackRow"
    ),
    "empty tracklist": lambda: page(rows=[]),
    # The title block left open around the table: the rows would be in it too.
    "title block around the table": lambda: (
        page()
        .replace("</h1></div>", "</h1>")
        .replace('\n</div>\n<div class="tlFooter">', '\n</div></div>\n<div class="tlFooter">')
    ),
    # An end tag of one of the table's ancestors inside a row closes the table there.
    "an ancestor's end tag in a row": lambda: _after_row_start(
        page(rows=generated_rows(30), claimed=5).replace(
            '<div id="tlTab"', '<section><div id="tlTab"'
        ),
        "tlp_12",
        "</section>",
    ),
}


@pytest.mark.parametrize("name", list(STEPS_ASIDE))
def test_segments_step_aside_when_they_cannot_show_the_same_tree(name: str) -> None:
    html = STEPS_ASIDE[name]()
    whole = _parse_document(html, URL)
    for size in SEGMENT_SIZES:
        with pytest.raises(_NotShown):
            _parse_in_segments(html, URL, size)
    assert parse_tracklist(html, URL) == whole


def test_a_frameset_at_the_start_of_a_segment_is_caught() -> None:
    # The whole document ignores it (text came before); the stand-in would let it replace <body>.
    html = _after_row_start(_rows_page(), "tlp_12", "<frameset>")
    whole = _parse_document(html, URL)
    with pytest.raises(_NotShown):
        _parse_in_segments(html, URL, 512)  # a cut before every row
    assert parse_tracklist(html, URL) == whole


STILL_APPLIES: dict[str, Callable[[], str]] = {
    "row classes after the table": lambda: _rows_page().replace(
        '<div class="tlFooter">',
        '<div class="side"></div><div class="bItm tlpItem">x</div>\n<div class="tlFooter">',
    ),
    "a suggestion block holding two rows": lambda: _before_row(
        _rows_page(),
        "tlp_10",
        '<div class="sugTog"><div class="bItm tlpItem sugItem"><span class="trackValue">A - '
        '<span class="notranslate">B</span></span></div>\n<div class="bItm tlpItem sugItem">'
        '<span class="trackValue">C - <span class="notranslate">D</span></span></div></div>',
    ),
    "playlist metas after the rows": lambda: _playlist_metas_moved_to_the_end(_rows_page()),
    "a frameset after text in a segment": lambda: _after_row_start(
        _rows_page(), "tlp_12", "text first<frameset>"
    ),
}


@pytest.mark.parametrize("name", list(STILL_APPLIES))
def test_segments_still_apply_around_misleading_text(name: str) -> None:
    html = STILL_APPLIES[name]()
    whole = _parse_document(html, URL)
    for size in SEGMENT_SIZES:
        assert _parse_in_segments(html, URL, size) == whole


ERROR_PAGES: dict[str, Callable[[], str]] = {
    "challenge": challenge_page,
    "homepage": homepage,
    "homepage without canonical link": lambda: re.sub(
        r'<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>', "", homepage()
    ),
    "DJ page": lambda: listing_page([Entry("tracklist", "Set", tracklist_path("abc", "set"))]),
    "search results": lambda: search_page([], query="x"),
    "unknown layout": lambda: (
        page().replace('id="tlTab"', 'id="other"').replace("MusicPlaylist", "L")
    ),
    "unknown row layout": lambda: page(rows=[Row(ID, ID, cue=i) for i in range(22)]).replace(
        "tlpItem", "trackRow"
    ),
    "truncated": lambda: _rows_page()[: _rows_page().index('id="tlp_12"')],
    "claims more than it has": lambda: page(claimed=40),
    "no title at all": lambda: re.sub(
        r'<meta itemprop="name" content="ARTBAT @[^"]*">|<title>[^<]*</title>'
        r'|(?<=<h1 class="notranslate">).*?(?=</h1>)',
        "",
        page(),
    ),
}


@pytest.mark.parametrize("name", list(ERROR_PAGES))
def test_pages_that_are_refused_are_refused_alike(name: str) -> None:
    html = ERROR_PAGES[name]()
    with pytest.raises(PageError) as whole:
        _parse_document(html, URL)
    with pytest.raises(type(whole.value), match=f"^{re.escape(str(whole.value))}$"):
        parse_tracklist(html, URL)


# --- decoding -------------------------------------------------------------------------------------


def test_decode_utf8_and_declared_latin1() -> None:
    html = page(rows=[Row("Kölsch", "Grey", label="Ämter Records", cue=0)], charset="iso-8859-1")
    raw = html.encode("latin-1")
    text = decode_page(raw)  # the charset comes from <meta charset>
    assert parse_tracklist(text).tracks[0].label == "Ämter Records"
    assert decode_page(raw, "text/html; charset=ISO-8859-1") == text
    assert decode_page(page().encode(), "text/html") == page()
    assert decode_page(b"\xef\xbb\xbf<p>\xc3\xa9</p>") == "<p>é</p>"


def test_bytes_that_are_not_utf8_are_refused_with_the_offset() -> None:
    raw = b"<html><body><p>K\xf6lsch</p></body></html>"
    with pytest.raises(PageEncodingError, match=r"not valid utf-8 .*byte 0xf6 at offset 16"):
        decode_page(raw)
    with pytest.raises(PageEncodingError, match="Content-Type"):
        decode_page(raw, "text/html; charset=utf-8")


def test_latin1_label_reads_as_windows_1252_like_browsers() -> None:
    raw = b'<meta charset="ISO-8859-1"><p>\x93Quoted\x94 K\xf6lsch \x81</p>'
    assert decode_page(raw) == '<meta charset="ISO-8859-1"><p>“Quoted” Kölsch \x81</p>'


def test_header_charset_wins_over_the_meta() -> None:
    raw = '<meta charset="utf-8"><p>Kölsch</p>'.encode("latin-1")
    assert "Kölsch" in decode_page(raw, "text/html; charset=windows-1252")


def test_unknown_charset_is_named() -> None:
    with pytest.raises(PageEncodingError, match="unknown charset 'x-klingon'"):
        decode_page(b"<p>x</p>", "text/html; charset=x-klingon")


# --- search results, DJ and source pages ----------------------------------------------------------


def test_search_results_of_every_kind() -> None:
    html = search_page(
        [
            Entry(
                "tracklist", "ARTBAT @ Tomorrowland", tracklist_path("2k3l4m9", "a"), "2023-07-21"
            ),
            Entry("dj", "ARTBAT", dj_path("ARTBAT")),
            Entry("source", "Tomorrowland", source_path("Tomorrowland")),
            Entry("tracklist", "<b>Tagged</b> & Co", tracklist_path("9x", "b")),
        ],
        query="artbat",
    )
    listing = parse_listing(html, f"{BASE_URL}/search/result.php")
    assert listing == Listing(
        (
            ListingItem(
                ListingKind.TRACKLIST,
                "ARTBAT @ Tomorrowland",
                BASE_URL + tracklist_path("2k3l4m9", "a"),
                date(2023, 7, 21),
            ),
            ListingItem(ListingKind.DJ, "ARTBAT", BASE_URL + dj_path("ARTBAT")),
            ListingItem(ListingKind.SOURCE, "Tomorrowland", BASE_URL + source_path("Tomorrowland")),
            ListingItem(
                ListingKind.TRACKLIST, "<b>Tagged</b> & Co", BASE_URL + tracklist_path("9x", "b")
            ),
        ),
        None,
    )


def test_search_without_results() -> None:
    listing = parse_listing(search_page([], query="nothing"), f"{BASE_URL}/search/result.php")
    assert listing == Listing((), None)


def test_dj_page_with_pagination() -> None:
    url = BASE_URL + dj_path("ARTBAT")
    entries = [
        Entry(
            "tracklist", f"ARTBAT @ Club {i}", tracklist_path(f"a{i}", f"c{i}"), f"2024-01-{i:02d}"
        )
        for i in range(1, 31)
    ]
    first = parse_listing(listing_page(entries[:20], url + "?page=2"), url)
    assert len(first.items) == 20  # the sidebar's links are not results
    assert first.items[0].url == BASE_URL + tracklist_path("a1", "c1")
    assert first.items[0].date == date(2024, 1, 1)
    assert first.next_url == url + "?page=2"
    second = parse_listing(listing_page(entries[20:]), url + "?page=2")
    assert [i.title for i in second.items] == [f"ARTBAT @ Club {i}" for i in range(21, 31)]
    assert second.next_url is None


def test_source_page_relative_to_a_local_site() -> None:
    local = "http://127.0.0.1:9999"
    url = local + source_path("Tomorrowland")
    entries = [Entry("tracklist", "Set", tracklist_path("abc", "set"))]
    listing = parse_listing(listing_page(entries, "?page=2", heading="Tomorrowland"), url)
    assert listing.items[0].url == local + tracklist_path("abc", "set")
    assert listing.next_url == url + "?page=2"


def test_listing_refuses_challenge_and_homepage() -> None:
    with pytest.raises(ChallengePage):
        parse_listing(challenge_page(), f"{BASE_URL}/search/result.php")
    with pytest.raises(ChallengePage, match="homepage"):
        parse_listing(homepage(), BASE_URL + dj_path("ARTBAT"))


# --- remixes in every layout ----------------------------------------------------------------------

REMIX_LAYOUTS = ["remixValue", "notranslate", "in_title", "unknown"]
VERSIONS = [
    ("LOGIC1000 & Big Ever Remix", "LOGIC1000 & Big Ever"),
    ("Bicep Edit", "Bicep"),
    ("Kerri Chandler Dub", "Kerri Chandler"),
    ("Ewan McVicar Rework", "Ewan McVicar"),
    ("Hot Since 82 Bootleg", "Hot Since 82"),
    ("Moderat VIP", "Moderat"),
    ("Âme Extended Mix", "Âme"),
]


def remix_page(layout: str) -> str:
    rows = [
        Row("Moderat", f"Copy Copy {i}", remix=remix, remixer=who, remix_markup=layout, cue=i * 60)
        for i, (remix, who) in enumerate(VERSIONS)
    ]
    rows.append(Row("Burial", "Archangel (Part 2)", cue=900))  # brackets that are not a remix
    return page(rows=rows)


def test_the_2023_remix_markup_is_what_the_real_site_shows() -> None:
    html = remix_page("notranslate")
    assert "remixValue" not in html
    assert (
        ' - <span class="notranslate blueTxt">Copy Copy 0</span> <span class="notranslate">('
        '<span class="blueTxt">LOGIC1000 &amp; Big Ever</span><span class="tgHid">'
    ) in html
    assert "</span> Remix)</span></span>" in html
    assert (
        '<meta itemprop="name" content="Moderat - Copy Copy 0 (LOGIC1000 &amp; Big Ever Remix)">'
        in html
    )


@pytest.mark.parametrize("layout", REMIX_LAYOUTS)
def test_remixes_read_the_same_in_every_layout_and_the_cue_title_holds_them_once(
    layout: str,
) -> None:
    # "remixValue" and "notranslate" are the site's layouts; "in_title" and "unknown" stand for
    # a fourth one: the remix inside the title's span, or in markup no selector knows.
    html = remix_page(layout)
    for parsed in (parse_tracklist(html, URL), _parse_document(html, URL)):
        tracks = parsed.tracks
        assert [(t.artist, t.title, t.remix) for t in tracks] == [
            *(("Moderat", f"Copy Copy {i}", remix) for i, (remix, _) in enumerate(VERSIONS)),
            ("Burial", "Archangel (Part 2)", None),
        ]
        sheet = build_cue(parsed).files[0].text
        assert 'TITLE "Copy Copy 0 (LOGIC1000 & Big Ever Remix)"' in sheet
        assert 'TITLE "Copy Copy 5 (Moderat VIP)"' in sheet
        assert "Remix) (" not in sheet and "(Remix)" not in sheet
        assert 'TITLE "Archangel (Part 2)"' in sheet


def test_a_row_that_shows_a_remix_its_name_meta_does_not_have_reads_the_meta() -> None:
    # What the old reading of the 2023 markup gave: the remix left in the title and a second
    # "remix" made of the version word. The name meta settles it.
    html = page(rows=[Row("Moderat", "Copy Copy", remix="LOGIC1000 & Big Ever Remix", cue=0)])
    misread = html.replace(
        '<span class="notranslate blueTxt">Copy Copy</span> <span class="remixValue">('
        '<span class="blueTxt">LOGIC1000 &amp; Big Ever</span> Remix)</span>',
        '<span class="notranslate blueTxt">Copy Copy (LOGIC1000 &amp; Big Ever Remix)</span>'
        ' <span class="remixValue">(Remix)</span>',
    )
    assert misread != html
    track = parse_tracklist(misread, URL).tracks[0]
    assert (track.title, track.remix) == ("Copy Copy", "LOGIC1000 & Big Ever Remix")
