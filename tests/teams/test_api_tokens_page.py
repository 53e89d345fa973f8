from django.urls import reverse

from teams.models import ApiToken

PAGE = reverse("teams:api_tokens")


def test_alice_creates_a_token_and_sees_its_key_once(alice_client, alice):
    response = alice_client.post(PAGE, {"name": "nightly upload"})
    assert response.status_code == 200
    key = response.context["new_key"]
    token = ApiToken.objects.get(user=alice)
    assert token.name == "nightly upload" and token.key_hash == ApiToken.hash(key)
    again = alice_client.get(PAGE)
    assert key not in again.content.decode()  # never shown again


def test_alice_revokes_her_token(alice_client, alice):
    alice_client.post(PAGE, {"name": "x"})
    token = ApiToken.objects.get(user=alice)
    response = alice_client.post(reverse("teams:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active


def test_charlie_cannot_revoke_alices_token(alice_client, charlie_client, alice):
    alice_client.post(PAGE, {"name": "x"})
    token = ApiToken.objects.get(user=alice)
    response = charlie_client.post(reverse("teams:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active
    assert list(charlie_client.get(PAGE).context["tokens"]) == []
