"""classify_many() gives, for every record of a batch, exactly what classify() gives for it
alone: over generated posts (mentions of every spelling, links own and others', shortened
and bare, replies, quotes, retweets, questions, emoji, non-ASCII), on each platform's
handle rules."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.classifier import classify, classify_many
from metrics.ingest.records import PostKind, PostRecord

WHEN = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
OWN_DOMAINS = ["loomwell.example", "Shop.Loomwell.example"]
ACCOUNTS = {
    "x": "LoomwellRoast",
    "mastodon": "loomwell@mastodon.example",
    "bluesky": "loomwell.bsky.social",
    "instagram": "loomwellroast",
}

handles = st.sampled_from(
    [
        "tova_pours",
        "Tova_Pours",
        "loomwellroast",
        "LoomwellRoast",
        "loomwell",
        "loomwell@mastodon.example",
        "kettle_and_crumb",
        "dara@pedal.example",
        "dara",
        "tova.bsky.social",
        "josé_café",
        "",
        "@mara_cuppings,",
        "https://x.com/tova_pours",
        "https://mastodon.example/@dara",
    ]
)
urls = st.sampled_from(
    [
        "https://loomwell.example/shop?x=1",
        "https://www.loomwell.example/",
        "https://shop.loomwell.example/beans",
        "https://notloomwell.example/x",
        "https://origin-notes.example/a?b=c",
        "https://t.co/abc123",
        "http://bit.ly/x",
        "HTTPS://WWW.Example.com/a",
        "https://x.com/kettle_and_crumb/status/123",
        "http://[bad",
        "https://bücher.example/straße",
        "not a url",
        "",
    ]
)
fragments = st.one_of(
    st.sampled_from(
        [
            "RT @kettle_and_crumb: ",
            " rt @tova_pours ",
            "RT@nobody",
            "@tova_pours",
            "@Tova_Pours.",
            "@dara@pedal.example",
            "@loomwell",
            "@LoomwellRoast",
            "@tova.bsky.social.",
            "hello@loomwell.example",
            "(@mara_cuppings)",
            "/@path",
            "@",
            "@_",
            "?",
            "？",
            "¿qué tal?",
            "www.loomwell.example/faq?x=1",
            "loomwell.example/menu?lang=en",
            "☕🔥",
            "naïve café",
            "日本語のテキスト",
            "\n",
            "\t",
            "\u00a0",
            " ",
            "#stitch with @kettle_and_crumb",
            "https://",
            "://",
        ]
    ),
    urls,
    handles.map(lambda h: "@" + h),
    st.text(max_size=12),
)
texts = st.lists(fragments, max_size=10).map(" ".join) | st.lists(fragments, max_size=10).map(
    "".join
)
kinds = st.sampled_from([None, *PostKind])


@st.composite
def records(draw: st.DrawFn) -> PostRecord:
    return PostRecord(
        platform_id="1",
        published_at=WHEN,
        text=draw(texts),
        kind=draw(kinds),
        in_reply_to_handle=draw(handles),
        reshared_handle=draw(handles),
        mentions=tuple(draw(st.lists(handles, max_size=3))),
        links=tuple(draw(st.lists(urls, max_size=3))),
    )


@settings(max_examples=400, deadline=None)
@given(
    platform=st.sampled_from(sorted(ACCOUNTS)),
    batch=st.lists(records(), min_size=1, max_size=25),
)
def test_it_classifies_every_record_of_a_batch_as_classify_does_alone(platform, batch):
    own_handle = ACCOUNTS[platform]
    expected = [
        classify(r, platform=platform, own_handle=own_handle, own_domains=OWN_DOMAINS)
        for r in batch
    ]
    got = classify_many(batch, platform=platform, own_handle=own_handle, own_domains=OWN_DOMAINS)
    assert got == expected


def test_it_gives_the_documented_verdicts_in_one_batch():
    batch = [
        PostRecord("1", WHEN, "New beans https://shop.loomwell.example/b"),
        PostRecord("2", WHEN, "RT @kettle_and_crumb: what do you brew? cc @tova_pours"),
        PostRecord("3", WHEN, "@tova_pours thanks! Which one?", in_reply_to_handle="tova_pours"),
        PostRecord("4", WHEN, "2/ more", kind=PostKind.REPLY, in_reply_to_handle="LoomwellRoast"),
        PostRecord("5", WHEN, "Look https://notloomwell.example/x"),
    ]
    got = classify_many(
        batch, platform="x", own_handle="loomwellroast", own_domains=["loomwell.example"]
    )
    assert [c.kind for c in got] == [
        PostKind.ORIGINAL,
        PostKind.RESHARE,
        PostKind.REPLY,
        PostKind.ORIGINAL,
        PostKind.ORIGINAL,
    ]
    assert got[0].is_promotional and not got[4].is_promotional and got[4].shares_others_link
    assert got[1].addressed == () and not got[1].is_question
    assert got[2].addressed == ("tova_pours",) and got[2].is_question


def test_an_empty_batch_gives_no_results():
    assert classify_many([], platform="x", own_handle="a", own_domains=[]) == []
