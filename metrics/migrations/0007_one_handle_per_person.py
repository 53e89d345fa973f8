"""One person, one handle: rewrite the handles stored before metrics.platforms.identity.

Posts' people addressed, mentions, reply and reshare targets, and inbound mentions' authors
take their canonical form (lower case, no "@"; on Mastodon user@host, a bare name taking
the instance of the account it was imported for, or the full name the same post gives).
A person stored twice in one post ("dara_rides" and "dara_rides@pedal.example") becomes
one, and the daily "people addressed" numbers of the days that changed are recounted.

The reverse leaves the handles as they are: two spellings of one person cannot be told
apart again, and nothing depends on the old ones.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import migrations

from metrics.platforms.identity import canonical_handle, home_of, people


def forwards(apps, schema_editor):
    Account = apps.get_model("metrics", "Account")
    Post = apps.get_model("metrics", "Post")
    Mention = apps.get_model("metrics", "InboundMention")
    Observation = apps.get_model("metrics", "MetricObservation")

    for account in Account.objects.order_by("pk"):
        platform = account.platform
        home = home_of(platform, account.handle)
        own = canonical_handle(platform, account.handle, home=home)

        def person(raw, platform=platform, home=home):
            return canonical_handle(platform, raw, home=home)

        changed_days = set()
        batch = []
        for post in Post.objects.filter(account=account).order_by("pk").iterator(2000):
            given = [*(post.mentions or []), *(post.addressed or [])]
            mentions = list(people(platform, post.mentions or [], home=home, entities=given))
            addressed = [
                h
                for h in people(platform, post.addressed or [], home=home, entities=given)
                if h != own
            ]
            targets = (person(post.in_reply_to_handle), person(post.reshared_handle))
            if (
                addressed != list(post.addressed or [])
                or mentions != list(post.mentions or [])
                or targets != (post.in_reply_to_handle, post.reshared_handle)
            ):
                if addressed != list(post.addressed or []):
                    changed_days.add(post.local_date)
                post.addressed, post.mentions = addressed, mentions
                post.in_reply_to_handle, post.reshared_handle = targets
                batch.append(post)
        Post.objects.bulk_update(
            batch,
            ["addressed", "mentions", "in_reply_to_handle", "reshared_handle"],
            batch_size=1000,
        )

        per_day = defaultdict(set)
        for day, addressed in Post.objects.filter(
            account=account, local_date__in=changed_days
        ).values_list("local_date", "addressed"):
            per_day[day].update(addressed or [])
        for day in changed_days:
            Observation.objects.filter(
                account=account, metric="people_addressed", date=day, source="rollup"
            ).update(value=Decimal(len(per_day[day])))

        mentions_batch = []
        for mention in Mention.objects.filter(account=account).only("pk", "author_handle"):
            handle = person(mention.author_handle)[:200]
            if handle != mention.author_handle:
                mention.author_handle = handle
                mentions_batch.append(mention)
        Mention.objects.bulk_update(mentions_batch, ["author_handle"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0006_remove_import_job_provenance"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
