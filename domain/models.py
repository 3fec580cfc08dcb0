"""The database tables, as SQLAlchemy 2 declarative models."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    func,
    inspect,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column

from domain.search import heavy_vector, weighted_vector

TRACK_KEY_MAX = 512
# The words a mapping is found by: its key and loop file, split on punctuation so that paths,
# "ac/dc" and "<script>" become words too (translate() is much cheaper than regexp_replace()).
_SEPARATORS = "/._-<>()[]{}&+:;,!?#@=~|*%$^"
SEARCH_VECTOR = (
    "to_tsvector('simple', translate(track_key || ' ' || loop_file_path,"
    f" '{_SEPARATORS}', '{' ' * len(_SEPARATORS)}'))"
)


class Base(DeclarativeBase):
    pass


class LoopStatus(StrEnum):
    OK = "ok"
    MISSING = "missing"
    INVALID = "invalid"


class Reason(StrEnum):
    """How a play's loop was chosen."""

    MAPPED = "mapped"
    SONG_ID = "song_id"
    DEFAULT = "default"
    LIVE = "live"
    OFFLINE = "offline"
    MANUAL = "manual"  # pinned by an operator ("Switch now", domain/stations/pins.py)


def _one_of(column: str, values: type[StrEnum]) -> str:
    """A CHECK that `column` holds one of the enum's values, in the enum's order (so the SQL text,
    and so what alembic compares, stays the same while the enum does)."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


def _now(sort_order: int = 0) -> Mapped[datetime]:
    return mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, sort_order=sort_order
    )


class TrackMapping(Base):
    __tablename__ = "track_mappings"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    track_key: Mapped[str] = mapped_column(String(TRACK_KEY_MAX), unique=True)
    # As typed by the operator: the key is for matching, these are for people and exports.
    artist: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    azuracast_song_id: Mapped[str] = mapped_column(String(32), index=True)
    loop_file_path: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    play_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_played_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    notes: Mapped[str | None] = mapped_column(Text)
    # What the worker found when it probed the loop file.
    loop_status: Mapped[str | None] = mapped_column(String(16))
    loop_status_reason: Mapped[str | None] = mapped_column(Text)
    loop_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    loop_codec: Mapped[str | None] = mapped_column(String(32))
    loop_width: Mapped[int | None] = mapped_column(Integer)
    loop_height: Mapped[int | None] = mapped_column(Integer)
    loop_duration: Mapped[float | None] = mapped_column()
    thumbnail: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    # Words of the key and the file name, for search-as-you-type without pg_trgm.
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            SEARCH_VECTOR,
            persisted=True,
        ),
    )

    __table_args__ = (
        CheckConstraint(_one_of("loop_status", LoopStatus), name="track_mappings_loop_status"),
        Index("track_mappings_search", "search_vector", postgresql_using="gin"),
        Index("track_mappings_by_plays", play_count.desc(), id),
    )


class DefaultConfig(Base):
    __tablename__ = "default_config"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = _now()


class Play(Base):
    __tablename__ = "plays"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    station: Mapped[str] = mapped_column(String(100))
    artist: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    track_key: Mapped[str | None] = mapped_column(String(TRACK_KEY_MAX))
    song_id: Mapped[str | None] = mapped_column(String(32))
    loop_path: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    # The source's id of this play (AzuraCast sh_id): writing a play twice stores it once.
    sh_id: Mapped[int | None] = mapped_column(BigInteger)
    duration: Mapped[float | None] = mapped_column()
    station_id: Mapped[int | None] = mapped_column(
        ForeignKey("stations.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint(_one_of("reason", Reason), name="plays_reason"),
        Index("plays_reason_key", "reason", "track_key"),
        Index("plays_station_started", "station", "started_at"),
        Index(
            "plays_station_sh_id",
            "station",
            "sh_id",
            unique=True,
            postgresql_where="sh_id IS NOT NULL",
        ),
    )


class SourceKind(StrEnum):
    AZURACAST = "azuracast"
    ICECAST = "icecast"
    SHOUTCAST = "shoutcast"


class Transport(StrEnum):
    """How an AzuraCast station is watched; Icecast and SHOUTcast are always polled."""

    PUSH = "push"  # SSE feed, polling while it is down
    POLL = "poll"
    WEBHOOK = "webhook"


class Station(Base):
    """A radio station the daemon watches, and where it hands each loop."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # URL-safe name: dashboard URLs, the webhook URL, plays.station.
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    kind: Mapped[str] = mapped_column(String(16))
    base_url: Mapped[str] = mapped_column(Text)
    shortcode: Mapped[str | None] = mapped_column(String(100))  # AzuraCast station shortcode
    mount: Mapped[str | None] = mapped_column(String(200))  # Icecast mount, e.g. /radio.mp3
    stream_id: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # SHOUTcast sid
    api_key: Mapped[str | None] = mapped_column(Text)
    transport: Mapped[str] = mapped_column(String(16), default="push", server_default="push")
    poll_interval: Mapped[float] = mapped_column(default=10.0, server_default="10")
    webhook_secret: Mapped[str | None] = mapped_column(String(100))
    # Loops (relative to LOOPS_PATH) for a live DJ (per streamer name, else live_loop) and offline.
    live_loop: Mapped[str | None] = mapped_column(Text)
    streamer_loops: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default="{}")
    offline_loop: Mapped[str | None] = mapped_column(Text)
    switch_offset: Mapped[float] = mapped_column(default=0.0, server_default="0")
    # Hand-off adapters, any combination (paths relative to HANDOFF_PATH or absolute inside it).
    state_dir: Mapped[str | None] = mapped_column(Text)  # current.json there
    write_text_file: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    symlink_path: Mapped[str | None] = mapped_column(Text)  # e.g. current.mp4
    hook_command: Mapped[str | None] = mapped_column(Text)
    hook_timeout: Mapped[float] = mapped_column(default=10.0, server_default="10")
    liquidsoap_url: Mapped[str | None] = mapped_column(Text)  # telnet://h:p or http(s)://…/telnet
    liquidsoap_mode: Mapped[str] = mapped_column(String(8), default="var", server_default="var")
    liquidsoap_target: Mapped[str | None] = mapped_column(String(100))  # var or queue name
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint(_one_of("kind", SourceKind), name="stations_kind"),
        CheckConstraint(_one_of("transport", Transport), name="stations_transport"),
        CheckConstraint("liquidsoap_mode IN ('var', 'queue')", name="stations_liquidsoap_mode"),
        CheckConstraint("poll_interval >= 1", name="stations_poll_interval"),
    )


class StationHealth(Base):
    """What the daemon last knew about a station: connection state and what is playing."""

    __tablename__ = "station_health"

    station_id: Mapped[int] = mapped_column(
        ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))  # connected | polling | down | standby
    since: Mapped[datetime] = _now()
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_switch_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The now-playing card as the dashboard shows it (artist, title, art, loop, reason, ...).
    now_playing: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = _now()


class Role(StrEnum):
    """What an account may do (docs/architecture.md, "Roles"); one account may hold several."""

    ADMIN = "admin"
    OPERATOR = "operator"
    DJ = "dj"


class TokenScope(StrEnum):
    """What an API token may do within its owner's roles: `write` includes `read`."""

    READ = "read"
    WRITE = "write"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            f"roles <@ ARRAY[{', '.join(repr(r.value) for r in Role)}]::varchar[]",
            name="users_roles_known",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list, server_default="{}")
    created_at: Mapped[datetime] = _now()
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Each login session stores the generation it began in; raising it (a password change) ends
    # every session of an older one, wherever it is stored (web/accounts/auth.py checks it).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A disabled account cannot log in, and its sessions and tokens are refused.
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # A one-time password reset link an admin made: its sha256 and until when it works.
    password_reset_hash: Mapped[str | None] = mapped_column(String(64))
    password_reset_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The IANA zone this user reads times in; None: DISPLAY_TIMEZONE (accounts/time_zones.py).
    time_zone: Mapped[str | None] = mapped_column(String(64))

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint(_one_of("scope", TokenScope), name="api_tokens_scope_known"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # sha256 of the token: the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(
        String(8), default=TokenScope.READ.value, server_default=TokenScope.READ.value
    )
    created_at: Mapped[datetime] = _now()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def may_write(self) -> bool:
        return self.scope == TokenScope.WRITE.value


# --- Tracklists (issue 4): tracklists, their versions and drafts, DJs, sources, import jobs ---

TRACKLIST_SEARCH_VECTOR = (
    "to_tsvector('simple', translate(title || ' ' || search_names,"
    f" '{_SEPARATORS}', '{' ' * len(_SEPARATORS)}'))"
)


class ImportStatus(StrEnum):
    """Where an import job is: queued → fetching → parsed → stored, or blocked / failed."""

    QUEUED = "queued"
    FETCHING = "fetching"
    PARSED = "parsed"
    STORED = "stored"
    BLOCKED = "blocked"
    FAILED = "failed"


class VersionOrigin(StrEnum):
    IMPORT = "import"
    DRAFT = "draft"


class TracklistOrigin(StrEnum):
    """How a tracklist's rows first came in (the discovery statistics' sources)."""

    IMPORT = "import"  # fetched from the tracklist site
    PASTE = "paste"  # pasted as text (`crateloop tracklists paste`, a new draft's paste box)
    HAND = "hand"  # typed in row by row


class Tracklist(Base):
    """A tracklist: its current metadata (the latest version's, or the draft's while it was never
    published) for listing and search; the content itself lives in versions and the draft."""

    __tablename__ = "tracklists"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source_id: Mapped[str | None] = mapped_column(String(64))  # the site's id; None: hand-made
    origin: Mapped[str] = mapped_column(
        String(8), default=TracklistOrigin.HAND.value, server_default=TracklistOrigin.HAND.value
    )
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    set_date: Mapped[date | None] = mapped_column(Date)
    genres: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    claimed_track_count: Mapped[int | None] = mapped_column(Integer)
    current_version: Mapped[int | None] = mapped_column(Integer)  # None: never published
    # DJ and source names of the current metadata, so that one column feeds the search vector.
    search_names: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The raw HTML hash of the page last fetched (each version keeps the one it was made from).
    checked_sha256: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR, Computed(TRACKLIST_SEARCH_VECTOR, persisted=True)
    )

    __table_args__ = (
        Index(
            "tracklists_source_id",
            "source_id",
            unique=True,
            postgresql_where="source_id IS NOT NULL",
        ),
        Index("tracklists_search", "search_vector", postgresql_using="gin"),
        Index("tracklists_by_date", set_date.desc().nulls_last(), id.desc()),
        CheckConstraint(_one_of("origin", TracklistOrigin), name="tracklists_origin"),
    )


class _NamedPage:
    """The columns of a DJ or a source: a name and the site page it links to, if any."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()


class Dj(_NamedPage, Base):
    """A DJ (artist) named on tracklists; one row per site URL, or per name when it has none."""

    __tablename__ = "djs"
    __table_args__ = (
        Index("djs_url", "url", unique=True, postgresql_where="url IS NOT NULL"),
        Index("djs_name", "name", unique=True, postgresql_where="url IS NULL"),
    )


class Source(_NamedPage, Base):
    """A source or event (radio show, festival, club); same identity rules as DJs."""

    __tablename__ = "sources"
    __table_args__ = (
        Index("sources_url", "url", unique=True, postgresql_where="url IS NOT NULL"),
        Index("sources_name", "name", unique=True, postgresql_where="url IS NULL"),
    )


class TracklistDj(Base):
    """The current DJs of a tracklist, in order."""

    __tablename__ = "tracklist_djs"

    tracklist_id: Mapped[int] = mapped_column(
        ForeignKey("tracklists.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    dj_id: Mapped[int] = mapped_column(ForeignKey("djs.id", ondelete="CASCADE"), index=True)


class TracklistSource(Base):
    """The current sources/events of a tracklist, in order; the first is the main one."""

    __tablename__ = "tracklist_sources"

    tracklist_id: Mapped[int] = mapped_column(
        ForeignKey("tracklists.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)


class _TracklistMetadata:
    """A tracklist's metadata, as a version has it or as its draft is editing it.

    SQLAlchemy puts mixin columns after the class's own, as the migrations have them; for the
    draft's trailing columns see `sort_order` in TracklistDraft."""

    title: Mapped[str] = mapped_column(Text)
    djs: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    source: Mapped[str | None] = mapped_column(Text)
    set_date: Mapped[date | None] = mapped_column(Date)
    genres: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    claimed_track_count: Mapped[int | None] = mapped_column(Integer)
    # {"djs": [{"name", "url"}], "sources": [{"name", "url"}]}: the pages they link to.
    links: Mapped[dict[str, object]] = mapped_column(JSONB, default=dict, server_default="{}")


class TracklistVersion(_TracklistMetadata, Base):
    """One published state of a tracklist: when, by whom, from what, and its metadata."""

    __tablename__ = "tracklist_versions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tracklist_id: Mapped[int] = mapped_column(ForeignKey("tracklists.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = _now()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    origin: Mapped[str] = mapped_column(String(8))
    html_sha256: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(_one_of("origin", VersionOrigin), name="tracklist_versions_origin"),
        Index("tracklist_versions_number", "tracklist_id", "number", unique=True),
    )


class _TrackColumns:
    """The columns of one row: every ParsedTrack field and the row's place."""

    row_index: Mapped[int] = mapped_column(Integer)
    position: Mapped[int | None] = mapped_column(Integer)
    with_previous: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    cue_seconds: Mapped[int | None] = mapped_column(Integer)
    artist: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    remix: Mapped[str | None] = mapped_column(Text)
    edit_note: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
    is_id: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    mashup: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    url: Mapped[str | None] = mapped_column(Text)


class TracklistTrack(_TrackColumns, Base):
    """A row of a published version (never changed once written: history is kept)."""

    __tablename__ = "tracklist_tracks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("tracklist_versions.id", ondelete="CASCADE"))

    __table_args__ = (Index("tracklist_tracks_row", "version_id", "row_index", unique=True),)


class TracklistDraft(_TracklistMetadata, Base):
    """The one draft of a tracklist: metadata and rows of its own until published or discarded."""

    __tablename__ = "tracklist_drafts"

    tracklist_id: Mapped[int] = mapped_column(
        ForeignKey("tracklists.id", ondelete="CASCADE"), primary_key=True
    )
    base_version: Mapped[int | None] = mapped_column(Integer)  # the version it was copied from
    # sort_order 1: after the metadata columns of the mixin, where the migration puts them.
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), sort_order=1
    )
    created_at: Mapped[datetime] = _now(sort_order=1)
    updated_at: Mapped[datetime] = _now(sort_order=1)


class TracklistDraftRow(_TrackColumns, Base):
    """A row of a draft; rows are renumbered 0..n-1 after every change."""

    __tablename__ = "tracklist_draft_rows"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tracklist_id: Mapped[int] = mapped_column(
        ForeignKey("tracklist_drafts.tracklist_id", ondelete="CASCADE")
    )

    __table_args__ = (Index("tracklist_draft_rows_row", "tracklist_id", "row_index"),)


class TracklistImport(Base):
    """An import job: one URL fetched, parsed and stored by the worker."""

    __tablename__ = "tracklist_imports"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    force: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    tracklist_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracklists.id", ondelete="SET NULL")
    )
    version: Mapped[int | None] = mapped_column(Integer)
    changed: Mapped[bool | None] = mapped_column(Boolean)
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint(_one_of("status", ImportStatus), name="tracklist_imports_status"),
    )


def column_length(model: type[Base], name: str) -> int:
    """The declared length of a String column: input rules read their limits from here, so a
    rule cannot drift from the schema."""
    kind = inspect(model).columns[name].type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{model.__name__}.{name} has no length")
    return kind.length


# --- The DJ library (issue 11): recordings, how each tracklist row was identified, want-lists ---


class DiscoveryState(StrEnum):
    """Where the identification of one tracklist row stands."""

    MATCHED = "matched"  # a library track, accepted by the machine or a person
    PROVISIONAL = "provisional"  # a likely candidate a person must review
    UNMATCHED = "unmatched"  # nothing close enough (or an outside service failed: queued again)
    ID = "id"  # an "ID" row: an unknown track, never searched
    REJECTED = "rejected"  # a person said none of the candidates is it


class DiscoveryMethod(StrEnum):
    """Where the decision came from."""

    LIBRARY = "library"
    MUSICBRAINZ = "musicbrainz"
    DISCOGS = "discogs"
    MANUAL = "manual"  # a person decided; re-identifying never overrides it


class WantStatus(StrEnum):
    """wanted → found → purchased → in_library, or unavailable (domain/library/wants.py)."""

    WANTED = "wanted"
    FOUND = "found"
    PURCHASED = "purchased"
    IN_LIBRARY = "in_library"
    UNAVAILABLE = "unavailable"


LIBRARY_SEARCH_WORDS = "to_tsvector('simple', artists_key || ' ' || title_key)"


class EnrichmentStatus(StrEnum):
    """Where an item's enrichment stands (domain/enrichment/): `partial` when some outside API
    failed (tried again a day later), `failed` when none answered (tried again, at most 3 times)."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"


class Enriched:
    """The enrichment columns library tracks and collection files share (issue 12 §4). What the
    music databases said is kept in columns of its own, beside what the file's tags, the analysis
    or identification said: where a fact came from stays known."""

    enrichment_status: Mapped[str] = mapped_column(
        String(16), default=EnrichmentStatus.PENDING, server_default="pending"
    )
    # The outside APIs that answered for this item ("musicbrainz", "deezer"…): not asked again.
    sources_enriched: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default="{}"
    )
    last_attempt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enrichment_retry_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    enrichment_error: Mapped[str | None] = mapped_column(Text)
    enriched_isrc: Mapped[str | None] = mapped_column(String(12))
    enriched_mbid: Mapped[str | None] = mapped_column(Text)  # MusicBrainz recording
    enriched_label: Mapped[str | None] = mapped_column(Text)
    enriched_catalogue_number: Mapped[str | None] = mapped_column(Text)
    enriched_release_date: Mapped[str | None] = mapped_column(Text)  # "2016", "2016-04-01"
    enriched_country: Mapped[str | None] = mapped_column(Text)
    enriched_genres: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default="{}"
    )
    enriched_styles: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default="{}"
    )
    discogs_release_id: Mapped[int | None] = mapped_column(BigInteger)
    deezer_id: Mapped[int | None] = mapped_column(BigInteger)
    deezer_bpm: Mapped[float | None] = mapped_column(Float)
    deezer_gain: Mapped[float | None] = mapped_column(Float)
    lastfm_tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    lastfm_playcount: Mapped[int | None] = mapped_column(BigInteger)
    lastfm_listeners: Mapped[int | None] = mapped_column(BigInteger)
    spotify_id: Mapped[str | None] = mapped_column(Text)
    audio_features: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # Spotify's, if granted


def _enrichment_table_args(table: str) -> tuple[Any, ...]:
    """The check on `enrichment_status` and the index the daemon picks items by."""
    return (
        CheckConstraint(
            _one_of("enrichment_status", EnrichmentStatus), name=f"{table}_enrichment_status"
        ),
        CheckConstraint("enrichment_retry_count >= 0", name=f"{table}_enrichment_retry_count"),
        Index(f"{table}_enrichment", "enrichment_status", "last_attempt"),
    )


class ApiCache(Base):
    """An outside API's JSON answer, kept until `expires_at` (domain/enrichment/api_cache.py);
    `{}` stands for "it knows nothing of it"."""

    __tablename__ = "api_cache"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    endpoint: Mapped[str] = mapped_column(Text)
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = _now()


class LibraryTrack(Enriched, Base):
    """A recording crateloop knows; no two rows stand for the same recording (`dedupe_key`)."""

    __tablename__ = "library_tracks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    artists: Mapped[str] = mapped_column(Text)  # as displayed: "Bicep feat. Clara La San"
    primary_artists: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default="{}"
    )
    featured_artists: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default="{}"
    )
    title: Mapped[str] = mapped_column(Text)  # as displayed, version included
    title_base: Mapped[str] = mapped_column(Text)
    version_kind: Mapped[str] = mapped_column(
        String(16), default="original", server_default="original"
    )
    version_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    remixers: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    label: Mapped[str | None] = mapped_column(Text)
    catalogue_number: Mapped[str | None] = mapped_column(Text)
    release_title: Mapped[str | None] = mapped_column(Text)
    release_date: Mapped[date | None] = mapped_column(Date)
    genre: Mapped[str | None] = mapped_column(Text)
    duration: Mapped[float | None] = mapped_column()  # seconds
    bpm: Mapped[float | None] = mapped_column()
    musical_key: Mapped[str | None] = mapped_column(String(16))  # "A minor", "8A"
    isrc: Mapped[str | None] = mapped_column(String(12), index=True)
    # {"musicbrainz_recording", "musicbrainz_release", "discogs_release", "deezer", "spotify",
    # "beatport", "bandcamp"}: ids as text (domain/library/store.py EXTERNAL_ID_KINDS).
    external_ids: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict, server_default="{}")
    # Read out of external_ids, so the first deduplication step is one index lookup.
    musicbrainz_recording_id: Mapped[str | None] = mapped_column(
        Text, Computed("external_ids ->> 'musicbrainz_recording'", persisted=True)
    )
    # Normalised primary artists + title_base + version (store.dedupe_key): the last
    # deduplication step, and the rule that no two rows are one recording.
    dedupe_key: Mapped[str] = mapped_column(Text, unique=True)
    # comparison_key() of the displayed artists and title, for the library's filters.
    artists_key: Mapped[str] = mapped_column(Text)
    title_key: Mapped[str] = mapped_column(Text)
    # The words of both keys, for the library stage of identification (a GIN index: tracks by
    # the row's artist or with its title, whatever the library's size).
    search_words: Mapped[str] = mapped_column(
        TSVECTOR, Computed(LIBRARY_SEARCH_WORDS, persisted=True), deferred=True
    )
    first_discovered: Mapped[datetime] = _now()
    last_seen: Mapped[datetime] = _now()
    # Distinct tracklists whose rows were identified as this track.
    discovery_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint(
            "version_kind IN ('original', 'remix', 'edit', 'rework', 'bootleg', 'dub', 'vip',"
            " 'live', 'instrumental')",
            name="library_tracks_version_kind",
        ),
        CheckConstraint("discovery_count >= 0", name="library_tracks_discovery_count"),
        Index(
            "library_tracks_musicbrainz",
            "musicbrainz_recording_id",
            unique=True,
            postgresql_where="musicbrainz_recording_id IS NOT NULL",
        ),
        Index("library_tracks_by_mixes", discovery_count.desc(), id),
        Index("library_tracks_by_last_seen", last_seen.desc(), id),
        Index("library_tracks_by_title", "title_key", id),
        Index("library_tracks_first_discovered", "first_discovered"),
        Index("library_tracks_changed", "updated_at"),
        Index("library_tracks_words", "search_words", postgresql_using="gin"),
        *_enrichment_table_args("library_tracks"),
    )


class Discovery(Base):
    """How one row of one tracklist version was identified; re-identifying updates it."""

    __tablename__ = "discoveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tracklist_id: Mapped[int] = mapped_column(
        ForeignKey("tracklists.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("tracklist_versions.id", ondelete="CASCADE"))
    version_number: Mapped[int] = mapped_column(Integer)
    # The row's place in its version (tracklist_tracks.row_index: "w/" rows have one too) and
    # its number on the page (None for "w/" rows and mashup parts).
    row_index: Mapped[int] = mapped_column(Integer)
    position: Mapped[int | None] = mapped_column(Integer)
    cue_seconds: Mapped[int | None] = mapped_column(Integer)
    row_text: Mapped[str] = mapped_column(Text)  # "Artist - Title (Remix) [Label]" as heard
    state: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(default=0.0, server_default="0")
    method: Mapped[str | None] = mapped_column(String(16))  # None: nothing decided it
    # The best candidate's per-field penalties and reasons, as the review queue shows them.
    differences: Mapped[dict[str, object]] = mapped_column(JSONB, default=dict, server_default="{}")
    candidates: Mapped[list[dict[str, object]]] = mapped_column(
        JSONB, default=list, server_default="[]"
    )
    sources_asked: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), default=list, server_default="{}"
    )
    library_track_id: Mapped[int | None] = mapped_column(
        ForeignKey("library_tracks.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint(_one_of("state", DiscoveryState), name="discoveries_state"),
        CheckConstraint(_one_of("method", DiscoveryMethod), name="discoveries_method"),
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="discoveries_confidence"),
        Index("discoveries_row", "version_id", "row_index", unique=True),
        # The review queue: provisional rows, newest mix (version) first.
        Index(
            "discoveries_review",
            version_id.desc(),
            "row_index",
            postgresql_where="state = 'provisional'",
        ),
        # The discovery statistics: matched rows by when they were identified, and what changed.
        Index(
            "discoveries_matched_at",
            "created_at",
            postgresql_include=["library_track_id", "tracklist_id"],
            postgresql_where="state = 'matched' AND library_track_id IS NOT NULL",
        ),
        Index("discoveries_changed", "updated_at"),
    )


class WantItem(Base):
    """A track on one user's want-list, with where it was heard."""

    __tablename__ = "want_list"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    library_track_id: Mapped[int] = mapped_column(
        ForeignKey("library_tracks.id", ondelete="CASCADE"), index=True
    )
    priority: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    status: Mapped[str] = mapped_column(String(16), default="wanted", server_default="wanted")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Where it was heard: "heard in <tracklist> (version) at <cue>", row <position>.
    source_tracklist_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracklists.id", ondelete="SET NULL")
    )
    source_version: Mapped[int | None] = mapped_column(Integer)
    source_position: Mapped[int | None] = mapped_column(Integer)
    source_cue_seconds: Mapped[int | None] = mapped_column(Integer)
    # Shops the person chose or found it in ([{"name", "url"}]); the search links every track
    # gets are built from its metadata on reading (domain/library/purchase.py), not stored.
    purchase_links: Mapped[list[dict[str, str]]] = mapped_column(
        JSONB, default=list, server_default="[]"
    )
    # The collection file that made it in_library (domain/collection/matching.py).
    collection_file_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("collection_files.id", ondelete="SET NULL")
    )
    added_at: Mapped[datetime] = _now()
    status_changed_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint(_one_of("status", WantStatus), name="want_list_status"),
        CheckConstraint("priority BETWEEN 1 AND 5", name="want_list_priority"),
        Index("want_list_track", "user_id", "library_track_id", unique=True),
        Index("want_list_by_added", "user_id", added_at.desc(), id.desc()),
        Index("want_list_by_status", "user_id", "status"),
    )


class DiscoveryStatistics(Base):
    """One period's discovery statistics as last computed (domain/library/statistics.py): a
    million discoveries take seconds to count, so readers read this snapshot."""

    __tablename__ = "discovery_statistics"

    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    figures: Mapped[dict[str, Any]] = mapped_column(JSONB)


class CollectionStatus(StrEnum):
    """Where reading a collection file stands (domain/collection/status.py: the transitions)."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class AudioFormat(StrEnum):
    MP3 = "mp3"
    FLAC = "flac"
    AIFF = "aiff"
    WAV = "wav"
    M4A = "m4a"


# Weighted full-text search (issue 12 §1): A = title and artist, B = album and label, C = genre,
# over text already folded in Python (record.search_texts): the embedded PostgreSQL has no unaccent.
COLLECTION_SEARCH = weighted_vector("search_a", "search_b", "search_c")
COLLECTION_SEARCH_HEAVY = heavy_vector("search_a")


class CollectionFile(Enriched, Base):
    """One audio file under a MUSIC_PATH root, as last scanned (domain/collection/)."""

    __tablename__ = "collection_files"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    root: Mapped[str] = mapped_column(Text)  # the MUSIC_PATH folder, resolved
    path: Mapped[str] = mapped_column(Text)  # relative to root, POSIX separators
    size: Mapped[int] = mapped_column(BigInteger)
    mtime: Mapped[float] = mapped_column(Float)  # seconds since the epoch, as stat() says
    # sha256 of the first and last 64 KB and the size: a renamed file keeps its row.
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(
        String(16), default=CollectionStatus.PENDING, server_default="pending"
    )
    error: Mapped[str | None] = mapped_column(Text)
    retry_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    missing: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    missing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Tags, as the file has them.
    artist: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    album: Mapped[str | None] = mapped_column(Text)
    album_artist: Mapped[str | None] = mapped_column(Text)
    genre: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(Text)
    catalogue_number: Mapped[str | None] = mapped_column(Text)
    isrc: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    tag_bpm: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    tag_key: Mapped[str | None] = mapped_column(Text)  # as tagged: "8A", "Am", "A minor"…
    # Audio properties.
    duration: Mapped[float | None] = mapped_column(Float)  # seconds
    channels: Mapped[int | None] = mapped_column(Integer)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    bitrate: Mapped[int | None] = mapped_column(Integer)  # bits per second
    format: Mapped[str | None] = mapped_column(String(8))
    cover: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # a JPEG thumbnail
    # Key and tempo from the audio itself (filled by the analysis, issue 12 §2).
    musical_key: Mapped[str | None] = mapped_column(Text)
    camelot: Mapped[str | None] = mapped_column(String(3))
    open_key: Mapped[str | None] = mapped_column(String(3))
    key_strength: Mapped[float | None] = mapped_column(REAL)
    bpm: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    bpm_confidence: Mapped[float | None] = mapped_column(REAL)
    analysed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    analysis_error: Mapped[str | None] = mapped_column(Text)
    library_track_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("library_tracks.id", ondelete="SET NULL"), index=True
    )
    search_a: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_b: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_c: Mapped[str] = mapped_column(Text, default="", server_default="")
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed(COLLECTION_SEARCH, persisted=True), deferred=True
    )
    # Title and artist alone: a search's first tier (domain/collection/search.py).
    search_heavy: Mapped[str] = mapped_column(
        TSVECTOR, Computed(COLLECTION_SEARCH_HEAVY, persisted=True), deferred=True
    )
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    scanned_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint(_one_of("status", CollectionStatus), name="collection_files_status"),
        CheckConstraint(
            f"format IS NULL OR {_one_of('format', AudioFormat)}", name="collection_files_format"
        ),
        CheckConstraint("retry_count >= 0", name="collection_files_retry_count"),
        Index("collection_files_file", "root", "path", unique=True),
        Index("collection_files_status", "status"),
        # The listing's orderings (domain/collection/store.py ORDERINGS).
        Index("collection_files_by_artist", "artist", "title", "id"),
        Index("collection_files_by_title", "title", "id"),
        Index("collection_files_by_added", created_at.desc(), id.desc()),
        Index("collection_files_search", "search", postgresql_using="gin"),
        Index("collection_files_search_heavy", "search_heavy", postgresql_using="gin"),
        *_enrichment_table_args("collection_files"),
    )


class FileMatchState(StrEnum):
    """Where matching one collection file to a library track stands (scoring.py's decisions,
    plus a person's rejection)."""

    MATCHED = "matched"  # linked: collection_files.library_track_id
    PROVISIONAL = "provisional"  # "is this file that track?": a person decides (/review)
    UNMATCHED = "unmatched"  # no library track close enough, or no artist and title tags
    REJECTED = "rejected"  # a person said the suggested track is not this file


class CollectionMatch(Base):
    """How one collection file was matched to the library (domain/collection/matching.py)."""

    __tablename__ = "collection_matches"

    collection_file_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("collection_files.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))
    # A person's decision (accept or reject) is never changed by an automatic pass.
    by_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # The suggested (provisional) or linked (matched) track.
    library_track_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("library_tracks.id", ondelete="SET NULL"), index=True
    )
    confidence: Mapped[float] = mapped_column(default=0.0, server_default="0")
    # The best candidate's penalties and reasons, and the candidates, as the review shows them.
    differences: Mapped[dict[str, object]] = mapped_column(JSONB, default=dict, server_default="{}")
    candidates: Mapped[list[dict[str, object]]] = mapped_column(
        JSONB, default=list, server_default="[]"
    )
    # Tracks a person said this file is not: never suggested or linked again.
    rejected_track_ids: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), default=list, server_default="{}"
    )
    # A digest of the tags matched (matching.FACTS_KEY): a file whose tags changed is matched
    # again.
    facts_key: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    __table_args__ = (
        CheckConstraint(_one_of("state", FileMatchState), name="collection_matches_state"),
        CheckConstraint(
            "confidence >= 0 AND confidence <= 1", name="collection_matches_confidence"
        ),
        Index(
            "collection_matches_review",
            "updated_at",
            "collection_file_id",
            postgresql_where="state = 'provisional'",
        ),
        # The discovery statistics' "something changed" (a link made or undone).
        Index("collection_matches_changed", "updated_at"),
    )
