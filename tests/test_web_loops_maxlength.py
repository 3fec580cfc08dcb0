"""The Loops rows tell the browser the server's own lengths (maxlength), from the one rule in
domain/loops/rules.py: on the add row, the add row sent back with an error, and the edit row."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from domain.loops import rules
from domain.loops.mapper import TrackMapper
from tests.web_fixtures import Client

HX = {"HX-Request": "true"}


def maxlengths(html: str) -> dict[str, str | None]:
    if html.lstrip().startswith(("<tbody", "<tr")):
        html = f"<table>{html}</table>"
    parsed = HTMLParser(html)
    found = {}
    for name in ("artist", "title", "notes", "song_id"):
        node = parsed.css_first(f"input[name={name}]")
        assert node is not None, f"no {name} input"
        found[name] = node.attributes.get("maxlength")
    return found


EXPECTED = {
    "artist": str(rules.PART_MAX),
    "title": str(rules.PART_MAX),
    "notes": str(rules.NOTES_MAX),
    "song_id": str(rules.SONG_ID_MAX),
}


async def test_the_add_row_carries_the_servers_maxlength(client: Client) -> None:
    page = await client.get("/loops")
    assert maxlengths(page.text) == EXPECTED
    refused = await client.post("/loops", data={"artist": "A", "title": "T"}, headers=HX)
    assert refused.status_code == 422  # no loop file: the row comes back, limits and all
    assert maxlengths(refused.text) == EXPECTED


async def test_the_edit_row_carries_the_servers_maxlength(
    client: Client, mapper: TrackMapper
) -> None:
    mapping = await mapper.create_mapping("Bicep", "Glue", "a.mp4", notes="kept")
    row = await client.get(f"/loops/{mapping.id}/edit")
    assert maxlengths(row.text) == EXPECTED
    too_long = "n" * (rules.NOTES_MAX + 1)  # a browser stops there; a script is refused by name
    data = {"artist": "Bicep", "title": "Glue", "loop_path": "a.mp4", "notes": too_long}
    refused = await client.post(f"/loops/{mapping.id}", data=data, headers=HX)
    assert refused.status_code == 422
    assert "notes are longer than" in refused.text
    assert maxlengths(refused.text) == EXPECTED
    assert (await mapper.get_mapping(mapping.id)).notes == "kept"
