"""Scanning real folders of real audio files into the real database (issue 12 §1 and §7): what is
read, what is kept, renames, missing files, symlinks, and files that go wrong mid-scan."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from domain.collection import store
from domain.collection.record import CollectionEntry
from domain.collection.scan import ScanSummary, scan_collection
from domain.config import CollectionSettings, Settings
from domain.db import Sessions
from domain.models import CollectionStatus
from domain.resources import Resources
from domain.validation import InputError
from tests.media import cover_png, make_audio, tag


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scan-tones")
    return {
        kind: make_audio(folder / f"tone.{kind}", seconds=1, frequency=220 + 110 * n)
        for n, kind in enumerate(["mp3", "flac", "aiff", "wav", "m4a"])
    }


@pytest.fixture
def music(tmp_path: Path) -> Path:
    root = tmp_path / "music"
    root.mkdir()
    return root.resolve()


@pytest.fixture
def collection_settings(settings: Settings, music: Path) -> Settings:
    return replace(settings, collection=CollectionSettings(music_paths=(music,)))


@pytest.fixture
def sessions(resources: Resources) -> Sessions:
    return resources.sessions


def _put(tones: dict[str, Path], kind: str, target: Path, **tags: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tones[kind], target)
    return tag(target, **tags) if tags else target


async def _all(sessions: Sessions) -> dict[str, CollectionEntry]:
    page = await store.list_files(sessions, per_page=1000)
    return {entry.path: entry for entry in page.items}


async def test_a_first_scan_reads_every_format_and_the_next_reads_nothing(
    sessions: Sessions, collection_settings: Settings, music: Path, tones: dict[str, Path]
) -> None:
    for kind in tones:
        _put(tones, kind, music / "crate" / f"{kind}.{kind}", artist="Moderat", title=kind)
    tag(music / "crate" / "mp3.mp3", cover=cover_png())
    (music / "crate" / "notes.txt").write_text("not audio, not listed")
    first = await scan_collection(sessions, collection_settings)
    assert (first.found, first.read, first.failed, first.unchanged) == (5, 5, 0, 0)
    rows = await _all(sessions)
    assert sorted(rows) == [f"crate/{kind}.{kind}" for kind in sorted(tones)]
    assert {row.format for row in rows.values()} == {"mp3", "flac", "aiff", "wav", "m4a"}
    assert all(row.status is CollectionStatus.COMPLETED for row in rows.values())
    assert rows["crate/mp3.mp3"].has_cover and not rows["crate/wav.wav"].has_cover
    assert rows["crate/flac.flac"].root == str(music)

    # Same size and mtime: not read again, even when the bytes changed behind our back.
    sneaky = music / "crate" / "flac.flac"
    before = sneaky.stat()
    tag(sneaky, title="retagged in place")
    sneaky.write_bytes(sneaky.read_bytes()[: before.st_size].ljust(before.st_size, b"\x00"))
    os.utime(sneaky, ns=(before.st_atime_ns, before.st_mtime_ns))
    again = await scan_collection(sessions, collection_settings)
    assert (again.read, again.unchanged) == (0, 5)
    assert (await _all(sessions))["crate/flac.flac"].title == "flac"
    full = await scan_collection(sessions, collection_settings, full=True)
    assert (full.read, full.unchanged) == (5, 0)


async def test_a_changed_file_is_read_again(
    sessions: Sessions, collection_settings: Settings, music: Path, tones: dict[str, Path]
) -> None:
    path = _put(tones, "mp3", music / "a.mp3", title="Before")
    await scan_collection(sessions, collection_settings)
    tag(path, title="After")
    os.utime(path, (1_900_000_000, 1_900_000_000))
    summary = await scan_collection(sessions, collection_settings)
    assert (summary.read, summary.unchanged) == (1, 0)
    assert (await _all(sessions))["a.mp3"].title == "After"


async def test_deleted_files_are_marked_missing_and_come_back(
    sessions: Sessions, collection_settings: Settings, music: Path, tones: dict[str, Path]
) -> None:
    path = _put(tones, "flac", music / "gone.flac")
    _put(tones, "wav", music / "stays.wav")
    await scan_collection(sessions, collection_settings)
    kept = path.read_bytes()
    path.unlink()
    summary = await scan_collection(sessions, collection_settings)
    assert summary.missing == 1
    rows = await _all(sessions)
    assert rows["gone.flac"].missing and rows["gone.flac"].missing_since is not None
    assert not rows["stays.wav"].missing
    path.write_bytes(kept)
    os.utime(path, (rows["gone.flac"].mtime, rows["gone.flac"].mtime))
    back = await scan_collection(sessions, collection_settings)
    assert (back.read, back.missing) == (0, 0)
    returned = (await _all(sessions))["gone.flac"]
    assert (returned.id, returned.missing, returned.missing_since) == (
        rows["gone.flac"].id, False, None,
    )  # fmt: skip


async def test_a_renamed_or_moved_file_keeps_its_row(
    sessions: Sessions, collection_settings: Settings, music: Path, tones: dict[str, Path]
) -> None:
    first = _put(tones, "mp3", music / "inbox" / "track01.mp3", artist="Bicep", title="Glue")
    other = _put(tones, "m4a", music / "inbox" / "track02.m4a", title="Later")
    await scan_collection(sessions, collection_settings)
    ids = {path: row.id for path, row in (await _all(sessions)).items()}

    # Renamed within one scan.
    first.rename(music / "Bicep - Glue.mp3")
    summary = await scan_collection(sessions, collection_settings)
    assert (summary.moved, summary.missing) == (1, 1)
    rows = await _all(sessions)
    assert set(rows) == {"Bicep - Glue.mp3", "inbox/track02.m4a"}
    assert rows["Bicep - Glue.mp3"].id == ids["inbox/track01.mp3"]
    assert not rows["Bicep - Glue.mp3"].missing

    # Gone in one scan, back under another name in a later one.
    kept = other.read_bytes()
    other.unlink()
    await scan_collection(sessions, collection_settings)
    (music / "sorted").mkdir()
    (music / "sorted" / "later.m4a").write_bytes(kept)
    await scan_collection(sessions, collection_settings)
    rows = await _all(sessions)
    assert rows["sorted/later.m4a"].id == ids["inbox/track02.m4a"]
    assert rows["sorted/later.m4a"].title == "Later"
    assert len(rows) == 2


async def test_bad_files_fail_with_their_reason_and_never_stop_the_scan(
    sessions: Sessions, collection_settings: Settings, music: Path, tones: dict[str, Path]
) -> None:
    (music / "empty.mp3").write_bytes(b"")
    (music / "text.mp3").write_text("this is a shopping list\n" * 30)
    whole = tones["flac"].read_bytes()
    (music / "cut.flac").write_bytes(whole[:60])
    _put(tones, "wav", music / "fine.wav")
    summary = await scan_collection(sessions, collection_settings)
    assert (summary.found, summary.read, summary.failed) == (4, 4, 3)
    rows = await _all(sessions)
    assert rows["fine.wav"].status is CollectionStatus.COMPLETED
    assert rows["empty.mp3"].error == "the file is empty (0 bytes)"
    for path in ("empty.mp3", "text.mp3", "cut.flac"):
        assert rows[path].status is CollectionStatus.FAILED
        assert rows[path].error


async def test_symlinks_out_of_the_root_are_refused_and_loops_end(
    sessions: Sessions,
    collection_settings: Settings,
    music: Path,
    tmp_path: Path,
    tones: dict[str, Path],
) -> None:
    outside = _put(tones, "mp3", tmp_path / "private" / "secret.mp3", title="Secret")
    (music / "out.mp3").symlink_to(outside)
    (music / "out-folder").symlink_to(outside.parent, target_is_directory=True)
    inside = _put(tones, "wav", music / "real" / "in.wav", title="Inside")
    (music / "alias.wav").symlink_to(inside)
    (music / "real" / "up").symlink_to(music, target_is_directory=True)  # a loop
    (music / "ping.mp3").symlink_to(music / "pong.mp3")
    (music / "pong.mp3").symlink_to(music / "ping.mp3")  # a loop of file links
    summary = await scan_collection(sessions, collection_settings)
    rows = await _all(sessions)
    assert set(rows) == {"real/in.wav", "alias.wav"}
    assert all(row.title == "Inside" for row in rows.values())
    reasons = "\n".join(summary.skipped)
    assert "out.mp3: a symlink pointing outside MUSIC_PATH" in reasons
    assert "out-folder: a symlink pointing outside MUSIC_PATH" in reasons
    assert "ping.mp3: a broken symlink or a loop of symlinks" in reasons
    assert "real/up: a folder already scanned" in reasons
    assert str(tmp_path) not in reasons  # messages never say where a root lives


async def test_a_file_deleted_during_the_scan_is_left_out(
    sessions: Sessions, collection_settings: Settings, music: Path, tones: dict[str, Path]
) -> None:
    for n in range(4):
        _put(tones, "mp3", music / f"{n}.mp3", title=str(n))
    seen: list[tuple[int, int]] = []

    async def delete_the_last(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 1:
            (music / "3.mp3").unlink()  # after the walk listed it, before it is read

    summary = await scan_collection(sessions, collection_settings, progress=delete_the_last)
    assert (summary.found, summary.read, summary.gone) == (4, 3, 1)
    assert "3.mp3: vanished while the scan read it" in summary.skipped
    assert sorted(await _all(sessions)) == ["0.mp3", "1.mp3", "2.mp3"]
    assert seen[-1] == (4, 4)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


@contextmanager
def _unreadable(path: Path) -> Iterator[None]:
    """`path` made unreadable for this process: mode 000, and, when running as root (who reads
    any file), the effective user switched to nobody for the duration, the real user kept so
    it can switch back."""
    path.chmod(0)
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


@pytest.fixture
def walkable_root() -> Iterator[Path]:
    """A music folder anybody may walk (pytest's own temporary folders are its user's alone),
    so that the user of the denial below finds the files it is denied."""
    root = Path(tempfile.mkdtemp(prefix="crateloop-music-")).resolve()
    root.chmod(0o755)
    yield root
    shutil.rmtree(root)


async def test_a_permission_denied_file_fails_and_the_scan_goes_on(
    sessions: Sessions, settings: Settings, tones: dict[str, Path], walkable_root: Path
) -> None:
    _put(tones, "mp3", walkable_root / "open.mp3", title="Open")
    locked = _put(tones, "flac", walkable_root / "locked.flac", title="Locked")
    own = replace(settings, collection=CollectionSettings(music_paths=(walkable_root,)))
    with _unreadable(locked):
        with pytest.raises(PermissionError):
            locked.open("rb")  # the denial is real for this process
        summary = await scan_collection(sessions, own)
    assert (summary.read, summary.failed) == (2, 1)
    rows = await _all(sessions)
    assert rows["open.mp3"].title == "Open"
    assert rows["locked.flac"].status is CollectionStatus.FAILED
    assert rows["locked.flac"].error == "permission denied: crateloop may not read this file"


async def test_a_folder_inside_a_root_is_scanned_alone(
    sessions: Sessions, collection_settings: Settings, music: Path, tones: dict[str, Path]
) -> None:
    _put(tones, "mp3", music / "house" / "a.mp3")
    _put(tones, "mp3", music / "techno" / "b.mp3")
    await scan_collection(sessions, collection_settings, music / "house")
    assert sorted(await _all(sessions)) == ["house/a.mp3"]
    await scan_collection(sessions, collection_settings)
    (music / "techno" / "b.mp3").unlink()
    summary = await scan_collection(sessions, collection_settings, music / "house")
    assert summary.missing == 0  # techno/ was not scanned: its file is not declared missing
    assert not (await _all(sessions))["techno/b.mp3"].missing


@pytest.mark.parametrize("folder", ["/etc", "..", "../music/../.."])
async def test_a_folder_outside_every_root_is_refused(
    sessions: Sessions, collection_settings: Settings, music: Path, folder: str
) -> None:
    with pytest.raises(InputError) as refused:
        await scan_collection(sessions, collection_settings, music / folder)
    assert refused.value.field == "dir"
    assert "is outside MUSIC_PATH" in str(refused.value)


async def test_ten_thousand_files_in_one_folder(
    sessions: Sessions, collection_settings: Settings, music: Path, tmp_path: Path
) -> None:
    one = make_audio(tmp_path / "tiny.mp3", seconds=0.1)
    crate = music / "everything"
    crate.mkdir()
    for n in range(10_000):
        os.link(one, crate / f"{n:05}.mp3")  # hard links: 10,000 real files in no time
    first = await scan_collection(sessions, collection_settings)
    assert (first.found, first.read, first.failed) == (10_000, 10_000, 0)
    assert (await store.list_files(sessions)).total == 10_000
    again = await scan_collection(sessions, collection_settings)
    assert isinstance(again, ScanSummary)
    assert (again.read, again.unchanged) == (0, 10_000)


async def test_a_link_swapped_to_outside_after_the_walk_is_not_read(
    sessions: Sessions,
    collection_settings: Settings,
    music: Path,
    tmp_path: Path,
    tones: dict[str, Path],
) -> None:
    inside = _put(tones, "mp3", music / "real.mp3", title="Inside")
    secret = _put(tones, "mp3", tmp_path / "private" / "secret.mp3", title="Secret")
    link = music / "link.mp3"
    link.symlink_to(inside)

    async def swap(done: int, total: int) -> None:
        if link.resolve() == inside:  # after the walk checked it, before it is read
            link.unlink()
            link.symlink_to(secret)

    await scan_collection(sessions, collection_settings, progress=swap)
    rows = await _all(sessions)
    assert rows["link.mp3"].status is CollectionStatus.FAILED
    assert rows["link.mp3"].error == "a symlink pointing outside MUSIC_PATH: not read"
    assert rows["link.mp3"].title is None


async def test_odd_file_names_are_kept_or_skipped_one_by_one(
    sessions: Sessions, collection_settings: Settings, music: Path, tones: dict[str, Path]
) -> None:
    """A backslash is a legal character of a Linux name; a name that is not UTF-8 cannot be
    stored, so that one file is skipped with its reason and the rest are saved."""
    _put(tones, "mp3", music / "AC\\DC - Thunder.mp3", title="Thunder")
    _put(tones, "wav", music / "fine.wav")
    latin1 = os.fsencode(music) + b"/Caf\xe9.mp3"  # "Café" written in Latin-1
    with open(latin1, "wb") as file:  # noqa: ASYNC230 (a test fixture, not a server)
        file.write(tones["mp3"].read_bytes())
    summary = await scan_collection(sessions, collection_settings)
    assert (summary.found, summary.read) == (3, 2)
    assert sorted(await _all(sessions)) == ["AC\\DC - Thunder.mp3", "fine.wav"]
    assert summary.skipped == ["Caf\\udce9.mp3: path must be valid UTF-8: rename the file"]
