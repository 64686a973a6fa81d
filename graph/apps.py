from django.apps import AppConfig


class GraphConfig(AppConfig):
    name = "graph"

    def ready(self):
        from graph import checks  # noqa: F401  (registers the embedding-size system check)
