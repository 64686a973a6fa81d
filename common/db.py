"""Small database expressions shared by the models."""

from django.db import models


class TransactionNow(models.Func):
    """``now()``: the transaction's start time, the same for every row one write touches (Django's
    Now() compiles to statement_timestamp())."""

    template = "now()"
    output_field = models.DateTimeField()
