"""X / Twitter exports (README sections 1, 2 and 3 of shared/exports):

- analytics.py: the CSVs of X's analytics pages: the legacy "Tweet activity" export
  (x_tweet_activity), the posts export `account_analytics_content_….csv` (x_content) and the
  daily overview `account_overview_analytics.csv` (x_overview);
- archive.py: the account data archive (x_archive).

What X writes the same way in these files and in its API (snowflake ids, retweets, t.co
links, post addresses) is in metrics.platforms.x.
"""

from __future__ import annotations

from metrics.importers.common import Format
from metrics.importers.x.analytics import (
    CONTENT_HEADER,
    OVERVIEW_HEADER,
    TWEET_ACTIVITY_HEADER,
    parse_content,
    parse_overview,
    parse_tweet_activity,
    sniff_content,
    sniff_overview,
    sniff_tweet_activity,
)
from metrics.importers.x.archive import parse_archive, sniff_archive
from metrics.ingest.precedence import KindEvidence, SourceProfile, TextEvidence, TimeEvidence
from metrics.platforms.x import PLATFORM

FORMATS: list[Format] = [
    Format(
        key="x_tweet_activity",
        label="X tweet activity CSV (analytics.twitter.com)",
        platform=PLATFORM,
        sniff=sniff_tweet_activity,
        parse=parse_tweet_activity,
        columns=TWEET_ACTIVITY_HEADER,
        profile=SourceProfile(KindEvidence.INFERRED, TextEvidence.FULL, time=TimeEvidence.MINUTE),
    ),
    Format(
        key="x_content",
        label="X account analytics: posts CSV (account_analytics_content_….csv)",
        platform=PLATFORM,
        sniff=sniff_content,
        parse=parse_content,
        columns=CONTENT_HEADER,
        profile=SourceProfile(KindEvidence.INFERRED, TextEvidence.SHORTENED),
    ),
    Format(
        key="x_overview",
        label="X account analytics: daily overview CSV (account_overview_analytics.csv)",
        platform=PLATFORM,
        sniff=sniff_overview,
        parse=parse_overview,
        columns=OVERVIEW_HEADER,
    ),
    Format(
        key="x_archive",
        label="X data archive (twitter-….zip or its data/tweets.js)",
        platform=PLATFORM,
        sniff=sniff_archive,
        parse=parse_archive,
        profile=SourceProfile(KindEvidence.TOLD, TextEvidence.FULL, entities=True),
    ),
]
