"""`/stations/artwork/{slug}`: the now-playing artwork the dashboard shows, served by us.

The page never loads an image from a station's URL (the CSP's img-src is `'self' data:`);
`domain.stations.artwork` fetches it from the station's own server and caches it.
"""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath

from domain.resources import Resources
from domain.stations.artwork import ArtworkMissing, ArtworkUnavailable, station_artwork
from web.accounts.roles import Access, declare

# The page's URL names the song (`?v=`), so a new track is a new URL: the browser may keep this.
CACHE_CONTROL = "private, max-age=300"


@get("/stations/artwork/{slug:str}", opt=declare(Access.DASHBOARD), name="station_artwork")
async def artwork(resources: NamedDependency[Resources], slug: FromPath[str]) -> Response[bytes]:
    try:
        found = await station_artwork(
            resources.reads, resources.redis, resources.http, resources.settings, slug
        )
    except ArtworkMissing as error:
        raise NotFoundException(str(error)) from None
    except ArtworkUnavailable as error:
        raise HTTPException(status_code=502, detail=str(error)) from None
    return Response(
        found.body, media_type=found.content_type, headers={"cache-control": CACHE_CONTROL}
    )


ROUTES = [artwork]
