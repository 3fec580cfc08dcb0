"""Uploading a loop from the browser's form, and previewing one with HTTP Range: the real app,
real MP4s made by ffmpeg, ffprobe judging them, and a loops folder of the test's own."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from domain.config import Settings
from domain.loops.media import RangeNotSatisfiable, byte_range
from domain.loops.upload import LoopUpload, upload_target
from domain.models import User
from domain.validation import InputError
from tests.media import make_mp4
from tests.web_fixtures import Client, log_in_client
from web.app import create_app

SMALL_CAP_MB = 1


@pytest.fixture(scope="module")
def loop_mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real, small H.264 MP4 (well under 1 MB)."""
    return make_mp4(tmp_path_factory.mktemp("upload") / "clip.mp4").read_bytes()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """This test's own LOOPS_PATH: a `sub` folder, an existing loop, and a link out."""
    root = tmp_path / "loops"
    (root / "sub").mkdir(parents=True)
    (root / "existing.mp4").write_bytes(b"the loop already there")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / "out")
    return root


@pytest.fixture
async def uploader(settings: Settings, user: User, root: Path) -> AsyncIterator[Client]:
    """A logged-in operator's client on an app whose uploads go to `root`, capped at 1 MB."""
    own = dataclasses.replace(settings, loops_path=root, loop_upload_max_mb=SMALL_CAP_MB)
    async with AsyncTestClient(create_app(own)) as client:
        response = await log_in_client(client)
        assert response.status_code == 303, response.text
        client.headers["x-csrftoken"] = client.cookies["csrftoken"]
        yield client


async def _upload(
    client: Client, name: str, body: bytes, *, folder: str = "", replace: bool = False
) -> tuple[int, str]:
    fields = {"folder": folder} | ({"replace": "on"} if replace else {})
    response = await client.post(
        "/loops/upload",
        data=fields,
        files={"file": (name, body, "video/mp4")},
        headers={"HX-Request": "true"},
    )
    return response.status_code, response.text


def _files(root: Path) -> set[str]:
    """Every file under root (dot files too: a temporary file left behind would show)."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


async def test_a_real_mp4_is_saved_in_the_chosen_folder_and_listed(
    uploader: Client, root: Path, loop_mp4: bytes
) -> None:
    status, html = await _upload(uploader, "night drive.mp4", loop_mp4, folder="sub")

    assert status == 200, html
    assert "Uploaded" in html and "sub/night drive.mp4" in html
    assert (root / "sub" / "night drive.mp4").read_bytes() == loop_mp4
    assert _files(root) == {"existing.mp4", "sub/night drive.mp4"}  # no temporary file left
    listed = await uploader.get("/loops/files", params={"loop_path": "night"})
    assert "sub/night drive.mp4" in listed.text


async def test_a_browser_without_javascript_posts_the_plain_form(
    uploader: Client, root: Path, loop_mp4: bytes
) -> None:
    # No CSRF header and no HX-Request: the token rides in the form, the answer is a whole page.
    token = uploader.headers.pop("x-csrftoken")
    response = await uploader.post(
        "/loops/upload",
        data={"_csrf_token": token, "folder": "sub"},
        files={"file": ("plain.mp4", loop_mp4, "video/mp4")},
    )
    assert response.status_code == 200, response.text
    assert "<html" in response.text and "Uploaded" in response.text
    assert (root / "sub" / "plain.mp4").read_bytes() == loop_mp4
    forged = await uploader.post(
        "/loops/upload",
        data={"_csrf_token": "forged", "folder": "sub"},
        files={"file": ("forged.mp4", loop_mp4, "video/mp4")},
    )
    assert forged.status_code == 403
    assert not (root / "sub" / "forged.mp4").exists()


async def test_the_page_shows_the_form_with_the_folders(uploader: Client) -> None:
    response = await uploader.get("/loops/upload")
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert 'hx-encoding="multipart/form-data"' in response.text
    assert '<option value="sub">' in response.text
    assert '<option value="out">' not in response.text  # a link out is no folder to offer
    assert "<progress" in response.text


@pytest.mark.parametrize(
    ("name", "body", "folder", "message"),
    [
        ("notes.txt", b"hello", "", "notes.txt is not an .mp4 file"),
        ("fake.mp4", b"just some text, not a video\n" * 20, "", "not a usable MP4 loop"),
        ("escape.mp4", b"x", "../", "is outside the loops folder (LOOPS_PATH)"),
        ("escape.mp4", b"x", "/etc", "is outside the loops folder (LOOPS_PATH)"),
        ("escape.mp4", b"x", "out", "is outside the loops folder (LOOPS_PATH)"),
        ("escape.mp4", b"x", "missing", "missing is not a folder in the loops folder"),
        ("long.mp4", b"x", "sub/" + "a" * 5000, "the folder field is longer than 4096 bytes"),
        ("existing.mp4", None, "", "existing.mp4 already exists: tick Replace to overwrite it"),
    ],
)
async def test_a_refused_upload_says_why_and_writes_nothing(
    uploader: Client,
    root: Path,
    loop_mp4: bytes,
    tmp_path: Path,
    name: str,
    body: bytes | None,
    folder: str,
    message: str,
) -> None:
    before = _files(root)
    status, html = await _upload(uploader, name, loop_mp4 if body is None else body, folder=folder)

    assert status == 422, html
    assert message in html
    assert 'role="alert"' in html  # next to its field, in the form swapped back
    assert _files(root) == before
    assert (root / "existing.mp4").read_bytes() == b"the loop already there"
    assert not list((tmp_path / "outside").iterdir())


async def test_a_file_over_the_cap_is_refused_and_nothing_is_kept(
    uploader: Client, root: Path, loop_mp4: bytes
) -> None:
    # A real MP4 head, then padding past the 1 MB cap: refused on size, not on its content.
    body = loop_mp4 + b"\0" * (SMALL_CAP_MB * 1024 * 1024)
    status, html = await _upload(uploader, "big.mp4", body)

    assert status == 422, html
    assert "larger than 1 MB, the limit (LOOP_UPLOAD_MAX_MB)" in html
    assert _files(root) == {"existing.mp4"}


async def test_a_body_far_over_the_route_limit_is_refused_too(uploader: Client, root: Path) -> None:
    status, html = await _upload(uploader, "huge.mp4", b"\0" * (3 * 1024 * 1024))

    assert status == 422, html
    assert "larger than 1 MB" in html
    assert _files(root) == {"existing.mp4"}


async def test_an_existing_loop_is_replaced_when_asked(
    uploader: Client, root: Path, loop_mp4: bytes
) -> None:
    status, html = await _upload(uploader, "existing.mp4", loop_mp4, replace=True)

    assert status == 200, html
    assert (root / "existing.mp4").read_bytes() == loop_mp4
    assert _files(root) == {"existing.mp4"}


async def test_other_routes_keep_the_small_body_limit(uploader: Client) -> None:
    big = {"artist": "a", "title": "b", "loop_path": "x" * (11 * 1024 * 1024)}
    response = await uploader.post("/loops", data=big)
    assert response.status_code == 413


# Preview ---------------------------------------------------------------------------------------


@pytest.fixture
async def mapper_on_root(uploader: Client, root: Path, loop_mp4: bytes) -> None:
    """One mapping to sub/clip.mp4, made through the Loops page's own form."""
    (root / "sub" / "clip.mp4").write_bytes(loop_mp4)
    form = {"artist": "Bicep", "title": "Glue", "loop_path": "sub/clip.mp4"}
    response = await uploader.post("/loops", data=form, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text


@pytest.fixture
def previewed(root: Path, loop_mp4: bytes) -> bytes:
    (root / "sub" / "clip.mp4").write_bytes(loop_mp4)
    return loop_mp4


async def test_a_range_request_gets_206_with_those_bytes(
    uploader: Client, previewed: bytes
) -> None:
    response = await uploader.get(
        "/loops/media", params={"path": "sub/clip.mp4"}, headers={"Range": "bytes=100-1099"}
    )

    assert response.status_code == 206
    assert response.content == previewed[100:1100]
    assert response.headers["content-range"] == f"bytes 100-1099/{len(previewed)}"
    assert response.headers["content-length"] == "1000"
    assert response.headers["content-type"] == "video/mp4"


async def test_open_and_suffix_ranges(uploader: Client, previewed: bytes) -> None:
    size = len(previewed)
    tail = await uploader.get(
        "/loops/media", params={"path": "sub/clip.mp4"}, headers={"Range": "bytes=-10"}
    )
    assert tail.status_code == 206 and tail.content == previewed[-10:]
    assert tail.headers["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"
    rest = await uploader.get(
        "/loops/media", params={"path": "sub/clip.mp4"}, headers={"Range": f"bytes={size - 5}-"}
    )
    assert rest.status_code == 206 and rest.content == previewed[-5:]


async def test_no_range_gets_the_whole_file(uploader: Client, previewed: bytes) -> None:
    response = await uploader.get("/loops/media", params={"path": "sub/clip.mp4"})
    assert response.status_code == 200
    assert response.content == previewed
    assert response.headers["accept-ranges"] == "bytes"


async def test_a_range_past_the_end_is_416(uploader: Client, previewed: bytes) -> None:
    response = await uploader.get(
        "/loops/media",
        params={"path": "sub/clip.mp4"},
        headers={"Range": f"bytes={len(previewed)}-"},
    )
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(previewed)}"


@pytest.mark.parametrize("path", ["../outside/x.mp4", "/etc/passwd", "out/x.mp4"])
async def test_a_path_out_of_the_loops_folder_is_refused(
    uploader: Client, previewed: bytes, tmp_path: Path, path: str
) -> None:
    (tmp_path / "outside" / "x.mp4").write_bytes(b"secret")
    response = await uploader.get("/loops/media", params={"path": path})
    assert response.status_code == 400
    assert "outside the loops folder (LOOPS_PATH)" in response.text
    assert "secret" not in response.text


async def test_the_preview_page_has_a_video_of_the_loop(uploader: Client, previewed: bytes) -> None:
    response = await uploader.get("/loops/preview", params={"path": "sub/clip.mp4"})
    assert response.status_code == 200
    assert '<video id="loop-preview"' in response.text
    assert 'preload="none"' in response.text
    assert 'src="/loops/media?path=sub/clip.mp4"' in response.text
    missing = await uploader.get("/loops/media", params={"path": "sub/none.mp4"})
    assert missing.status_code == 404


async def test_each_mapping_row_links_to_its_preview(
    uploader: Client, mapper_on_root: None
) -> None:
    html = (await uploader.get("/loops")).text
    assert 'href="/loops/preview?path=sub/clip.mp4"' in html
    assert "Upload a loop" in html and 'href="/loops/upload"' in html


# The upload itself, as every front uses it ---------------------------------------------------


async def test_an_upload_left_half_way_leaves_no_file(root: Path, loop_mp4: bytes) -> None:
    target = upload_target(root, "sub", "half.mp4", replace=False)
    with pytest.raises(ConnectionResetError):
        async with LoopUpload(target, max_bytes=10 * 1024 * 1024) as upload:
            await upload.write(loop_mp4[:1000])
            assert _files(root) != {"existing.mp4"}  # the temporary file is there meanwhile
            raise ConnectionResetError  # the browser went away
    assert _files(root) == {"existing.mp4"}


async def test_a_name_taken_while_uploading_is_not_overwritten(root: Path, loop_mp4: bytes) -> None:
    target = upload_target(root, "sub", "race.mp4", replace=False)
    async with LoopUpload(target, max_bytes=10 * 1024 * 1024) as upload:
        await upload.write(loop_mp4)
        (root / "sub" / "race.mp4").write_bytes(b"saved meanwhile by someone else")
        with pytest.raises(InputError, match=r"race\.mp4 already exists"):
            await upload.keep()
    assert (root / "sub" / "race.mp4").read_bytes() == b"saved meanwhile by someone else"
    assert _files(root) == {"existing.mp4", "sub/race.mp4"}


async def test_a_body_that_is_not_a_whole_form_is_refused(uploader: Client, root: Path) -> None:
    cut = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\nabc'
    response = await uploader.post(
        "/loops/upload",
        content=cut,
        headers={"content-type": "multipart/form-data; boundary=xyz", "HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "the upload was cut short or is not a form" in response.text
    assert _files(root) == {"existing.mp4"}
    plain = await uploader.post("/loops/upload", data={"folder": "sub"})
    assert plain.status_code == 400
    assert "multipart/form-data" in plain.text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-", (0, 99)),
        ("bytes=10-19", (10, 19)),
        ("bytes=90-500", (90, 99)),  # an end past the file is the file's end
        ("bytes=-30", (70, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file, as RFC 9110 allows
        ("bytes=20-10", None),  # invalid: ignored, not refused
        ("items=0-1", None),
        ("bytes=-", None),
    ],
)
def test_which_bytes_a_range_header_asks_for(
    header: str | None, expected: tuple[int, int] | None
) -> None:
    found = byte_range(header, 100)
    assert (found.start, found.end) == expected if found else expected is None


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0"])
def test_a_range_past_the_end_cannot_be_satisfied(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 100)
