"""Library test data the library tests share: track facts as a reading of a row gives them."""

from __future__ import annotations

from domain.library.facts import ORIGINAL, TrackFacts, Version, VersionKind

ASTRAL = Version(VersionKind.REMIX, ("Afterlife",), "Afterlife Remix")


def facts(
    artists: str = "deadmau5",
    title_base: str = "Strobe",
    version: Version = ORIGINAL,
    label: str | None = None,
    *,
    primary: tuple[str, ...] | None = None,
    isrc: str | None = None,
) -> TrackFacts:
    """A track's facts: `artists` is the one primary artist unless `primary` says otherwise."""
    title = f"{title_base} ({version.text})" if version.text else title_base
    return TrackFacts(
        artists=artists,
        primary=primary if primary is not None else (artists,),
        featured=(),
        title=title,
        title_base=title_base,
        version=version,
        label=label,
        isrc=isrc,
    )


def astral_facts() -> TrackFacts:
    """Tale Of Us & Mind Against - Astral (Afterlife Remix), on AFTERLIFE."""
    return facts(
        "Tale Of Us & Mind Against",
        "Astral",
        ASTRAL,
        "AFTERLIFE",
        primary=("Tale Of Us", "Mind Against"),
    )
