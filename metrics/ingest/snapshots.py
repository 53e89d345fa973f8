"""Snapshots: which source looked at an account's data, and when.

Every value the ingest path stores points to the snapshot it came from; the precedence
rules compare snapshots (precedence.SnapshotInfo). A snapshot is created (or found again,
for a file imported twice) when its source starts writing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from metrics.ingest.precedence import (
    KindEvidence,
    SnapshotInfo,
    SourceProfile,
    TextEvidence,
    TimeEvidence,
)
from metrics.models import Account, Snapshot, SnapshotKind, SnapshotTime


@dataclass(frozen=True)
class SourceRef:
    """What is bringing records in: enough to find or create its snapshot."""

    kind: SnapshotKind
    format_key: str  # the export format, "api:<connector kind>" or "bulk"
    key: str  # files: SHA-256 of the content; syncs and bulk requests: unique per run
    profile: SourceProfile
    label: str = ""
    # Known up front for a fetch or a request; a file's comes from the file (ExportInfo) or,
    # failing that, from the latest date in its data, once it has all been read.
    observed_at: datetime | None = None
    import_job_id: int | None = None
    connector_id: int | None = None


def profile_as_json(profile: SourceProfile) -> dict[str, Any]:
    return {
        "kind": int(profile.kind),
        "text": int(profile.text),
        "entities": profile.entities,
        "time": int(profile.time),
    }


def profile_from_json(data: dict[str, Any]) -> SourceProfile:
    return SourceProfile(
        kind=KindEvidence(data.get("kind", KindEvidence.NONE)),
        text=TextEvidence(data.get("text", TextEvidence.FULL)),
        entities=bool(data.get("entities", False)),
        time=TimeEvidence(data.get("time", TimeEvidence.EXACT)),
    )


def snapshot_open(*, account: Account, source: SourceRef, now: datetime) -> tuple[Snapshot, bool]:
    """The source's snapshot, and whether its time is known. The caller holds the account
    lock, so two imports of one file cannot both create it."""
    snapshot = Snapshot.objects.filter(
        account=account, format_key=source.format_key, key=source.key
    ).first()
    if snapshot is not None:
        # A file imported again: the same look at the same data. What its format can tell
        # is what the code knows now.
        profile = profile_as_json(source.profile)
        if snapshot.profile != profile:
            snapshot.profile = profile
            snapshot.save(update_fields=["profile"])
        return snapshot, True
    known = source.observed_at is not None
    snapshot = Snapshot.objects.create(
        account=account,
        kind=source.kind,
        format_key=source.format_key,
        key=source.key,
        label=source.label[:255],
        profile=profile_as_json(source.profile),
        # A file whose time is not known yet gets it when its import ends (or rolls back).
        observed_at=source.observed_at or now,
        observed_from=(
            {SnapshotKind.API: SnapshotTime.FETCH, SnapshotKind.BULK: SnapshotTime.REQUEST}.get(
                source.kind, SnapshotTime.EXPORT
            )
            if known
            else SnapshotTime.DATA
        ),
        import_job_id=source.import_job_id,
        connector_id=source.connector_id,
    )
    return snapshot, known


def snapshot_info(snapshot: Snapshot, *, time_known: bool = True) -> SnapshotInfo:
    return SnapshotInfo(
        id=snapshot.pk,
        profile=profile_from_json(snapshot.profile),
        observed_at=snapshot.observed_at if time_known else None,
        identity=snapshot.identity,
    )


def snapshot_infos(ids: Iterable[int]) -> dict[int, SnapshotInfo]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        snapshot.pk: snapshot_info(snapshot)
        for snapshot in Snapshot.objects.filter(pk__in=wanted).only(
            "pk", "profile", "observed_at", "format_key", "key"
        )
    }
