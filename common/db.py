"""Small database expressions shared by the models."""
from django.db import models


class TransactionNow(models.Func):
    """``now()`` — the spec's DEFAULT now() (Django's Now() compiles to statement_timestamp())."""

    template = "now()"
    output_field = models.DateTimeField()
