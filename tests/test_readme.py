"""The README stays true: every setting and every CLI command is documented there."""

from __future__ import annotations

import re
from pathlib import Path

import click

from cli.main import crateloop
from domain import config

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
CODE_DIRS = ("domain", "web", "daemon", "worker", "cli")


def _commands(group: click.Group, ctx: click.Context) -> list[str]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        sub = click.Context(command, info_name=name, parent=ctx)
        if isinstance(command, click.Group):
            found += _commands(command, sub)
        else:
            found.append(sub.command_path)
    return found


def _variables_read_by_code() -> set[str]:
    """Environment variable names the code reads (env.get / os.environ / required(...))."""
    pattern = re.compile(
        r"""(?:environ(?:\.get)?|env\.get|getenv|required)\(\s*["']([A-Z][A-Z0-9_]+)["']"""
        r"""|environ\[\s*["']([A-Z][A-Z0-9_]+)["']"""
    )
    root = Path(__file__).resolve().parent.parent
    names: set[str] = set()
    for directory in CODE_DIRS:
        for path in (root / directory).rglob("*.py"):
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                names.add(match.group(1) or match.group(2))
    return names


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", README, flags=re.MULTILINE))
    assert set(config.VARIABLES) <= documented, set(config.VARIABLES) - documented
    read = _variables_read_by_code()
    assert read, "the scan found no variables at all"
    assert read <= documented, f"read by the code but not in the README: {read - documented}"


def test_every_cli_command_is_in_the_readme() -> None:
    commands = _commands(crateloop, click.Context(crateloop, info_name="crateloop"))
    assert len(commands) > 5
    missing = [command for command in commands if f"`{command}" not in README]
    assert not missing, f"CLI commands missing from README.md: {missing}"


def test_readme_shows_the_two_commands() -> None:
    assert "make run" in README
    assert "make test" in README
