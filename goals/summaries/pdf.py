"""The quarterly summary as a PDF: the HTML document (`goals.summaries.html`, its charts as
embedded PNG images) printed by WeasyPrint.

WeasyPrint needs the system's Pango libraries, so it is imported only when a PDF is made;
the renderer fetches nothing but `data:` URIs (`pdf_url_fetcher`).
"""

from __future__ import annotations

import ctypes.util
from typing import Any

from django.conf import settings

from goals.summaries.html import summary_html
from goals.summaries.types import Summary


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run on this machine."""


# The system libraries WeasyPrint draws PDFs with: library name -> Debian/Ubuntu package.
SYSTEM_LIBRARIES: dict[str, str] = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz-subset": "libharfbuzz-subset0",  # fonts embedded as subsets: small PDFs
}
INSTALL_HINT = "apt install " + " ".join(SYSTEM_LIBRARIES.values())


def missing_system_libraries() -> list[str]:
    """The Debian/Ubuntu packages of the libraries PDFs need that this machine lacks."""
    return [
        package for name, package in SYSTEM_LIBRARIES.items() if not ctypes.util.find_library(name)
    ]


def pdf_url_fetcher() -> Any:
    """WeasyPrint's fetcher limited to `data:` URIs: anything else (http, https, file,
    relative URLs resolved against the base URL) is refused before any connection, so the
    PDF never reaches the network or the file system. A refused resource is left out
    (WeasyPrint logs a warning)."""
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols=frozenset({"data"}), allow_redirects=False, timeout=1)


def summary_pdf(summary: Summary) -> bytes:
    """The summary as a PDF (A4, page numbers), its charts as embedded images.

    WeasyPrint is imported here, not at start-up: it needs the system's Pango libraries,
    and a machine without them should still run everything but PDF summaries."""
    try:
        from weasyprint import HTML
    except OSError as exc:
        raise PdfUnavailable(
            "PDF summaries need the system's Pango libraries (Debian/Ubuntu: "
            f"{INSTALL_HINT}); the other formats work without them."
        ) from exc

    html = HTML(
        string=summary_html(summary, for_pdf=True),
        base_url=settings.BASE_DIR.as_uri() + "/",
        url_fetcher=pdf_url_fetcher(),
    )
    pdf: bytes = html.write_pdf()
    return pdf
