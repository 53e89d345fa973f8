"""One account per export: a per-post file belongs to one account, which the parser names
once (AccountInfo); a row of another account is refused with the same message in every
format, never mixed in silently. Where an export holds other people's items too (saved API
pages, an archive's outbox), the account is the one most items belong to (main_account).

Pure Python: no Django.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from metrics.importers.common import ImportFailed
from metrics.importers.tables import RowProblem
from metrics.ingest.records import AccountInfo


class OneAccount:
    """The account an export belongs to, as its rows show it (a handle in a post link, or
    an account id column)."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.first = ""  # the account of the first row that names one
        self._first_shown = ""
        self._first_line = 0
        self.announced = ""  # the handle named in the AccountInfo already given

    def check(self, account: str, *, line: int, column: str, is_handle: bool = True) -> None:
        """Remember the first account; raise RowProblem for a row of another one."""
        if not account:
            return
        shown = f"@{account}" if is_handle else f"“{account}”"
        if not self.first:
            self.first, self._first_shown, self._first_line = account, shown, line
            return
        if account != self.first:
            raise RowProblem(
                f"column “{column}”: {shown} is another account than the one on line "
                f"{self._first_line} ({self._first_shown}); import one account's export at "
                "a time"
            )

    def announce(self, handle: str, display_name: str = "") -> AccountInfo | None:
        """The AccountInfo to yield, the first time a handle is known; None after that.
        Call it once the row is known to be good, so that the account is named with a
        row that is read."""
        if not handle or self.announced:
            return None
        self.announced = handle
        return AccountInfo(self.platform, handle, display_name)


def main_account(counts: Counter[str], mixed: Callable[[str, str], str]) -> str:
    """The account most items belong to (`counts` must not be empty); ImportFailed with the
    message `mixed(first, second)` when two accounts have as many items each."""
    ranked = counts.most_common(2)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        raise ImportFailed(mixed(ranked[0][0], ranked[1][0]))
    return ranked[0][0]
