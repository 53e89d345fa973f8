"""What a parser reads (metrics.importers.common.Source): a file, a zip or a folder."""

from __future__ import annotations

import shutil

from metrics.importers.common import Source
from tests.metrics.importers.helpers import FIXTURES

TIKTOK = FIXTURES / "tiktok/export_2026-06-01"


def test_a_folders_hidden_files_are_not_the_users_export(tmp_path):
    shutil.copy(TIKTOK / "Content_loomwellroasters/Content.csv", tmp_path / "Content.csv")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    assert [m.name for m in Source.from_path(tmp_path).members] == ["Content.csv"]


def test_a_zip_in_a_folder_keeps_its_name_in_its_members_names(tmp_path):
    zip_name = "Overview_2026-04-01_1780304591_loomwellroasters.zip"
    shutil.copy(TIKTOK / zip_name, tmp_path / zip_name)
    assert [m.name for m in Source.from_path(tmp_path).members] == [f"{zip_name}/Overview.csv"]
    # A zip given on its own is what the user gave: its members keep their own names.
    assert [m.name for m in Source.from_path(tmp_path / zip_name).members] == ["Overview.csv"]
