"""Where crateloop keeps what it makes at run time (`CRATELOOP_VAR_DIR`, default `./var`): the
ground floor, so settings and the metrics folder both read it without importing each other."""

from __future__ import annotations

import os
from pathlib import Path

VAR_DIR = Path(os.environ.get("CRATELOOP_VAR_DIR", "var")).resolve()
