"""PDF tests need system libraries: skipped loudly outside CI, failed on CI."""

import pytest

from goals.summaries import pdf
from tests import conftest


class PdfTest:
    def get_closest_marker(self, name):
        return object() if name == "pdf" else None


class OtherTest:
    def get_closest_marker(self, name):
        return None


def test_a_pdf_test_without_the_libraries_skips_saying_what_to_install(monkeypatch):
    monkeypatch.setattr(pdf, "missing_system_libraries", lambda: ["libharfbuzz-subset0"])
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=r"needs libharfbuzz-subset0 \(apt install"):
        conftest.pytest_runtest_setup(PdfTest())
    conftest.pytest_runtest_setup(OtherTest())  # other tests run


def test_a_pdf_test_without_the_libraries_fails_on_ci(monkeypatch):
    monkeypatch.setattr(pdf, "missing_system_libraries", lambda: ["libharfbuzz-subset0"])
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required on CI"):
        conftest.pytest_runtest_setup(PdfTest())


def test_this_machine_finds_the_libraries_after_the_projects_install_script():
    # scripts/install-system-packages.sh installs them; on CI it has run.
    missing = pdf.missing_system_libraries()
    if missing and conftest.os.environ.get("CI") != "true":
        pytest.skip(f"not installed here: {missing}")
    assert missing == []
