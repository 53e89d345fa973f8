"""Post text as platforms write it: HTML (Mastodon's content, ActivityPub notes) read as
the plain text a person sees, and the links typed in plain text (YouTube titles, LinkedIn
posts). The importers, the connectors and the inbound mentions all read post text here, so
that a post reads the same whichever way it came in.

Pure Python: no Django.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _TextExtractor(HTMLParser):
    _BLOCK = frozenset({"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"})
    _SKIP = frozenset({"script", "style", "template", "iframe", "object", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self._BLOCK and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def typed_links(text: str) -> tuple[str, ...]:
    """The links typed in plain text, each once, without the punctuation that follows a
    link in a sentence."""
    found: list[str] = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]}…")
        if url not in found:
            found.append(url)
    return tuple(found)


def html_to_text(markup: str) -> str:
    """Safe plain text from post HTML: tags dropped, scripts and styles dropped with their
    content, entities decoded, paragraphs as blank lines."""
    extractor = _TextExtractor()
    extractor.feed(markup or "")
    extractor.close()
    text = "".join(extractor.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
