"""A fetched page's bytes → text, by its declared charset, strictly."""

from __future__ import annotations

import codecs
import re

from domain.tracklists.page_errors import PageEncodingError

_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# Browsers read these labels as windows-1252 (WHATWG Encoding); pages declaring them rely on it.
_WINDOWS_1252_LABELS = frozenset({"iso8859-1", "ascii", "cp1252"})  # codecs.lookup() names
# windows-1252 is latin-1 but for 0x80-0x9F; the five bytes it leaves undefined stay U+0080-U+009F.
_WINDOWS_1252_C1 = {
    byte: bytes([byte]).decode("cp1252")
    for byte in range(0x80, 0xA0)
    if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def decode_page(raw: bytes, content_type: str | None = None) -> str:
    """Bytes → text: charset from Content-Type, else `<meta charset>`, else UTF-8; strict.

    Raises PageEncodingError naming the charset and the offset of the first bad byte."""
    if raw.startswith(codecs.BOM_UTF8):
        charset, origin = "utf-8", "its byte order mark"
        raw = raw[len(codecs.BOM_UTF8) :]
    elif content_type and (found := _CHARSET_PARAM.search(content_type)):
        charset, origin = found.group(1), "the Content-Type header"
    elif found_meta := _META_CHARSET.search(raw[:4096]):
        charset, origin = found_meta.group(1).decode("ascii", "replace"), "its <meta charset>"
    else:
        charset, origin = "utf-8", "no declaration: UTF-8"
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        raise PageEncodingError(
            f"the page declares an unknown charset {charset!r} (in {origin});"
            " expected e.g. utf-8 or windows-1252"
        ) from None
    if codec in _WINDOWS_1252_LABELS:
        return raw.decode("latin-1").translate(_WINDOWS_1252_C1)
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as error:
        raise PageEncodingError(
            f"the page is not valid {charset} ({origin}): byte 0x{raw[error.start]:02x}"
            f" at offset {error.start} cannot be decoded"
        ) from None
