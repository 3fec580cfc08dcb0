"""Parse a 100-track 1001tracklists page: p50 ≤ 5 ms; BeautifulSoup + lxml beside it, for the ratio.

The page comes from the test builders (tests/fakes/tracklist_pages.py): 100 numbered tracks with
"w/" and ID rows, remixes and labels, each row carrying the player and shop markup a real row
has, plus inline scripts and sidebar markup: ~400 KB, where real pages weigh 300 to 600 KB.
The BeautifulSoup version extracts the same fields the same way (and is checked to agree).
`parse_tracklist` reads such a page in segments (segments.py); the whole-document reading it falls
back to is measured beside it, after it, and both are checked to give the same result.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from bench.common import Result, millis, percentile
from domain.config import Settings
from domain.tracklists.parse import _parse_document, parse_tracklist
from domain.tracklists.segments import _parse_in_segments
from tests.fakes.tracklist_pages import generated_rows, tracklist_page

RUNS = 300
SOUP_RUNS = 30
URL = "https://www.1001tracklists.com/tracklist/2k3l4m9/artbat-tomorrowland-2023-07-21.html"


def run(settings: Settings) -> list[Result]:
    html = tracklist_page(rows=generated_rows(100, variety=True), pad_kb=100)
    ours = parse_tracklist(html, URL)
    # The figure is the segmented reading's: it applies to this page and agrees with the whole.
    assert _parse_in_segments(html, URL) == _parse_document(html, URL) == ours
    theirs = soup_tracks(html, URL)
    assert len(ours.tracks) == len(theirs) == 110
    assert [(t.artist, t.title, t.remix, t.label, t.cue_seconds) for t in ours.tracks] == [
        (t["artist"], t["title"], t["remix"], t["label"], t["cue"]) for t in theirs
    ]

    ours_p50 = _p50(lambda: parse_tracklist(html, URL), RUNS)
    whole_p50 = _p50(lambda: _parse_document(html, URL), RUNS)
    soup_p50 = _p50(lambda: soup_tracks(html, URL), SOUP_RUNS)
    size = f"{len(html.encode()) // 1024} KB, {len(ours.tracks)} rows"
    return [
        Result(f"selectolax parse p50 ({size})", millis(ours_p50), "≤ 5 ms", ours_p50 <= 5e-3),
        Result(
            "same page as one whole tree (the fallback), p50",
            millis(whole_p50),
            "(reference)",
            True,
        ),
        Result("BeautifulSoup + lxml, same fields, p50", millis(soup_p50), "(reference)", True),
        Result("ratio BeautifulSoup / selectolax", f"{soup_p50 / ours_p50:.1f} x", "> 1", True),
    ]


def _p50(parse: Callable[[], object], runs: int) -> float:
    for _ in range(3):
        parse()
    samples = []
    gc.collect()
    for _ in range(runs):
        started = time.perf_counter()
        parse()
        samples.append(time.perf_counter() - started)
    return percentile(samples, 50)


def soup_tracks(html: str, url: str) -> list[dict[str, object]]:
    """The same rows and fields as `parse_tracklist`, the way one would with BeautifulSoup."""
    soup = BeautifulSoup(html, "lxml")
    table = soup.select_one("#tlTab")
    assert table is not None
    rows: list[dict[str, object]] = []
    for row in table.select("div.tlpItem"):
        if row.find_parent(class_="sugTog") or "bItmH" in (row.get("class") or []):
            continue
        for hidden in row.select("span.tgHid"):
            hidden.decompose()
        classes: list[str] = list(row.get("class") or [])
        number_node = row.select_one('span[id$="_tracknumber_value"]')
        number = number_node.get_text(strip=True) if number_node else ""
        with_previous = "con" in classes or number == "w/"
        mashup = "mashupTrack" in classes or row.select_one('i[title="mashup linked position"]')
        value = row.select_one("span.trackValue")
        shown = " ".join(value.get_text().split()) if value else ""
        title_node = row.select_one("span.trackValue span.notranslate")
        title = " ".join(title_node.get_text().split()) if title_node else ""
        remix_node = row.select_one("span.remixValue")
        remix = " ".join(remix_node.get_text().split())[1:-1] if remix_node else None
        if title:
            artist = shown[: shown.find(f" - {title}")]
        else:
            artist, _, title = shown.partition(" - ")
        label_node = row.select_one("span.trackLabel")
        edit_node = row.select_one("span.trackEditData")
        url_meta = row.select_one('[itemprop="tracks"] meta[itemprop="url"]')
        hidden_cue = row.select_one('input[id$="_cue_seconds"]')
        seconds = _int(hidden_cue.get("value")) if isinstance(hidden_cue, Tag) else None
        cue = seconds if seconds or (seconds == 0 and not rows) else None
        rows.append(
            {
                "position": int(number) if number.isdigit() else None,
                "with_previous": with_previous,
                "mashup": bool(mashup),
                "artist": artist.strip(),
                "title": title.strip(),
                "remix": remix,
                "label": label_node.get_text(strip=True) if label_node else None,
                "edit": edit_node.get_text(strip=True) if edit_node else None,
                "cue": None if with_previous else cue,
                "url": urljoin(url, str(url_meta["content"])) if url_meta else None,
            }
        )
    return rows


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None
