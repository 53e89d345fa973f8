"""API: topics (editors change them), topic posts and the people to engage (read)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from listening import selectors, services
from listening.forms import PeopleFilterForm
from listening.models import Topic, TopicAuthor, TopicPost
from teams import access
from teams.api import TeamScopedViewSet, model_errors_as_400, scoped
from teams.api_examples import crud, read
from teams.models import Team

TOPIC = {
    "id": 4,
    "team": 1,
    "name": "Home brewing",
    "keywords": "pour over\nespresso at home",
    "hashtags": "coffee, pourover",
    "excluded_words": "giveaway",
    "languages": "en",
    "is_active": True,
}
TOPIC_POST = {
    "id": 90,
    "platform": "mastodon",
    "platform_id": "https://fiber.example/users/dara/statuses/113",
    "author": 12,
    "author_handle": "dara@fiber.example",
    "published_at": "2026-09-29T08:12:00Z",
    "text": "Trying a slower pour over this morning #coffee",
    "permalink": "https://fiber.example/@dara/113",
    "language": "en",
    "likes": 4,
    "replies": 2,
    "reshares": 1,
    "topics": [4],
    "mentions_brand": False,
    "mentions_competitor": False,
}
PERSON = {
    "id": 12,
    "team": 1,
    "platform": "mastodon",
    "handle": "dara@fiber.example",
    "display_name": "Dara",
    "profile_url": "https://fiber.example/@dara",
    "score": 2.41,
    "posts": 3,
    "latest_post_at": "2026-09-29T08:12:00Z",
    "state": "new",
    "engaged_at": None,
    "followed": False,
    "dismissed": False,
}


class TopicSerializer(serializers.ModelSerializer[Topic]):
    class Meta:
        model = Topic
        fields = [
            "id",
            "team",
            "name",
            "keywords",
            "hashtags",
            "excluded_words",
            "languages",
            "is_active",
        ]
        # The team's name is unique per team; the model's clean() reports it.
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped(self, "team", Team.objects.all())


@crud("Topic", TOPIC)
class TopicViewSet(TeamScopedViewSet):
    """What a team listens for. Keywords, hashtags and excluded words: one per line or
    comma-separated; at least one keyword or hashtag, at most 100 terms."""

    serializer_class = TopicSerializer
    base_queryset = Topic.objects.order_by("team", "name")
    filterset_fields = ["team", "is_active"]
    ordering_fields = ["name"]

    def perform_destroy(self, instance: Any) -> None:
        # The posts only this topic matched go with it (services.topic_delete).
        if not access.can_edit(self.request.user, instance.team_id):
            raise PermissionDenied("You may not change this team's rows.")
        with model_errors_as_400():
            services.topic_delete(user=self.request.user, topic=instance)


class TopicPostSerializer(serializers.ModelSerializer[TopicPost]):
    author_handle = serializers.CharField(source="author.handle", read_only=True)
    topics: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = TopicPost
        fields = list(TOPIC_POST)


@read("Topic post", TOPIC_POST)
class TopicPostViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Public posts collected on the team's topics, newest first; `?topics=<id>` for one."""

    serializer_class = TopicPostSerializer
    permission_classes = TeamScopedViewSet.permission_classes
    filterset_fields = ["platform", "topics", "author", "mentions_brand", "mentions_competitor"]
    ordering_fields = ["published_at"]

    def get_queryset(self) -> models.QuerySet[TopicPost]:
        return access.visible_to(
            self.request.user,
            TopicPost.objects.select_related("author")
            .prefetch_related("topics")
            .order_by("-published_at", "pk"),
        )


class PersonSerializer(serializers.Serializer[selectors.PersonRow]):
    id = serializers.IntegerField(source="author_id")
    team = serializers.IntegerField(source="team_id")
    platform = serializers.CharField()
    handle = serializers.CharField()
    display_name = serializers.CharField()
    profile_url = serializers.CharField()
    score = serializers.FloatField()
    posts = serializers.IntegerField()
    latest_post_at = serializers.DateTimeField(source="latest")
    state = serializers.ChoiceField(choices=[c for c, _ in selectors.State.CHOICES])
    engaged_at = serializers.DateTimeField(allow_null=True)
    followed = serializers.BooleanField()
    dismissed = serializers.BooleanField()


_FILTERS = [
    OpenApiParameter("team", int, description="One team."),
    OpenApiParameter("topic", int, description="People with posts on this topic."),
    OpenApiParameter("platform", str, enum=["mastodon", "bluesky", "x"]),
    OpenApiParameter(
        "state",
        str,
        enum=[c for c, _ in selectors.State.CHOICES],
        description="One state; without it, everyone but the dismissed.",
    ),
]


@read("Person to engage", PERSON)
class TopicPersonViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Authors of topic posts ranked by relevance (matching terms, recency, engagement),
    without the team's own and competitors' accounts, with their state."""

    serializer_class = PersonSerializer
    permission_classes = TeamScopedViewSet.permission_classes
    filter_backends: list[Any] = []

    def get_queryset(self) -> models.QuerySet[TopicAuthor]:
        return access.visible_to(self.request.user, TopicAuthor.objects.order_by("pk"))

    def _rows(self, request: Request, **extra: Any) -> list[selectors.PersonRow]:
        form = PeopleFilterForm(request.query_params or None, user=request.user)
        if form.is_bound and not form.is_valid():
            raise NotFound("No such team or topic.")
        data: dict[str, Any] = form.cleaned_data if form.is_bound else {}
        teams = access.visible_teams(request.user)
        if data.get("team"):
            teams = teams.filter(pk=data["team"].pk)
        topic = data.get("topic")
        return selectors.people_to_engage(
            team_ids=list(teams.values_list("pk", flat=True)),
            now=timezone.now(),
            topic_id=topic.pk if topic else None,
            platform=data.get("platform") or "",
            state=extra.get("state", data.get("state") or ""),
        )

    @extend_schema(parameters=_FILTERS)
    def list(self, request: Request) -> Response:
        page: Any = self.paginate_queryset(self._rows(request))  # type: ignore[arg-type]
        return self.get_paginated_response(PersonSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        rows = selectors.people_to_engage(team_ids=[person.team_id], now=timezone.now())
        rows += selectors.people_to_engage(
            team_ids=[person.team_id], now=timezone.now(), state=selectors.State.DISMISSED
        )
        row = next((r for r in rows if r.author_id == person.pk), None)
        if row is None:  # the team's own or a competitor's account: not a person to engage
            raise NotFound("Not a person to engage.")
        return Response(PersonSerializer(row).data)
