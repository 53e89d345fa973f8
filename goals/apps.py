from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "Strategy plans"

    def ready(self) -> None:
        from goals.alerts import receivers  # noqa: F401  (connects the alert receivers)
