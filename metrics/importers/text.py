"""Reading an export file as text: the encoding decided from its first bytes (a BOM, or
UTF-16's zero bytes), and a clear ImportFailed when the bytes are not that encoding.
Meta's daily files are UTF-16; Meta's and TikTok's CSVs start with a UTF-8 BOM; X and
YouTube write plain UTF-8.

Pure Python: no Django.
"""

from __future__ import annotations

import codecs
import io
from typing import IO

from metrics.importers.common import ImportFailed, Member


def sniff_encoding(head: bytes) -> str:
    """The codec for a file, from its first bytes: a BOM decides, else UTF-8.

    UTF-16 without a BOM is recognised by its zero bytes (ASCII text in UTF-16 LE has a
    NUL after every character).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = head[:200]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be"
    return "utf-8"


def head_text(member: Member, size: int = 8192) -> str:
    """The start of a member as text, for format detection (undecodable bytes replaced)."""
    head = member.head(size)
    encoding = sniff_encoding(head)
    if encoding.startswith("utf-16") and len(head) % 2:
        head = head[:-1]
    return head.decode(encoding, errors="replace").lstrip("\ufeff")


def open_text(member: Member) -> IO[str]:
    """The member as text, decoded strictly: a wrong byte raises where it is read."""
    encoding = sniff_encoding(member.head())
    return io.TextIOWrapper(member.open(), encoding=encoding, newline="", errors="strict")


def read_text(member: Member) -> str:
    """The whole member as text, without a BOM."""
    with open_text(member) as fh:
        try:
            return fh.read().lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise ImportFailed(encoding_message(member, exc)) from None


def encoding_message(member: Member, exc: UnicodeDecodeError) -> str:
    """What to say when a file is not the encoding it seemed to be."""
    return (
        f"{member.name} is not valid {exc.encoding.upper()} text (byte {exc.start}); the platform "
        "exports UTF-8 or UTF-16, so the file was probably re-saved in another encoding. "
        "Export it again, or save it as UTF-8."
    )
