"""Hand-off adapters: atomic state file and symlink, the command hook, Liquidsoap."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shlex
import shutil
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from domain import handoff
from domain.handoff import Adapter, HandoffError, Switch, adapters_for
from domain.handoff.command_hook import CommandHook
from domain.handoff.liquidsoap import Liquidsoap
from domain.handoff.state_file import StateFile
from domain.handoff.symlink import SymlinkSwap
from tests.fakes.liquidsoap import FakeLiquidsoap, fake_liquidsoap
from tests.media import copy_mp4, make_mp4
from tests.waiting import wait_until_async
from tests.web_fixtures import free_port

FIELDS = {
    "station", "sh_id", "song_id", "artist", "title", "loop_path", "reason", "played_at",
    "changed_at", "duration",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class HandoffConfig:
    """The hand-off part of a station, as domain.stations.store.StationConfig carries it."""

    state_dir: str | None = None
    write_text_file: bool = False
    symlink_path: str | None = None
    hook_command: str | None = None
    hook_timeout: float = 10.0
    liquidsoap_url: str | None = None
    liquidsoap_mode: str = "var"
    liquidsoap_target: str | None = None
    api_key: str | None = None


@pytest.fixture
def loops(tmp_path: Path) -> tuple[Path, Path]:
    """Two loop files of different sizes and contents, so a reader can tell a whole file."""
    folder = tmp_path / "loops"
    folder.mkdir()
    first, second = folder / "a.mp4", folder / "b b.mp4"
    first.write_bytes(b"a" * 40_000)
    second.write_bytes(b"b" * 70_000)
    return first, second


def switch_to(loop: Path, *, sh_id: int | None = 1, title: str = "One More Time") -> Switch:
    return Switch(
        station="radio-one",
        sh_id=sh_id,
        song_id="9f33bbc912c19603e51be8e0987d076b",
        artist="Daft Punk",
        title=title,
        loop_path=str(loop),
        reason="mapped",
        played_at=1_700_000_000.0,
        changed_at=time.time(),
        duration=320.5,
    )


# Paths -----------------------------------------------------------------------------------------


def test_only_the_adapters_a_station_switched_on_are_built(handoff_root: Path) -> None:
    root = handoff_root / "not-made-yet"
    assert adapters_for(HandoffConfig(), root, allow_hooks=True) == []
    everything = HandoffConfig(
        state_dir="radio-one",
        symlink_path="radio-one/current.mp4",
        hook_command="/bin/true",
        liquidsoap_url="telnet://127.0.0.1:1234",
        liquidsoap_target="loop",
    )
    names = [adapter.name for adapter in adapters_for(everything, root, allow_hooks=True)]
    assert names == ["state_file", "symlink", "liquidsoap", "command_hook"]
    assert not root.exists()  # building adapters writes nothing


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            HandoffConfig(state_dir="/etc"),
            "^state folder '/etc' is outside HANDOFF_PATH: give a path inside it",
        ),
        (
            HandoffConfig(state_dir="a\x00b"),
            "^state folder 'a.*b' is not a usable path: it contains a NUL",
        ),
        (HandoffConfig(state_dir="../elsewhere"), "state folder '../elsewhere' is outside"),
        (HandoffConfig(symlink_path="../current.mp4"), "symlink path '../current.mp4' is outside"),
        (HandoffConfig(symlink_path="/tmp/current.mp4"), "symlink path '/tmp/current.mp4' is out"),
        (HandoffConfig(symlink_path="links/"), "must name a file, like current.mp4"),
        (HandoffConfig(symlink_path="a\x00.mp4"), "^symlink path 'a.*' .*contains a NUL byte"),
        (HandoffConfig(symlink_path="links/.."), "must name a file, like current.mp4"),
        (HandoffConfig(state_dir="escape/inner"), "state folder 'escape/inner' is outside"),
        (HandoffConfig(hook_command="'unclosed"), "cannot be split"),
        (HandoffConfig(hook_command="true", hook_timeout=0), "more than 0 seconds"),
        (HandoffConfig(liquidsoap_url="ftp://x", liquidsoap_target="loop"), "telnet://host:port"),
        (HandoffConfig(liquidsoap_url="telnet://h:1", liquidsoap_target="a b"), "must be a name"),
        (
            HandoffConfig(
                liquidsoap_url="telnet://h:1", liquidsoap_mode="x", liquidsoap_target="v"
            ),
            "mode must be var or queue",
        ),
    ],
)
def test_bad_settings_are_refused_with_a_clear_error(
    handoff_root: Path, tmp_path: Path, config: HandoffConfig, message: str
) -> None:
    os.symlink(tmp_path, handoff_root / "escape")  # a folder inside that leads outside
    with pytest.raises(HandoffError, match=message) as caught:
        adapters_for(config, handoff_root, allow_hooks=True)
    # The message is shown on pages: it names the folder HANDOFF_PATH, never where it lives.
    assert str(handoff_root.resolve()) not in str(caught.value)
    assert str(tmp_path.resolve()) not in str(caught.value)


async def test_paths_inside_handoff_path_work_relative_or_absolute(
    handoff_root: Path, loops: tuple[Path, Path]
) -> None:
    config = HandoffConfig(
        state_dir=str(handoff_root / "stations" / "one"), symlink_path="video/current.mp4"
    )
    for adapter in adapters_for(config, handoff_root, allow_hooks=False):
        await adapter.apply(switch_to(loops[0]))  # missing folders are created
    assert (handoff_root / "stations/one/current.json").is_file()
    assert os.readlink(handoff_root / "video/current.mp4") == str(loops[0])


# State file and symlink --------------------------------------------------------------------------


async def test_state_file_holds_exactly_the_design_fields(
    tmp_path: Path, loops: tuple[Path, Path]
) -> None:
    state = StateFile(tmp_path / "state", write_text=True)
    switch = switch_to(loops[0], sh_id=42)
    await state.apply(switch)
    data = json.loads((tmp_path / "state/current.json").read_text())
    assert set(data) == FIELDS
    assert data["sh_id"] == 42 and data["loop_path"] == str(loops[0])
    assert data["reason"] == "mapped" and data["duration"] == 320.5
    assert (tmp_path / "state/current.txt").read_text() == "Daft Punk - One More Time"
    assert sorted(os.listdir(tmp_path / "state")) == ["current.json", "current.txt"]  # no temp

    offline = replace(switch, artist=None, title=None, sh_id=None, reason="offline")
    await state.apply(offline)
    assert json.loads((tmp_path / "state/current.json").read_text())["artist"] is None
    assert (tmp_path / "state/current.txt").read_text() == ""


async def test_text_file_is_optional(tmp_path: Path, loops: tuple[Path, Path]) -> None:
    await StateFile(tmp_path, write_text=False).apply(switch_to(loops[0]))
    assert not (tmp_path / "current.txt").exists()


async def test_a_missing_loop_keeps_the_link_on_the_old_loop(
    tmp_path: Path, loops: tuple[Path, Path]
) -> None:
    link = SymlinkSwap(tmp_path / "current.mp4")
    await link.apply(switch_to(loops[0]))
    with pytest.raises(HandoffError, match=r"loop file .*gone\.mp4 does not exist"):
        await link.apply(switch_to(loops[0].with_name("gone.mp4")))
    with pytest.raises(HandoffError, match="is not absolute"):
        await link.apply(switch_to(Path("a.mp4")))
    assert os.readlink(tmp_path / "current.mp4") == str(loops[0])


async def test_a_folder_in_the_links_place_is_an_error_not_a_crash(
    tmp_path: Path, loops: tuple[Path, Path]
) -> None:
    (tmp_path / "current.mp4").mkdir()
    with pytest.raises(HandoffError, match=r"cannot point .*current.mp4 at the loop"):
        await SymlinkSwap(tmp_path / "current.mp4").apply(switch_to(loops[0]))


async def test_handoff_errors_name_no_server_path(tmp_path: Path, loops: tuple[Path, Path]) -> None:
    """A hand-off error reaches the dashboard: it names HANDOFF_PATH/… and the loop's file name,
    never the server's folders."""
    root = tmp_path / "handoff"
    (root / "radio").mkdir(parents=True)
    (root / "radio" / "current.mp4").mkdir()  # a folder where the link should go
    (root / "state").write_text("a file where the folder should go")
    station = HandoffConfig(state_dir="state", symlink_path="radio/current.mp4")
    messages = []
    for adapter in adapters_for(station, root, allow_hooks=False):
        with pytest.raises(HandoffError) as raised:
            await adapter.apply(switch_to(loops[0]))
        messages.append(str(raised.value))
    link = SymlinkSwap(root / "radio" / "link.mp4")
    with pytest.raises(HandoffError) as raised:
        await link.apply(switch_to(loops[0].with_name("gone.mp4")))
    messages.append(str(raised.value))
    assert messages[0].startswith("cannot write HANDOFF_PATH/state/current.json: ")
    assert messages[1].startswith("cannot point HANDOFF_PATH/radio/current.mp4 at the loop: ")
    assert messages[2] == "loop file gone.mp4 does not exist"
    assert not any(str(tmp_path) in message for message in messages), messages


READER = textwrap.dedent(
    """
    import json, os, sys
    folder, stop = sys.argv[1], sys.argv[2]
    sizes = {b"a": 40_000, b"b": 70_000}
    reads, errors = 0, []
    print("ready", flush=True)
    while not os.path.exists(stop):
        try:
            with open(os.path.join(folder, "current.json")) as file:
                state = json.load(file)
            assert len(state) == 10, state
            with open(os.path.join(folder, "current.txt")) as file:
                assert file.read() in ("Daft Punk - A", "Daft Punk - B")
            target = os.readlink(os.path.join(folder, "current.mp4"))
            assert target.endswith(("a.mp4", "b b.mp4")), target
            with open(os.path.join(folder, "current.mp4"), "rb") as file:
                data = file.read()
            assert len(data) == sizes[data[:1]] and data.count(data[:1]) == len(data)
            reads += 1
        except Exception as error:
            errors.append(repr(error))
    print(json.dumps({"reads": reads, "errors": errors[:5], "failures": len(errors)}))
    """
)


async def test_readers_never_see_a_partial_or_missing_file_across_1000_switches(
    tmp_path: Path, loops: tuple[Path, Path]
) -> None:
    folder, stop = tmp_path / "handoff", tmp_path / "stop"
    adapters: list[Adapter] = [
        StateFile(folder, write_text=True),
        SymlinkSwap(folder / "current.mp4"),
    ]
    switches = [
        switch_to(loops[0], sh_id=1, title="A"),
        switch_to(loops[1], sh_id=2, title="B"),
    ]
    for adapter in adapters:
        await adapter.apply(switches[0])
    reader = await asyncio.create_subprocess_exec(
        sys.executable, "-c", READER, str(folder), str(stop), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert reader.stdout is not None
        assert await reader.stdout.readline() == b"ready\n"
        for number in range(1000):
            for adapter in adapters:
                await adapter.apply(switches[number % 2])
        stop.touch()
        result = json.loads(await reader.stdout.readline())
    finally:
        stop.touch()
        await asyncio.wait_for(reader.wait(), 10)
    assert result["failures"] == 0, result["errors"]
    assert result["reads"] > 200  # the reader really ran during the switches
    assert sorted(os.listdir(folder)) == ["current.json", "current.mp4", "current.txt"]


# Command hook ----------------------------------------------------------------------------------

HOOK = """#!/bin/sh
# Writes its environment to OUT/<title>.env; the title "hang" hangs instead (a child sleeps).
out="$1"
if [ "$TITLE" = "hang" ]; then
    sleep 60 &
    echo "$$ $!" > "$out/hang.pids"
    wait
fi
if [ "$TITLE" = "fail" ]; then echo "no encoder here" >&2; exit 3; fi
{
    echo "LOOP_PATH=$LOOP_PATH"; echo "ARTIST=$ARTIST"; echo "TITLE=$TITLE"
    echo "SONG_ID=$SONG_ID"; echo "SH_ID=$SH_ID"; echo "REASON=$REASON"; echo "STATION=$STATION"
} > "$out/$TITLE.tmp"
mv "$out/$TITLE.tmp" "$out/$TITLE.env"
"""


@pytest.fixture
def hook_out(tmp_path: Path) -> Path:
    out = tmp_path / "hook out"
    out.mkdir()
    return out


@pytest.fixture
def hook_command(tmp_path: Path, hook_out: Path) -> str:
    script = tmp_path / "hook.sh"
    script.write_text(HOOK)
    script.chmod(0o755)
    return f"{shlex.quote(str(script))} {shlex.quote(str(hook_out))}"


async def written(path: Path, within: float) -> float:
    """Seconds until the hook has written `path` (fails after `within`)."""
    started = time.monotonic()
    await wait_until_async(path.exists, within, f"the hook writing {path.name}")
    return time.monotonic() - started


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for a reaper counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


async def test_the_hook_gets_the_switch_in_its_environment(
    hook_command: str, hook_out: Path, loops: tuple[Path, Path]
) -> None:
    hook = CommandHook(hook_command, timeout=5)
    await hook.apply(replace(switch_to(loops[1], sh_id=None), title="Around the World"))
    await written(hook_out / "Around the World.env", 5)
    lines = (hook_out / "Around the World.env").read_text().splitlines()
    assert lines == [
        f"LOOP_PATH={loops[1]}",
        "ARTIST=Daft Punk",
        "TITLE=Around the World",
        "SONG_ID=9f33bbc912c19603e51be8e0987d076b",
        "SH_ID=",
        "REASON=mapped",
        "STATION=radio-one",
    ]


# What a shell puts in `env` of its own accord, not from the hook's environment.
SHELL_OWN = {"PWD", "OLDPWD", "SHLVL", "_"}


async def test_the_hook_sees_none_of_the_daemons_secrets(
    tmp_path: Path, hook_out: Path, loops: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://crateloop:hunter2@db/crateloop")
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@cache/0")
    script = tmp_path / "env-hook.sh"
    script.write_text('#!/bin/sh\nenv > "$1/env.tmp" && mv "$1/env.tmp" "$1/env.txt"\n')
    script.chmod(0o755)
    hook = CommandHook(f"{shlex.quote(str(script))} {shlex.quote(str(hook_out))}", timeout=5)
    await hook.apply(switch_to(loops[0]))
    await written(hook_out / "env.txt", 5)
    text = (hook_out / "env.txt").read_text()
    names = {line.split("=", 1)[0] for line in text.splitlines() if "=" in line}
    assert "SECRET_KEY" not in names and "DATABASE_URL" not in names and "REDIS_URL" not in names
    assert "hunter2" not in text
    switch = {"LOOP_PATH", "ARTIST", "TITLE", "SONG_ID", "SH_ID", "REASON", "STATION"}
    assert switch | {"PATH"} <= names
    assert names - SHELL_OWN <= switch | {"PATH", "LANG", "LC_ALL"}


def test_a_stored_hook_is_not_built_while_hooks_are_off_and_that_is_said_once(
    handoff_root: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(handoff, "_told_hooks_disabled", False)
    caplog.set_level(logging.WARNING, logger="domain.handoff")
    config = HandoffConfig(state_dir="radio-one", hook_command="/bin/true")
    for _ in range(3):  # the daemon rebuilds adapters on every reload
        names = [a.name for a in adapters_for(config, handoff_root, allow_hooks=False)]
        assert names == ["state_file"]
    assert caplog.text.count("command hooks are disabled (ALLOW_COMMAND_HOOKS") == 1
    on = [a.name for a in adapters_for(config, handoff_root, allow_hooks=True)]
    assert on == ["state_file", "command_hook"]


async def test_a_hanging_hook_is_killed_at_its_timeout_and_never_delays_the_next(
    hook_command: str, hook_out: Path, loops: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    hook = CommandHook(hook_command, timeout=0.5)
    caplog.set_level(logging.WARNING, logger="domain.handoff.command_hook")
    started = time.monotonic()
    await hook.apply(switch_to(loops[0], title="hang"))
    assert time.monotonic() - started < 0.05  # apply does not wait for the hook
    await written(hook_out / "hang.pids", 5)
    pids = [int(pid) for pid in (hook_out / "hang.pids").read_text().split()]
    assert all(alive(pid) for pid in pids)
    watched = time.monotonic()
    await wait_until_async(lambda: not any(alive(pid) for pid in pids), 3, "the hook killed")
    killed_after = time.monotonic() - watched
    assert 0.3 < killed_after < 1.5  # the shell and its sleeping child, at the timeout
    await wait_until_async(lambda: "timed out after 0.5 s: killed it" in caplog.text, 2)

    started = time.monotonic()
    await hook.apply(switch_to(loops[1], title="next"))
    assert time.monotonic() - started < 0.05
    assert await written(hook_out / "next.env", 2) < 1


async def test_a_newer_switch_kills_the_older_hook_still_running(
    hook_command: str, hook_out: Path, loops: tuple[Path, Path]
) -> None:
    hook = CommandHook(hook_command, timeout=30)
    await hook.apply(switch_to(loops[0], title="hang"))
    await written(hook_out / "hang.pids", 5)
    pids = [int(pid) for pid in (hook_out / "hang.pids").read_text().split()]

    started = time.monotonic()
    await hook.apply(switch_to(loops[1], title="next"))
    assert time.monotonic() - started < 0.05
    assert await written(hook_out / "next.env", 2) < 1
    await wait_until_async(lambda: not any(alive(pid) for pid in pids), 3, "the old hook killed")


async def test_a_failing_hook_is_logged_with_its_output(
    hook_command: str, loops: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="domain.handoff.command_hook")
    await CommandHook(hook_command, timeout=5).apply(switch_to(loops[0], title="fail"))
    await wait_until_async(lambda: "exited with 3" in caplog.text, 5)
    assert "exited with 3: no encoder here" in caplog.text


async def test_a_hook_that_cannot_start_raises(tmp_path: Path, loops: tuple[Path, Path]) -> None:
    hook = CommandHook(str(tmp_path / "no-such-hook"), timeout=5)
    with pytest.raises(HandoffError, match=r"cannot run hook .*no-such-hook.*No such file"):
        await hook.apply(switch_to(loops[0]))


# Liquidsoap ------------------------------------------------------------------------------------


@pytest.fixture
def liquidsoap() -> Iterator[FakeLiquidsoap]:
    with fake_liquidsoap() as fake:
        yield fake


async def test_telnet_sets_an_interactive_variable_to_the_path_verbatim(
    liquidsoap: FakeLiquidsoap, tmp_path: Path
) -> None:
    loop = tmp_path / 'odd \\ "name".mp4'
    adapter = Liquidsoap(liquidsoap.telnet_url, mode="var", target="loop")
    await adapter.apply(switch_to(loop))
    assert liquidsoap.commands == [f"var.set loop={loop}"]
    assert liquidsoap.variables == {"loop": str(loop)}


async def test_var_mode_refuses_what_var_set_cannot_carry(
    liquidsoap: FakeLiquidsoap, tmp_path: Path
) -> None:
    adapter = Liquidsoap(liquidsoap.telnet_url, mode="var", target="loop")
    with pytest.raises(HandoffError, match=r"contains '=', which Liquidsoap's var\.set cannot"):
        await adapter.apply(switch_to(tmp_path / "a=b.mp4"))
    unknown = Liquidsoap(liquidsoap.telnet_url, mode="var", target="nope")
    with pytest.raises(HandoffError, match="Syntax error or variable not found"):
        await unknown.apply(switch_to(tmp_path / "a.mp4"))


async def test_telnet_pushes_to_a_queue_and_skips(
    liquidsoap: FakeLiquidsoap, loops: tuple[Path, Path]
) -> None:
    adapter = Liquidsoap(liquidsoap.telnet_url, mode="queue", target="loops")
    await adapter.apply(switch_to(loops[1]))
    assert liquidsoap.commands == [f"loops.push {loops[1]}", "loops.skip"]


async def test_http_endpoint_gets_each_command_with_the_api_key(
    liquidsoap: FakeLiquidsoap, loops: tuple[Path, Path]
) -> None:
    adapter = Liquidsoap(liquidsoap.http_url, mode="queue", target="loops", api_key="k3y")
    await adapter.apply(switch_to(loops[0]))
    assert liquidsoap.commands == [f"loops.push {loops[0]}", "loops.skip"]
    assert [headers["x-api-key"] for headers in liquidsoap.http_headers] == ["k3y", "k3y"]
    await Liquidsoap(liquidsoap.http_url, mode="var", target="loop").apply(switch_to(loops[1]))
    assert liquidsoap.variables == {"loop": str(loops[1])}
    assert "x-api-key" not in liquidsoap.http_headers[-1]


@pytest.mark.parametrize("transport", ["telnet", "http"])
async def test_liquidsoap_failures_raise_with_the_reason(
    liquidsoap: FakeLiquidsoap, loops: tuple[Path, Path], transport: str
) -> None:
    url = liquidsoap.telnet_url if transport == "telnet" else liquidsoap.http_url
    adapter = Liquidsoap(url, mode="var", target="loop", timeout=0.5)
    liquidsoap.mode = "error"
    with pytest.raises(HandoffError, match=r"Liquidsoap refused `var.set loop=.*`: ERROR"):
        await adapter.apply(switch_to(loops[0]))
    liquidsoap.mode = "stall"
    with pytest.raises(HandoffError, match=r"Liquidsoap at 127\.0\.0\.1:\d+ timed out after 0.5 s"):
        await adapter.apply(switch_to(loops[0]))
    if transport == "http":
        liquidsoap.mode = "http_500"
        with pytest.raises(HandoffError, match=r"answered HTTP 500 to `var.set`"):
            await adapter.apply(switch_to(loops[0]))


async def test_liquidsoap_down_is_a_handoff_error(loops: tuple[Path, Path]) -> None:
    with fake_liquidsoap() as fake:
        url = fake.telnet_url  # a port nobody listens on once the fake has stopped
    with pytest.raises(HandoffError, match=r"cannot reach Liquidsoap at 127\.0\.0\.1:\d+"):
        await Liquidsoap(url, mode="var", target="loop").apply(switch_to(loops[0]))


@pytest.mark.parametrize("transport", ["telnet", "http"])
async def test_liquidsoap_connections_pass_the_station_address_guard(
    liquidsoap: FakeLiquidsoap, loops: tuple[Path, Path], transport: str
) -> None:
    """The Liquidsoap URL is checked when saved, and again at each connection: a name that
    later resolves to the metadata address, or a host outside STATION_ALLOWED_HOSTS, gets no
    connection and no command (the fake would record one)."""
    url = liquidsoap.telnet_url if transport == "telnet" else liquidsoap.http_url
    port = urlsplit(url).port
    assert port is not None
    by_name = url.replace("127.0.0.1", "liquidsoap.example")

    async def metadata(host: str, port: int) -> list[str]:
        return ["169.254.169.254"] if host == "liquidsoap.example" else [host]

    moved = Liquidsoap(by_name, mode="var", target="loop", api_key="k3y", resolve=metadata)
    with pytest.raises(HandoffError, match=r"refused to connect to liquidsoap\.example"):
        await moved.apply(switch_to(loops[0]))

    async def loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    elsewhere = Liquidsoap(
        by_name, mode="var", target="loop", allowed_hosts=("radio.example",), resolve=loopback
    )
    with pytest.raises(HandoffError, match="not in STATION_ALLOWED_HOSTS"):
        await elsewhere.apply(switch_to(loops[0]))
    assert liquidsoap.commands == [] and liquidsoap.http_headers == []

    allowed = Liquidsoap(
        by_name, mode="var", target="loop", allowed_hosts=("liquidsoap.example",), resolve=loopback
    )
    await allowed.apply(switch_to(loops[0]))  # the checked address is the one connected to
    assert liquidsoap.variables == {"loop": str(loops[0])}


async def test_a_line_break_in_a_path_is_never_sent(liquidsoap: FakeLiquidsoap) -> None:
    adapter = Liquidsoap(liquidsoap.telnet_url, mode="queue", target="loops")
    with pytest.raises(HandoffError, match="line break"):
        await adapter.apply(switch_to(Path("/loops/a.mp4\nshutdown")))
    assert liquidsoap.commands == []


LIQUIDSOAP_SCRIPT = """
settings.init.allow_root.set(true)
settings.server.telnet.set(true)
settings.server.telnet.port.set({port})
settings.frame.video.width.set(160)
settings.frame.video.height.set(90)
loop = interactive.string("loop", "{first}")
video = request.dynamic(fun () -> request.create(loop()))
loops = request.queue(id="loops")
s = fallback(track_sensitive=false, [loops, video])
s = source.on_track(s, fun (m) -> print("TRACK #{{m['filename']}}"))
output.dummy(fallible=true, s)
"""


@pytest.mark.skipif(shutil.which("liquidsoap") is None, reason="liquidsoap is not installed")
async def test_a_real_liquidsoap_switches_loops_by_variable_and_by_queue(tmp_path: Path) -> None:
    first = make_mp4(tmp_path / "first.mp4", width=160, height=90, seconds=1)
    second = copy_mp4(first, tmp_path / 'second "loop".mp4')
    third = copy_mp4(first, tmp_path / "third.mp4")
    port = free_port()
    script = tmp_path / "radio.liq"
    script.write_text(LIQUIDSOAP_SCRIPT.format(port=port, first=first))
    process = await asyncio.create_subprocess_exec(
        "liquidsoap", str(script), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    tracks: list[str] = []

    async def read_tracks() -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            if line.startswith(b"TRACK "):
                tracks.append(line.decode().removeprefix("TRACK ").strip())

    reader = asyncio.create_task(read_tracks())
    try:
        await wait_until_async(lambda: str(first) in tracks, 60, "the first loop playing")
        telnet = f"telnet://127.0.0.1:{port}"
        await Liquidsoap(telnet, mode="var", target="loop").apply(switch_to(second))
        # Generous bounds: Liquidsoap shares the CPU with the rest of the suite in CI.
        # At the (1 s) loop boundary.
        await wait_until_async(lambda: str(second) in tracks, 20, "the second loop playing")
        # Queue mode: Liquidsoap must accept `loops.push` and `loops.skip` (apply raises on an
        # error reply). Whether the pushed loop then plays races the queue's own resolution of
        # the request against the skip, so the test does not wait for a TRACK line here.
        await Liquidsoap(telnet, mode="queue", target="loops").apply(switch_to(third))
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
        reader.cancel()
