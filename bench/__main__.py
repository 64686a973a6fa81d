"""`make bench`: run every bench/bench_*.py, write bench/results/<name>.json and print a table.

Each module defines ``run(quick: bool) -> dict`` returning {"title", "rows": [{"metric", "value",
"baseline", "ratio", "target", "met"}...]}. Baselines are measured in the same run. The benchmarks
use their own embedded PostgreSQL under .nexus/bench so they never touch development data.
"""

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--only", help="run only benchmarks whose name contains this")
    parser.add_argument("--full", action="store_true", help="the full sizes named in the issues (slow)")
    args = parser.parse_args(argv)

    os.environ.setdefault("NEXUS_HOME", str(ROOT / ".nexus" / "bench"))
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus_site.settings")
    # The database benchmarks measure vectors at OpenAI's size (EMBEDDING_DIMENSIONS, 3072) and embed
    # with the instant hash provider; a benchmark of the local model asks for it itself.
    os.environ.setdefault("EMBEDDING_PROVIDER", "hash")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("rebuild_embeddings", if_stale=True, verbosity=0)  # the column fits the provider

    RESULTS.mkdir(parents=True, exist_ok=True)
    names = sorted(m.name for m in pkgutil.iter_modules([str(ROOT / "bench")]) if m.name.startswith("bench_"))
    for name in names:
        if args.only and args.only not in name:
            continue
        module = importlib.import_module(f"bench.{name}")
        started = time.monotonic()
        result = module.run(quick=not args.full)
        result["seconds"] = round(time.monotonic() - started, 1)
        result["mode"] = "full" if args.full else "quick"
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))
        print(f"\n## {result['title']}  ({result['mode']}, {result['seconds']} s)")
        print("| metric | value | baseline | ratio | target | met |")
        print("|---|---|---|---|---|---|")
        for row in result["rows"]:
            print(
                "| "
                + " | ".join(str(row.get(k, "")) for k in ("metric", "value", "baseline", "ratio", "target", "met"))
                + " |"
            )


if __name__ == "__main__":
    main()
