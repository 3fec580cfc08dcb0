"""The HTML pages. `ROUTES` is what the app registers; a later page adds its controller here."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from web.pages.dashboard import DashboardController
from web.pages.fallbacks import FallbacksController
from web.pages.loops import LoopsController
from web.pages.plays import PlaysController
from web.pages.stations import StationsController
from web.pages.tracklist_drafts import TracklistDraftsController
from web.pages.tracklists import TracklistsController

ROUTES: list[ControllerRouterHandler] = [
    DashboardController,
    LoopsController,
    FallbacksController,
    PlaysController,
    StationsController,
    TracklistsController,
    TracklistDraftsController,
]
