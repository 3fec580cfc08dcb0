"""The collection seed's operations on a real database: save, batch save (all or nothing), get,
the paged listing with its status filter and whitelisted orders, and status changes through the
status machine, one and many."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import select

from domain.collection import query, store
from domain.collection.record import FileRecord
from domain.collection.status import IllegalTransition
from domain.collection.tags import FileFacts
from domain.db import Sessions
from domain.models import AudioFormat, CollectionFile, CollectionStatus
from domain.resources import Resources
from domain.validation import InputError

ROOT = "/music"


def _record(path: str, *, error: str | None = None, **tags: object) -> FileRecord:
    facts = FileFacts(
        format=None if error else AudioFormat.MP3,
        duration=None if error else 240.5,
        error=error,
        **tags,  # type: ignore[arg-type]
    )
    digest = hashlib.sha256(path.encode()).hexdigest()
    return FileRecord(ROOT, path, 1000, 1.7e9, digest, facts)


@pytest.fixture
def sessions(resources: Resources) -> Sessions:
    return resources.sessions


async def test_save_then_get(sessions: Sessions) -> None:
    file_id = await store.save_file(
        sessions,
        _record("house/eple.mp3", artist="Röyksopp", title="Eple", tag_bpm=Decimal("124.5")),
    )
    entry = await store.get_file(sessions, file_id)
    assert (entry.root, entry.path, entry.artist, entry.title) == (
        ROOT, "house/eple.mp3", "Röyksopp", "Eple",
    )  # fmt: skip
    assert entry.status is CollectionStatus.COMPLETED and entry.error is None
    shown = entry.to_json()
    assert shown["bpm"] == 124.5 and shown["key"] is None and shown["format"] == "mp3"


async def test_saving_the_same_path_again_updates_its_row(sessions: Sessions) -> None:
    first = await store.save_file(sessions, _record("a.mp3", title="Old"))
    again = await store.save_file(sessions, _record("a.mp3", title="New"))
    assert again == first
    assert (await store.get_file(sessions, first)).title == "New"


async def test_the_search_text_is_folded_in_python(sessions: Sessions, database_url: str) -> None:
    await store.save_file(
        sessions, _record("r.mp3", artist="Röyksopp", title="Eple", genre="Électro")
    )
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT search_a, search_c FROM collection_files"
            " WHERE search @@ to_tsquery('simple', 'royksopp')"
            " AND search @@ to_tsquery('simple', 'electro')"
        ).fetchone()
    assert row == ("eple royksopp", "electro")


async def test_the_search_language_finds_stored_rows_ranked_by_field(
    sessions: Sessions,
) -> None:
    """The query helper's tsquery against the vector this table stores: accent-blind, and a
    title or artist match (A) above a label match (B) above a genre match (C)."""
    await store.save_files(
        sessions,
        [
            _record("genre.mp3", title="Other", genre="Röyksopp Tribute"),
            _record("title.mp3", artist="Röyksopp", title="Eple"),
            _record("label.mp3", title="Something", label="Röyksopp Records"),
            _record("none.mp3", artist="Bicep", title="Glue"),
        ],
    )
    searched = query.parse("royksopp")
    async with sessions() as session:
        found = (
            await session.scalars(
                select(CollectionFile.path)
                .where(query.matches(CollectionFile.search, searched))
                .order_by(query.rank(CollectionFile.search, searched).desc(), CollectionFile.id)
            )
        ).all()
    assert found == ["title.mp3", "label.mp3", "genre.mp3"]


async def test_a_batch_is_saved_whole(sessions: Sessions) -> None:
    ids = await store.save_files(sessions, [_record(f"batch/{n}.mp3") for n in range(3)])
    assert len(set(ids)) == 3
    assert [e.path for e in await store.get_files(sessions, ids)] == [
        "batch/0.mp3", "batch/1.mp3", "batch/2.mp3",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (_record("../escape.mp3"), "records[1].path"),
        (_record("ok.mp3", artist="nul\x00byte"), "records[1].artist"),
        (_record("ok.mp3", year=20250), "records[1].year"),
        (FileRecord(ROOT, "ok.mp3", 1, 1.0, "not-a-hash", FileFacts()), "records[1].content_hash"),
    ],
)
async def test_one_bad_record_saves_nothing(
    sessions: Sessions, bad: FileRecord, field: str
) -> None:
    with pytest.raises(InputError) as refused:
        await store.save_files(sessions, [_record("good.mp3"), bad, _record("also.mp3")])
    assert refused.value.field == field
    assert str(refused.value).startswith("record 1 (")
    assert (await store.list_files(sessions)).total == 0


async def test_get_unknown_and_by_ids_in_the_order_asked(sessions: Sessions) -> None:
    ids = await store.save_files(sessions, [_record("x.mp3"), _record("y.mp3")])
    with pytest.raises(store.FileNotFound, match="no collection file 999"):
        await store.get_file(sessions, 999)
    found = await store.get_files(sessions, [ids[1], 999, ids[0], ids[1]])
    assert [entry.path for entry in found] == ["y.mp3", "x.mp3"]


async def test_listing_filters_by_status_and_pages(sessions: Sessions) -> None:
    await store.save_files(
        sessions,
        [_record(f"ok/{n:02}.mp3") for n in range(5)] + [_record("bad.mp3", error="empty")],
    )
    failed = await store.list_files(sessions, status="failed")
    assert [(e.path, e.error) for e in failed.items] == [("bad.mp3", "empty")]
    second = await store.list_files(sessions, status="completed", per_page=2, page=2)
    assert (second.total, second.pages, [e.path for e in second.items]) == (
        5, 3, ["ok/02.mp3", "ok/03.mp3"],
    )  # fmt: skip
    with pytest.raises(InputError, match="status is 'gone'"):
        await store.list_files(sessions, status="gone")


async def test_listing_orders_are_whitelisted(sessions: Sessions) -> None:
    await store.save_files(
        sessions,
        [
            _record("1.mp3", artist="Bicep", title="Glue"),
            _record("2.mp3", artist="Aphex Twin", title="Xtal"),
            _record("3.mp3", artist="Caribou", title="Sun"),
        ],
    )
    by_artist = await store.list_files(sessions, order="artist")
    assert [e.artist for e in by_artist.items] == ["Aphex Twin", "Bicep", "Caribou"]
    by_title = await store.list_files(sessions, order="title")
    assert [e.title for e in by_title.items] == ["Glue", "Sun", "Xtal"]
    by_added = await store.list_files(sessions, order="added")
    assert [e.path for e in by_added.items] == ["3.mp3", "2.mp3", "1.mp3"]
    with pytest.raises(InputError) as refused:
        await store.list_files(sessions, order="size; DROP TABLE collection_files")
    assert refused.value.field == "order"
    assert str(refused.value).endswith("use one of path, artist, title, added")


async def test_status_changes_go_through_the_machine(sessions: Sessions) -> None:
    file_id = await store.save_file(sessions, _record("broken.mp3", error="truncated"))
    with pytest.raises(IllegalTransition) as refused:
        await store.set_status(sessions, file_id, "completed")
    assert str(refused.value) == (
        f"file {file_id} is failed: it cannot become completed: from failed it may become pending"
    )
    again = await store.set_status(sessions, file_id, "pending")
    assert (again.status, again.error, again.retry_count) == (CollectionStatus.PENDING, None, 1)
    await store.set_status(sessions, file_id, "processing")
    failed = await store.set_status(sessions, file_id, "failed", error="still truncated")
    assert (failed.error, failed.retry_count) == ("still truncated", 1)


async def test_a_batch_status_change_is_all_or_nothing(sessions: Sessions) -> None:
    broken = await store.save_files(
        sessions, [_record("b1.mp3", error="x"), _record("b2.mp3", error="y")]
    )
    fine = await store.save_file(sessions, _record("fine.mp3"))
    with pytest.raises(IllegalTransition, match=f"file {fine} is completed"):
        await store.set_statuses(sessions, [*broken, fine], "pending")
    with pytest.raises(store.FileNotFound):
        await store.set_statuses(sessions, [*broken, 12345], "pending")
    untouched = await store.get_files(sessions, broken)
    assert [e.status for e in untouched] == [CollectionStatus.FAILED] * 2
    moved = await store.set_statuses(sessions, broken, CollectionStatus.PENDING)
    assert [(e.status, e.retry_count) for e in moved] == [(CollectionStatus.PENDING, 1)] * 2
