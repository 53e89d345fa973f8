"""Topics on their page (editors only) and in the admin: bad input is a clear error and
changes nothing."""

import pytest
from django.urls import reverse

from listening import services
from listening.models import ListeningSettings, Topic, TopicAuthor, TopicPost
from tests.listening.helpers import found, write

NEW = reverse("listening:topic_new")


def data(team, **overrides):
    return {
        "team": team.pk,
        "name": "Home brewing",
        "keywords": "pour over",
        "hashtags": "",
        "excluded_words": "",
        "languages": "",
        "is_active": "on",
        **overrides,
    }


def test_an_editor_adds_a_topic_on_the_page(alice_client, team):
    response = alice_client.post(NEW, data(team, hashtags="#Coffee"))
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert (topic.team, topic.hashtags) == (team, "#Coffee")
    assert b"Home brewing" in alice_client.get(reverse("listening:topics")).content


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"keywords": ""}, "Give the topic at least one keyword or hashtag."),
        (
            {"keywords": "\n".join(f"w{i}" for i in range(10_000))},
            "characters long; at most 20,000 (and 100 terms per topic)",
        ),
        (
            {"keywords": ", ".join(f"w{i}" for i in range(150))},
            "The topic has 150 terms; at most 100 are allowed",
        ),
        ({"languages": "klingon"}, "is not a language code"),
    ],
)
def test_bad_terms_are_a_clear_error_and_nothing_is_saved(alice_client, team, overrides, message):
    response = alice_client.post(NEW, data(team, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Topic.objects.exists()


def test_a_viewer_cannot_add_or_change_topics(bob_client, topic):
    assert bob_client.get(NEW).status_code == 403
    edit = reverse("listening:topic_edit", args=[topic.pk])
    assert bob_client.post(edit, data(topic.team, name="Mine")).status_code == 403
    topic.refresh_from_db()
    assert topic.name == "Home brewing"


def test_another_teams_topic_is_not_found(charlie_client, topic, other_team):
    assert charlie_client.get(reverse("listening:topic_edit", args=[topic.pk])).status_code == 404
    assert (
        charlie_client.post(reverse("listening:topic_delete", args=[topic.pk])).status_code == 404
    )
    # Nor can a topic be added to another team.
    response = charlie_client.post(NEW, data(topic.team, name="Sneaky"))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert Topic.objects.count() == 1


def test_deleting_a_topic_deletes_the_posts_only_it_matched(alice_client, topic, team):
    other = Topic.objects.create(team=team, name="Espresso", keywords="espresso")
    shared = found("x", "dara", topic.created_at, "espresso and pour over", platform_id="1")
    write(topic, shared, found("x", "sam", topic.created_at, "pour over only", platform_id="2"))
    write(other, shared)
    response = alice_client.post(reverse("listening:topic_delete", args=[topic.pk]))
    assert response.status_code == 302
    assert list(TopicPost.objects.values_list("platform_id", flat=True)) == ["1"]
    assert list(TopicAuthor.objects.values_list("handle", flat=True)) == ["dara"]


def test_collect_now_is_for_editors(
    alice_client, bob_client, team, topic, django_capture_on_commit_callbacks
):
    Topic.objects.filter(pk=topic.pk).update(is_active=False)  # nothing to reach from here
    url = reverse("listening:collect_now")
    assert bob_client.post(url, {"team": team.pk}).status_code == 403
    assert not ListeningSettings.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # eager: runs here
        response = alice_client.post(url, {"team": team.pk})
    assert response.status_code == 302
    ran = ListeningSettings.objects.get(team=team)
    assert ran.last_run_at is not None
    assert ran.last_notes == ["No active topic: add one to start listening."]


def test_the_admin_saves_a_topic_through_the_service(alice_client, team):
    from tests.admin_forms import errors_of, post_data

    add = reverse("admin:listening_topic_add")
    response = alice_client.post(add, post_data(alice_client.get(add), **data(team, keywords="")))
    assert "at least one keyword or hashtag" in str(errors_of(response))
    response = alice_client.post(add, post_data(alice_client.get(add), **data(team)))
    assert response.status_code == 302
    assert Topic.objects.get().name == "Home brewing"


def test_the_app_password_is_stored_encrypted_from_the_admin(alice_client, team):
    from tests.admin_forms import post_data

    add = reverse("admin:listening_listeningsettings_add")
    form = post_data(
        alice_client.get(add),
        team=team.pk,
        retention_days=90,
        bluesky_identifier="brand.bsky.social",
        app_password="abcd-efgh",
    )
    assert alice_client.post(add, form).status_code == 302
    stored = team.listening
    assert stored.retention_days == 90 and stored.credentials_encrypted
    assert "abcd-efgh" not in stored.credentials_encrypted
    page = alice_client.get(reverse("admin:listening_listeningsettings_change", args=[stored.pk]))
    assert "abcd-efgh" not in page.content.decode()
    services.listening_settings_save(user=None, listening=stored, clear_password=True)
    assert team.listening.credentials_encrypted == ""
