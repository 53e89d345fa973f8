from django.urls import reverse

from strategy_tracker import celery_app


def test_the_home_page_is_the_dashboard_behind_the_apps_own_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_celery_is_configured_for_json_only_with_time_limits():
    conf = celery_app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_time_limit > conf.task_soft_time_limit > 0
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_tasks_run_eagerly_in_the_embedded_default():
    @celery_app.task
    def add(a: int, b: int) -> int:
        return a + b

    assert add.delay(2, 3).get(timeout=1) == 5
