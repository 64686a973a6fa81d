from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"

    def ready(self):
        from graph import node_references
        from graph.embeddings import embedding_usage
        from insights import realtime
        from insights.llm_usage import record_embedding_usage  # imports models: only once apps are ready

        embedding_usage.connect(record_embedding_usage, dispatch_uid="nexus_embedding_usage")
        realtime.register_tables()
        # Person ids kept without a foreign key (they outlive the node): the delete confirmation counts them.
        node_references.register("notifications", "person_id", app_label=self.label)
        node_references.register("immune_alert_states", "assignee_id", app_label=self.label)
