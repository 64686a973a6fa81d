#!/usr/bin/env python
"""Django's command-line utility for NEXUS."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexus_site.settings")
    # Migrations, seeding and index rebuilds may run long statements; the server keeps its timeout.
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "0")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
