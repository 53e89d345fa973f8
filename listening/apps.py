from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "listening"
    verbose_name = "Listening"

    def ready(self) -> None:
        # The catalogue's listening metrics are computed here: metrics.selectors asks the
        # provider registered for their source (metrics never imports listening).
        from listening import selectors
        from metrics import catalog

        catalog.register_series_provider(catalog.Source.LISTENING, selectors.listening_series)
