"""The merge rules (metrics.ingest.precedence), one rule a test."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.ingest.precedence import (
    COUNT_FIELDS,
    KindEvidence,
    PostFacts,
    SnapshotInfo,
    SnapshotTimeUnknown,
    SourceProfile,
    TextEvidence,
    TimeEvidence,
    known_groups_of,
    merge_posts,
    observation_wins,
)

T0 = datetime(2026, 10, 1, tzinfo=UTC)
ARCHIVE = SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=True)
CSV = SourceProfile(KindEvidence.INFERRED, TextEvidence.SHORTENED)
LEGACY = SourceProfile(KindEvidence.NONE, TextEvidence.FULL, time=TimeEvidence.MINUTE)


def snap(sid, profile, days=0, identity=None):
    return SnapshotInfo(sid, profile, T0 + timedelta(days=days), identity or f"fmt/{sid}")


def facts(sid, **fields):
    """What snapshot `sid` says about the post, with evidence for what it knows."""
    base = PostFacts(published_at=T0 - timedelta(days=30), sources=(sid,), **fields)
    return replace(base, evidence=dict.fromkeys(known_groups_of(base), sid))


def merge(snapshots, *records):
    table = {s.id: s for s in snapshots}
    return reduce(lambda stored, new: merge_posts(stored, new, table), records)


def test_a_source_that_cannot_tell_a_kind_never_overwrites_one_that_can():
    shares = facts(1, claimed_kind="reshare")
    legacy = facts(2, claimed_kind="")  # later, but it cannot tell
    merged = merge([snap(1, ARCHIVE), snap(2, LEGACY, days=5)], shares, legacy)
    assert merged.claimed_kind == "reshare"
    assert merge([snap(1, ARCHIVE), snap(2, LEGACY, days=5)], legacy, shares).claimed_kind == (
        "reshare"
    )


def test_a_kind_read_from_text_beats_no_claim_and_loses_to_a_structured_one():
    inferred = facts(1, claimed_kind="reply", in_reply_to_handle="dara")
    nothing = facts(2, claimed_kind="")
    told = facts(3, claimed_kind="original")
    snaps = [snap(1, CSV), snap(2, LEGACY, days=9), snap(3, ARCHIVE, days=-9)]
    assert merge(snaps, inferred, nothing).claimed_kind == "reply"
    assert merge(snaps, inferred, told).claimed_kind == "original"


def test_unknown_counts_never_replace_known_ones():
    with_impressions = facts(1, counts={"impressions": 900, "likes": 10})
    without = facts(2, counts={"impressions": None, "likes": 12})
    merged = merge([snap(1, CSV), snap(2, ARCHIVE, days=1)], with_impressions, without)
    assert merged.count("impressions") == 900
    assert merged.count("likes") == 12


def test_between_two_known_counts_the_later_snapshot_wins_whatever_the_order():
    early, late = facts(1, counts={"likes": 40}), facts(2, counts={"likes": 35})
    snaps = [snap(1, CSV, days=0), snap(2, CSV, days=3)]
    assert merge(snaps, early, late).count("likes") == 35
    assert merge(snaps, late, early).count("likes") == 35


def test_full_text_beats_shortened_text_even_from_an_older_snapshot():
    full = facts(1, text="A long post that goes on and on, all of it.")
    cut = facts(2, text="A long post that goes on…")
    snaps = [snap(1, ARCHIVE, days=-5), snap(2, CSV, days=5)]
    assert merge(snaps, full, cut).text == full.text
    assert merge(snaps, cut, full).text == full.text


def test_entities_beat_a_regex_over_the_same_text_and_come_with_it():
    regex = facts(1, text="@dara thanks", mentions=())
    entities = facts(2, text="@dara thanks", mentions=("dara@pedal.example",))
    no_entities = SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=False)
    merged = merge([snap(1, no_entities, days=4), snap(2, ARCHIVE)], regex, entities)
    assert merged.mentions == ("dara@pedal.example",)


def test_an_exact_time_beats_one_to_the_minute():
    exact = facts(1)
    minute = replace(facts(2), published_at=exact.published_at + timedelta(seconds=40))
    merged = merge([snap(1, ARCHIVE), snap(2, LEGACY, days=2)], exact, minute)
    assert merged.published_at == exact.published_at


def test_the_same_snapshot_given_again_changes_nothing():
    once = facts(1, claimed_kind="reply", text="hi", counts={"likes": 3})
    assert merge([snap(1, ARCHIVE)], once, once) == once


def test_every_snapshot_that_said_something_is_a_source():
    merged = merge([snap(1, CSV), snap(2, LEGACY)], facts(1), facts(2))
    assert merged.sources == (1, 2)


def test_two_snapshots_that_tie_on_rank_wait_for_a_time_they_do_not_have_yet():
    unknown = SnapshotInfo(2, CSV, None, "fmt/2")
    with pytest.raises(SnapshotTimeUnknown):
        merge([snap(1, CSV), unknown], facts(1, counts={"likes": 1}), facts(2, counts={"likes": 2}))


def test_a_rank_decides_without_needing_the_time():
    unknown = SnapshotInfo(2, LEGACY, None, "fmt/2")
    merged = merge([snap(1, ARCHIVE), unknown], facts(1, claimed_kind="quote"), facts(2))
    assert merged.claimed_kind == "quote"


def test_at_the_same_instant_the_snapshot_identity_breaks_the_tie():
    a, b = snap(1, CSV, identity="x_content/aaa"), snap(2, CSV, identity="x_content/bbb")
    first, second = facts(1, counts={"likes": 1}), facts(2, counts={"likes": 2})
    assert merge([a, b], first, second).count("likes") == 2
    assert merge([a, b], second, first).count("likes") == 2


def test_a_reported_number_beats_a_derived_one_and_never_the_reverse():
    file = snap(1, CSV)
    assert observation_wins(
        stored_derived=True, stored_snapshot=None, incoming_derived=False, incoming_snapshot=file
    )
    assert not observation_wins(
        stored_derived=False, stored_snapshot=file, incoming_derived=True, incoming_snapshot=None
    )


def test_between_two_reported_numbers_the_later_export_wins_not_the_later_import():
    early, late = snap(1, CSV, days=0), snap(2, CSV, days=60)
    assert not observation_wins(
        stored_derived=False, stored_snapshot=late, incoming_derived=False, incoming_snapshot=early
    )
    assert observation_wins(
        stored_derived=False, stored_snapshot=early, incoming_derived=False, incoming_snapshot=late
    )


# --- the property behind it all: the order never matters ---------------------------------

PROFILES = [ARCHIVE, CSV, LEGACY, SourceProfile(KindEvidence.TOLD, TextEvidence.SHORTENED)]
counts = st.fixed_dictionaries(
    {name: st.one_of(st.none(), st.integers(0, 50)) for name in COUNT_FIELDS[:4]}
)


@st.composite
def sources(draw):
    n = draw(st.integers(2, 4))
    snapshots, records = [], []
    for sid in range(1, n + 1):
        snapshots.append(
            SnapshotInfo(
                sid,
                draw(st.sampled_from(PROFILES)),
                T0 + timedelta(days=draw(st.integers(0, 3))),
                f"fmt/{sid}",
            )
        )
        record = facts(
            sid,
            claimed_kind=draw(st.sampled_from(["", "original", "reply", "reshare"])),
            in_reply_to_handle=draw(st.sampled_from(["", "dara", "tova"])),
            reshared_handle=draw(st.sampled_from(["", "mara"])),
            text=draw(st.sampled_from(["", "hi", "hi there", "hi there, all"])),
            mentions=draw(st.sampled_from([(), ("dara",), ("dara", "tova")])),
            permalink=draw(st.sampled_from(["", "https://a/1", "https://b/1"])),
            counts=draw(counts),
        )
        seconds = draw(st.sampled_from([0, 0, 40]))
        records.append(
            replace(record, published_at=record.published_at + timedelta(seconds=seconds))
        )
    return snapshots, records


@settings(max_examples=150, deadline=None)
@given(sources())
def test_merging_gives_the_same_facts_in_every_order(data):
    snapshots, records = data
    results = [merge(snapshots, *order) for order in itertools.permutations(records)]
    assert all(result == results[0] for result in results)
    # And giving any source again changes nothing.
    merged = results[0]
    for record in records:
        assert merge(snapshots, merged, record) == merged
