"""Schemathesis fuzzes every /api/v1 operation of the running app: no input may cause a 5xx.

The schema is the app's own (/schema/openapi.json, read with an admin's write token, as
`st run URL/schema/openapi.json -H 'Authorization: Bearer …'` would, DESIGN.md §9); each
operation gets valid and invalid requests from it, and only schemathesis's `not_a_server_error`
check is the bar. Hypothesis runs derandomized with bounded examples, so the run is the same on
every machine and stays within a couple of minutes on two cores.
"""

from __future__ import annotations

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from sqlalchemy import select

from domain.collection.record import FileRecord
from domain.collection.store import save_file
from domain.collection.tags import FileFacts
from domain.config import Settings
from domain.db import Sessions
from domain.library.facts import TrackFacts
from domain.library.store import upsert_track
from domain.library.wants import add_want
from domain.loops.mapper import TrackMapper
from domain.models import User
from tests import tracklist_seeds
from tests.web_fixtures import USERNAME, make_api_token, make_user

EXAMPLES_PER_OPERATION = 25
# The site's own search and its DJ/source pages go out to 1001tracklists through the polite client,
# a few seconds per request, and answer 502/503 for the site's failures by design; their input rules
# (type, q, url) are checked before any request by tests/test_api_tracklists.py.
OUTGOING = r"^/api/v1/tracklists/site-(search|listing)$"

FUZZ_SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    # No shrinking: a failure is reported with the request that caused it, which is enough.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture
async def admin_token(settings: Settings, clean_db: None) -> str:
    """A write token of an admin account, in an otherwise empty database."""
    await make_user(settings)
    return await make_api_token(settings)


@pytest.fixture
async def known_ids(
    mapper: TrackMapper, sessions: Sessions, settings: Settings, admin_token: str
) -> dict[str, int]:
    """A mapping, a stored tracklist, a library track, the admin's want-list item for it and a
    collection file, by the path parameter that names each: random ids find no row, so each
    operation on one row is fuzzed once more with this row's id."""
    mapping = await mapper.create_mapping("Fuzz", "Seed", "a.mp4")
    tracklist = await tracklist_seeds.store(sessions)
    seed = TrackFacts("Fuzz", ("Fuzz",), (), "Seed", "Seed", label="Lab")
    track_id = await upsert_track(sessions, seed)
    async with sessions() as session:
        admin_id = await session.scalar(select(User.id).where(User.username == USERNAME))
    assert admin_id is not None
    want_id = await add_want(sessions, admin_id, track_id)
    music = str(settings.collection.music_paths[0])
    file_id = await save_file(
        sessions, FileRecord(music, "fuzz.mp3", 1, 1.0, "0" * 64, FileFacts(title="Fuzz"))
    )
    return {
        "mapping_id": mapping.id,
        "tracklist_id": tracklist.tracklist_id,
        "track_id": track_id,
        "want_id": want_id,
        "file_id": file_id,
    }


def test_no_api_operation_answers_a_server_error(
    live_server: str, admin_token: str, known_ids: dict[str, int]
) -> None:
    headers = {"Authorization": f"Bearer {admin_token}"}
    schema = schemathesis.openapi.from_url(f"{live_server}/schema/openapi.json", headers=headers)
    schema = schema.include(path_regex=r"^/api/v1/").exclude(path_regex=OUTGOING)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 10, [op.label for op in operations]
    failures: list[str] = []
    for operation in operations:
        known = {n: v for n, v in known_ids.items() if f"{{{n}}}" in operation.path}
        runs = [(GenerationMode.POSITIVE, {}), (GenerationMode.NEGATIVE, {})]
        if known:
            runs.append((GenerationMode.POSITIVE, known))
        for mode, path_parameters in runs:

            @FUZZ_SETTINGS
            @hypothesis.given(
                case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            )
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    base_url=live_server, headers=headers, checks=[not_a_server_error]
                )

            try:
                call()
            except hypothesis.errors.Unsatisfiable:
                pass  # an operation without inputs has no invalid request to make
            except (FailureGroup, Exception) as error:
                failures.append(f"{operation.label} ({mode.value} {path_parameters}): {error}")
    assert not failures, "\n\n".join(failures)
