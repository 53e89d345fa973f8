"""/api/v1/ — one router for every resource; /api/schema/ and /api/docs/ describe it."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from goals.api import (
    AnnotationViewSet,
    CheckInViewSet,
    KeyResultViewSet,
    ObjectiveViewSet,
    StrategyViewSet,
    SummaryViewSet,
)
from listening.api import TopicPersonViewSet, TopicPostViewSet, TopicViewSet
from metrics.api import (
    AccountViewSet,
    ConnectorViewSet,
    ImportJobViewSet,
    InboundMentionViewSet,
    ObservationViewSet,
    PostViewSet,
)
from teams.api import TeamViewSet

router = DefaultRouter()
router.register("teams", TeamViewSet, basename="team")
router.register("accounts", AccountViewSet, basename="account")
router.register("strategies", StrategyViewSet, basename="strategy")
router.register("objectives", ObjectiveViewSet, basename="objective")
router.register("key-results", KeyResultViewSet, basename="keyresult")
router.register("check-ins", CheckInViewSet, basename="checkin")
router.register("posts", PostViewSet, basename="post")
router.register("observations", ObservationViewSet, basename="observation")
router.register("import-jobs", ImportJobViewSet, basename="importjob")
router.register("connectors", ConnectorViewSet, basename="connector")
router.register("mentions", InboundMentionViewSet, basename="mention")
router.register("summaries", SummaryViewSet, basename="summary")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register("topics", TopicViewSet, basename="topic")
router.register("topic-posts", TopicPostViewSet, basename="topicpost")
router.register("people-to-engage", TopicPersonViewSet, basename="topicperson")

urlpatterns = [
    path("v1/", include((router.urls, "api"))),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script, so the
    # Content-Security-Policy needs no exception.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
