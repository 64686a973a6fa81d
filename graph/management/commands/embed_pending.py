import signal
import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from graph import embedding_worker
from graph.embedding_queue import drain, pending_count


class Command(BaseCommand):
    help = (
        "Embed the nodes waiting in embedding_queue (written with psql, Supabase, COPY… while no "
        "server ran). A running server does this by itself within seconds; --watch keeps draining."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=64, help="nodes per claimed batch")
        parser.add_argument(
            "--watch", action="store_true", help="keep draining about once a second until stopped (Ctrl-C)"
        )
        parser.add_argument("--parent", type=int, help="with --watch: stop when this process is gone (the server)")

    def handle(self, *args, batch_size=64, watch=False, parent=None, **options):
        if watch:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            try:
                embedding_worker.run_forever(parent)
            except KeyboardInterrupt:
                pass
            return
        waiting = pending_count()
        with tqdm(total=waiting, desc="embedding", unit="node", disable=waiting == 0, file=self.stderr) as bar:
            done = drain(max(1, batch_size), progress=bar)
        left = pending_count()
        self.stdout.write(f"Embedded {done} queued node(s); {left} left in the queue.")
        if left:
            self.stdout.write(
                "Some nodes could not be embedded: the column does not fit the configured "
                "provider; run `python manage.py rebuild_embeddings --recreate`."
            )
