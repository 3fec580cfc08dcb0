"""The Content-Disposition of a download, one spelling for every page and API answer."""

from __future__ import annotations

from urllib.parse import quote


def attachment(name: str) -> dict[str, str]:
    """Content-Disposition for a download named `name` (a safe file name: see
    domain/tracklists/file_names.py `download_name`), with its RFC 5987 `filename*`."""
    return {
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    }
