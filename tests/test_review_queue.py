"""The review queue over HTTP on the real database: provisional rows listed newest mix first with
their differences marked; accept (made or joined library track), pick another, mark unknown and
reject are manual decisions; bad ids are 404s, bad input a 400 naming the field with nothing
changed, and a role without tracklists is refused."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import psycopg
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from domain.config import Settings
from domain.db import Sessions
from domain.library.store import DiscoveryRecord, record_discovery, upsert_track
from domain.models import Discovery, DiscoveryState, LibraryTrack, Role
from tests.library_data import facts
from tests.test_library_store import mix
from tests.waiting import wait_until_async
from tests.web_fixtures import Client, log_in_client, make_user
from web.app import create_app

MB_OPUS = "6a1c0d4a-2222-4c6e-9d0b-6f6d0c4a0002"
VERSION_REASON = "≠ version (Truncate Remix vs original)"


def musicbrainz_candidate(artist: str = "Eric Prydz", title: str = "Opus") -> dict[str, Any]:
    return {
        "source": "musicbrainz",
        "library_track_id": None,
        "musicbrainz_recording_id": MB_OPUS,
        "release_id": "5b2c0d4a-3333-4c6e-9d0b-6f6d0c4a0003",
        "release_title": "Opus",
        "artist": artist,
        "title": title,
        "version": "original",
        "label": "Virgin",
        "duration": 542.0,
        "distance": 0.21,
        "penalties": {"artist": 0.0, "title": 0.0, "version": 0.6},
        "reasons": [VERSION_REASON],
    }


def library_candidate(track_id: int) -> dict[str, Any]:
    return {
        "source": "library",
        "library_track_id": track_id,
        "musicbrainz_recording_id": None,
        "release_id": None,
        "release_title": None,
        "artist": "deadmau5",
        "title": "Strobe",
        "version": "original",
        "label": None,
        "duration": None,
        "distance": 0.4,
        "penalties": {"artist": 0.5, "title": 0.3},
        "reasons": ["≠ artist (Eric Prydz vs deadmau5)"],
    }


async def provisional(
    sessions: Sessions,
    source_id: str,
    confidence: float = 0.7,
    candidates: list[dict[str, Any]] | None = None,
) -> int:
    """A mix with one row "Eric Prydz - Opus (Truncate Remix)" waiting for review; its id."""
    where = await mix(sessions, source_id, "Eric Prydz - Opus (Truncate Remix)")
    tracklist_id, version_id, number = where
    return await record_discovery(
        sessions,
        DiscoveryRecord(
            tracklist_id=tracklist_id,
            version_id=version_id,
            version_number=number,
            row_index=0,
            position=1,
            row_text=f"Eric Prydz - Opus (Truncate Remix) #{source_id}",
            state=DiscoveryState.PROVISIONAL,
            confidence=confidence,
            differences={"penalties": {"version": 0.6}, "reasons": [VERSION_REASON]},
            candidates=candidates if candidates is not None else [musicbrainz_candidate()],
        ),
    )


async def discovery(sessions: Sessions, discovery_id: int) -> Discovery:
    async with sessions() as session:
        found = await session.get(Discovery, discovery_id)
    assert found is not None
    return found


async def track(sessions: Sessions, track_id: int) -> LibraryTrack:
    async with sessions() as session:
        found = await session.get(LibraryTrack, track_id)
    assert found is not None
    return found


async def test_the_queue_lists_provisional_rows_newest_mix_first(
    client: Client, sessions: Sessions
) -> None:
    older = await provisional(sessions, "older")
    newer = await provisional(sessions, "newer")
    decided = await provisional(sessions, "decided")
    await client.post(f"/review/{decided}/reject")

    page = await client.get("/review")

    assert page.status_code == 200
    html = page.text
    assert f'id="review-{decided}"' not in html
    assert html.index(f'id="review-{newer}"') < html.index(f'id="review-{older}"')
    assert VERSION_REASON in html
    assert 'class="differs"><dt>Version</dt>' in html
    assert "2 rows" in html


async def test_accept_makes_then_joins_the_library_track(
    client: Client, sessions: Sessions
) -> None:
    first = await provisional(sessions, "one")
    second = await provisional(sessions, "two")

    answer = await client.post(f"/review/{first}/accept", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "accepted" in answer.text
    again = await client.post(f"/review/{second}/accept", data={"candidate": "0"})
    assert again.status_code == 200  # the plain form is sent back to the queue

    one, two = await discovery(sessions, first), await discovery(sessions, second)
    assert (one.state, one.method) == ("matched", "manual")
    assert (two.state, two.method) == ("matched", "manual")
    assert one.library_track_id is not None
    assert one.library_track_id == two.library_track_id
    made = await track(sessions, one.library_track_id)
    assert made.musicbrainz_recording_id == MB_OPUS
    assert made.discovery_count == 2


async def test_picking_another_candidate_joins_that_track(
    client: Client, sessions: Sessions
) -> None:
    strobe = await upsert_track(sessions, facts())
    row = await provisional(
        sessions, "pick", candidates=[musicbrainz_candidate(), library_candidate(strobe)]
    )

    answer = await client.post(f"/review/{row}/accept", data={"candidate": "1"})

    assert answer.status_code == 200
    picked = await discovery(sessions, row)
    assert (picked.state, picked.method, picked.library_track_id) == ("matched", "manual", strobe)
    assert (await track(sessions, strobe)).discovery_count == 1
    async with sessions() as session:
        tracks = (await session.scalars(select(LibraryTrack.id))).all()
    assert list(tracks) == [strobe]  # the suggestion was not made a track


@pytest.mark.parametrize(
    ("action", "state"), [("reject", "rejected"), ("unknown", DiscoveryState.ID.value)]
)
async def test_reject_and_mark_unknown_are_manual_decisions(
    client: Client, sessions: Sessions, action: str, state: str
) -> None:
    row = await provisional(sessions, action)

    answer = await client.post(f"/review/{row}/{action}", headers={"HX-Request": "true"})

    assert answer.status_code == 200
    decided = await discovery(sessions, row)
    assert (decided.state, decided.method, decided.library_track_id) == (state, "manual", None)
    assert decided.candidates  # kept, to decide again later
    assert f'id="review-{row}"' not in (await client.get("/review")).text


@pytest.mark.parametrize("action", ["accept", "unknown", "reject"])
async def test_a_row_that_does_not_exist_is_a_404(
    client: Client, sessions: Sessions, action: str
) -> None:
    row = await provisional(sessions, "kept")

    answer = await client.post(f"/review/{row + 1000}/{action}")

    assert answer.status_code == 404
    assert (await discovery(sessions, row)).state == "provisional"


@pytest.mark.parametrize("candidate", ["5", "-1", "x", ""])
async def test_a_candidate_not_in_the_list_is_a_400_naming_it(
    client: Client, sessions: Sessions, candidate: str
) -> None:
    row = await provisional(sessions, "bad")

    answer = await client.post(f"/review/{row}/accept", data={"candidate": candidate})

    assert answer.status_code == 400
    assert "candidate: Pick one of the row" in answer.text
    kept = await discovery(sessions, row)
    assert (kept.state, kept.method, kept.library_track_id) == ("provisional", None, None)


@pytest.mark.parametrize("confidence", ["1.5", "-0.1", "abc", "", "nan"])
async def test_a_bulk_confidence_outside_0_to_1_is_a_400_naming_it(
    client: Client, sessions: Sessions, confidence: str
) -> None:
    row = await provisional(sessions, "bulk", confidence=0.99)

    answer = await client.post("/review/accept-above", data={"confidence": confidence})

    assert answer.status_code == 400
    assert "confidence: Confidence must be a number from 0 to 1." in answer.text
    assert (await discovery(sessions, row)).state == "provisional"


async def test_bulk_accepts_only_the_suggestions_at_or_above_the_confidence(
    client: Client, sessions: Sessions
) -> None:
    sure = await provisional(sessions, "sure", confidence=0.85)
    edge = await provisional(sessions, "edge", confidence=0.8)
    unsure = await provisional(sessions, "unsure", confidence=0.5)
    empty = await provisional(sessions, "empty", confidence=0.95, candidates=[])

    answer = await client.post("/review/accept-above", data={"confidence": "0.8"})

    assert answer.status_code == 200
    assert "Accepted 2 suggestions" in answer.text
    assert (await discovery(sessions, sure)).state == "matched"
    assert (await discovery(sessions, edge)).state == "matched"
    assert (await discovery(sessions, unsure)).state == "provisional"
    assert (await discovery(sessions, empty)).state == "provisional"


async def test_an_operator_without_dj_is_refused(
    settings: Settings, user: object, sessions: Sessions
) -> None:
    await make_user(settings, "op", is_admin=False, roles=[Role.OPERATOR])
    row = await provisional(sessions, "refused")
    async with AsyncTestClient(create_app(settings)) as other:
        assert (await log_in_client(other, "op")).status_code == 303
        other.headers["x-csrftoken"] = other.cookies["csrftoken"]
        assert (await other.get("/review")).status_code == 403
        assert (await other.post(f"/review/{row}/accept")).status_code == 403
        assert (
            await other.post("/review/accept-above", data={"confidence": "0"})
        ).status_code == 403
    assert (await discovery(sessions, row)).state == "provisional"


async def test_the_navigation_badge_counts_the_rows_waiting(
    client: Client, sessions: Sessions
) -> None:
    assert "nav-badge" not in (await client.get("/review/count")).text
    await provisional(sessions, "one")
    await provisional(sessions, "two")

    badge = await client.get("/review/count")

    assert badge.status_code == 200
    assert ">2</span>" in badge.text
    assert 'hx-get="/review/count"' in (await client.get("/tracklists")).text


async def test_the_tracklist_page_shows_each_rows_identification(
    client: Client, sessions: Sessions
) -> None:
    where = await mix(sessions, "page", "deadmau5 - Strobe", "Eric Prydz - Opus", "ID - ID")
    tracklist_id, version_id, number = where
    strobe = await upsert_track(sessions, facts())
    base = DiscoveryRecord(
        tracklist_id=tracklist_id,
        version_id=version_id,
        version_number=number,
        row_index=0,
        position=1,
        row_text="deadmau5 - Strobe",
        state=DiscoveryState.MATCHED,
        confidence=0.97,
        library_track_id=strobe,
    )
    await record_discovery(sessions, base)
    await record_discovery(
        sessions,
        DiscoveryRecord(
            **{
                **{f: getattr(base, f) for f in ("tracklist_id", "version_id", "version_number")},
                "row_index": 1,
                "position": 2,
                "row_text": "Eric Prydz - Opus",
                "state": DiscoveryState.PROVISIONAL,
                "candidates": [musicbrainz_candidate()],
            }
        ),
    )

    html = (await client.get(f"/tracklists/{tracklist_id}")).text

    assert f'<a class="id-state matched" href="/library/{strobe}">matched</a>' in html
    assert '<a class="id-state provisional" href="/review">to review</a>' in html
    assert '<span class="id-state">not yet</span>' in html
    assert f'hx-post="/tracklists/{tracklist_id}/identify"' in html


async def test_identify_runs_a_job_whose_progress_line_polls_until_done(
    client: Client, sessions: Sessions, identify_worker: subprocess.Popen[bytes]
) -> None:
    # "ID" rows are identified without asking any outside service.
    tracklist_id, _, _ = await mix(sessions, "job", "ID - ID", "ID - ID")

    started = await client.post(f"/tracklists/{tracklist_id}/identify")

    assert started.status_code == 200
    assert "/ 2 rows" in started.text
    job = re.search(r'hx-get="/tracklists/identify/([0-9a-f]+)"', started.text)
    assert job is not None

    async def finished() -> str | None:
        line = await client.get(f"/tracklists/identify/{job.group(1)}")
        assert line.status_code == 200
        return line.text if "Identified: 2 / 2 rows" in line.text else None

    done = await wait_until_async(finished, within=30, message="the identification")
    assert "hx-get" not in done  # a finished line asks no more
    html = (await client.get(f"/tracklists/{tracklist_id}")).text
    assert html.count('<span class="id-state id">id</span>') == 2
    assert (await client.get("/tracklists/identify/0123abcd")).status_code == 404
    assert (await client.post(f"/tracklists/{tracklist_id + 99}/identify")).status_code == 404


async def test_ten_thousand_waiting_rows_are_read_through_the_review_index(
    client: Client, sessions: Sessions, database_url: str
) -> None:
    tracklist_id, version_id, number = await mix(sessions, "big", "Eric Prydz - Opus")
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO discoveries (tracklist_id, version_id, version_number, row_index,"
            " position, row_text, state, confidence, candidates)"
            " SELECT %s, %s, %s, i, i + 1, 'Artist ' || i || ' - Title', 'provisional', 0.5,"
            " %s::jsonb FROM generate_series(0, 9999) AS i",
            (tracklist_id, version_id, number, json.dumps([musicbrainz_candidate()])),
        )
        conn.execute("ANALYZE discoveries")
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                "EXPLAIN SELECT * FROM discoveries WHERE state = 'provisional'"
                " ORDER BY version_id DESC, row_index LIMIT 25 OFFSET 9975"
            )
        )
    assert "discoveries_review" in plan

    last = await client.get("/review?page=400")

    assert last.status_code == 200
    assert "10,000 rows" in last.text
    assert "Page 400 of 400" in last.text
    assert last.text.count('class="review-row"') == 25
    assert "Artist 9999 - Title" in last.text
