"""Plotly's browser bundle as a static file, from the installed plotly package.

Only `plotly/plotly.min.js`: the package's other data (the Jupyter widget bundle, sample
data sets, templates) is never referenced by a page, and compressing it for production
(gzip and Brotli at collectstatic) would double the work for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, overload

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

PACKAGE_DATA = Path(plotly.__file__).resolve().parent / "package_data"
PREFIX = "plotly"
NAME = "plotly.min.js"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.storage = FileSystemStorage(location=PACKAGE_DATA)
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]
        super().__init__(*args, **kwargs)

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        if not (PACKAGE_DATA / NAME).is_file():
            return [Error(f"{PACKAGE_DATA / NAME} is missing: reinstall plotly.")]
        return []

    @overload
    def find(self, path: str, find_all: Literal[False] = False) -> str | None: ...
    @overload
    def find(self, path: str, find_all: Literal[True]) -> list[str]: ...
    def find(self, path: str, find_all: bool = False) -> str | list[str] | None:
        found = str(PACKAGE_DATA / NAME) if path == f"{PREFIX}/{NAME}" else None
        if find_all:
            return [found] if found else []
        return found

    def list(
        self, ignore_patterns: Iterable[str] | None
    ) -> Iterator[tuple[str, FileSystemStorage]]:
        yield NAME, self.storage
