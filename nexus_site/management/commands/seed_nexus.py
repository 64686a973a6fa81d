from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nexus_site import seed


class Command(BaseCommand):
    help = (
        "Load mock_data/ (graph.json → nodes and edges, hierarchy.json → graph_metadata, "
        "alerts.json → one immune scan) in one transaction. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=seed.DEFAULT_DATA_DIR,
            help="directory holding graph.json, hierarchy.json, alerts.json",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the graph tables first (nodes, edges, embeddings, metadata, history, scans)",
        )
        parser.add_argument(
            "--forget-history",
            action="store_true",
            help="with --reset: delete the node/edge version history too, so the seed "
            "writes the organisation's past again (without it the old history is "
            "kept, closed at the reset, and the new rows start now)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing unless the nodes table is empty (used by make run)"
        )

    def handle(self, *args, data_dir: Path, reset: bool, if_empty: bool, forget_history: bool, **options):
        if forget_history and not reset:
            raise CommandError("--forget-history only goes with --reset.")
        if if_empty and not reset and not seed.database_is_empty():
            self.stdout.write("The database already holds a graph; not seeding.")
            return
        try:
            data = seed.load_seed_data(data_dir)
        except seed.SeedError as exc:
            raise CommandError(f"Nothing was written. {exc}") from None
        result = seed.write_seed_data(data, reset=reset, forget_history=forget_history)
        if not result.changed:
            self.stdout.write("Already seeded: nothing changed.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {result.nodes} nodes, {result.edges} edges, {result.metadata} metadata keys, "
                    f"{result.immune_scans} immune scan(s) from {data_dir}."
                )
            )
        self._after_seed()

    def _after_seed(self):
        """Embeddings for seeded nodes, when the graph feature's embedding command is installed."""
        from django.core.management import call_command, get_commands

        if "rebuild_embeddings" in get_commands():
            call_command("rebuild_embeddings", missing_only=True, stdout=self.stdout, stderr=self.stderr)
