"""One account per export (metrics.importers.accounts)."""

from __future__ import annotations

from collections import Counter

import pytest

from metrics.importers.accounts import OneAccount, main_account
from metrics.importers.common import ImportFailed
from metrics.importers.meta import FORMATS as META_FORMATS
from metrics.importers.tables import RowProblem
from metrics.ingest.records import AccountInfo
from tests.metrics.importers.helpers import FIXTURES, parse

FB_Q2 = FIXTURES / "facebook/Apr-01-2026_Jun-30-2026_5358321145085006.csv"
FB_CONTENT = next(fmt for fmt in META_FORMATS if fmt.key == "facebook_content")


def test_the_first_account_a_row_names_is_the_exports_account():
    account = OneAccount("x")
    account.check("", line=2, column="Post Link")  # a row that names none changes nothing
    account.check("loomwellroast", line=3, column="Post Link")
    account.check("loomwellroast", line=4, column="Post Link")
    assert account.first == "loomwellroast"


def test_a_row_of_another_account_is_refused_naming_both_and_the_first_line():
    account = OneAccount("x")
    account.check("loomwellroast", line=2, column="Post Link")
    with pytest.raises(RowProblem) as caught:
        account.check("someone_else", line=9, column="Post Link")
    assert str(caught.value) == (
        "column “Post Link”: @someone_else is another account than the one on line 2 "
        "(@loomwellroast); import one account's export at a time"
    )


def test_an_account_id_is_shown_as_the_file_writes_it():
    account = OneAccount("facebook")
    account.check("100089412345678", line=2, column="Page ID", is_handle=False)
    with pytest.raises(RowProblem, match="column “Page ID”: “8” is another account"):
        account.check("8", line=3, column="Page ID", is_handle=False)


def test_the_account_is_named_once_and_only_with_a_handle():
    account = OneAccount("instagram")
    assert account.announce("") is None
    assert account.announce("loomwellroasters", "Loomwell Roasters") == AccountInfo(
        "instagram", "loomwellroasters", "Loomwell Roasters"
    )
    assert account.announce("loomwellroasters") is None


def test_two_pages_in_one_export_are_refused_on_the_row_of_the_second(tmp_path):
    text = FB_Q2.read_text(encoding="utf-8-sig")
    lines = text.split("\n")
    lines[1] = lines[1].replace("100089412345678", "100089499999999", 1)
    path = tmp_path / FB_Q2.name
    path.write_text("\n".join(lines), encoding="utf-8-sig")
    result = parse(FB_CONTENT, path)
    assert len(result.errors) == 25  # every row after the first names the other page
    assert result.errors[0].message.startswith(
        "column “Page ID”: “100089412345678” is another account than the one on line 2 "
        "(“100089499999999”)"
    )
    assert result.accounts == [AccountInfo("facebook", "loomwellroasters", "Loomwell Roasters")]


def test_the_main_account_is_the_one_most_items_belong_to():
    assert main_account(Counter({"a": 3, "b": 1}), lambda a, b: "mixed") == "a"
    with pytest.raises(ImportFailed, match="a and b are mixed"):
        main_account(Counter({"a": 2, "b": 2}), lambda a, b: f"{a} and {b} are mixed")
