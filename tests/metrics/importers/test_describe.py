"""What a file no format reads is, and the supported format it comes closest to."""

import io
import json
import zipfile

import pytest

from metrics.importers import registry
from metrics.importers.common import ImportFailed, Source
from metrics.importers.describe import closest_format, describe, listing, unreadable_message
from tests.metrics.importers.helpers import FIXTURES

OVERVIEW = FIXTURES / "x" / "analytics" / "account_overview_analytics.csv"


def source(name: str, data: bytes) -> Source:
    return Source.from_bytes(name, data)


def test_it_lists_a_few_names_and_counts_the_rest():
    assert listing(["a", "b"]) == "a, b"
    assert listing([str(i) for i in range(9)], shown=3) == "0, 1, 2 and 6 more"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"", "an empty file"),
        (b"\n\n  \n", "an empty file"),
        (b"Dear team,\nhere are the numbers.\n", "text that is not a table"),
        (b"Date,Foo,Bar\n2026-07-01,1,2\n", "a CSV whose columns are Date, Foo, Bar"),
        (b'{"posts": [], "account": "x"}', "a JSON object with keys posts, account"),
        (b"[1, 2, 3]", "a JSON list of 3 items"),
    ],
)
def test_it_says_what_a_file_is(data, expected):
    assert describe(source("upload.csv", data)) == expected


def test_it_lists_the_files_of_a_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64))
        archive.writestr("notes.txt", b"just words\n")
    described = describe(source("stuff.zip", buffer.getvalue()))
    assert described == (
        "a zip archive of 2 files: photo.png (a PNG image), notes.txt (text that is not a table)"
    )


def test_a_csv_one_column_away_from_a_format_is_told_which_column():
    header, _, rest = OVERVIEW.read_bytes().partition(b"\n")
    renamed = header.replace(b"Unfollows", b"Unfollowers") + b"\n" + rest
    near = closest_format(source("overview.csv", renamed), registry.FORMATS)
    assert near is not None
    assert near.format.key == "x_overview"
    assert (near.missing, near.unexpected) == (["Unfollows"], ["Unfollowers"])
    assert str(near) == (
        "closest: X account analytics: daily overview CSV (account_overview_analytics.csv) "
        "(columns missing: Unfollows; unexpected: Unfollowers)"
    )


def test_unrelated_columns_have_no_closest_format():
    data = b"Date,Foo,Bar\n2026-07-01,1,2\n"
    assert closest_format(source("a.csv", data), registry.FORMATS) is None
    assert unreadable_message(source("a.csv", data), registry.FORMATS) == (
        "a.csv is not an export Strategy Tracker can read: it is a CSV whose columns are "
        "Date, Foo, Bar."
    )


def test_every_csv_format_is_closest_to_itself_with_nothing_different():
    for fmt in registry.FORMATS:
        if not fmt.columns:
            continue
        data = (",".join(f'"{c}"' for c in fmt.columns) + "\n").encode()
        near = closest_format(source("f.csv", data), registry.FORMATS)
        assert near is not None and near.format == fmt, fmt.key
        assert (near.missing, near.unexpected) == ([], []), fmt.key


# --- through detection: the message the user gets -----------------------------------------


def refused(name: str, data: bytes) -> str:
    with pytest.raises(ImportFailed) as info:
        registry.detect(source(name, data))
    return str(info.value)


def test_a_png_renamed_csv_is_called_a_png_image():
    message = refused("chart.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert message.startswith(
        "chart.csv is not an export Strategy Tracker can read: it is a PNG image."
    )
    assert "Closest" not in message
    assert message.endswith(registry.FORMATS_POINTER)


def test_a_csv_with_unrelated_columns_is_described_by_its_columns():
    message = refused("budget.csv", b"Month,Spend,Channel\nJuly,100,ads\n")
    assert "it is a CSV whose columns are Month, Spend, Channel." in message
    assert "Closest" not in message


def test_a_csv_one_column_away_names_the_closest_format_and_the_difference():
    header, _, rest = OVERVIEW.read_bytes().partition(b"\n")
    message = refused("overview.csv", header.replace(b"Unfollows,", b"") + b"\n" + rest)
    assert (
        "Closest: X account analytics: daily overview CSV (account_overview_analytics.csv) "
        "(columns missing: Unfollows)." in message
    )


def test_a_json_object_lists_its_keys():
    message = refused("data.json", json.dumps({"followers": 1, "handle": "x"}).encode())
    assert "it is a JSON object with keys followers, handle." in message
