"""The API's JSON parser: malformed, too deeply nested or non-storable JSON never reaches a view.

* Nesting deeper than ``JSON_MAX_DEPTH`` → 400 ``parse_error`` (Python's parser and encoder recurse;
  5,000 levels used to raise RecursionError).
* A lone surrogate (``"\\ud800"``) or NUL (``"\\u0000"``) in any string or key → 400 ``invalid``
  naming the field: PostgreSQL rejects NUL in text and jsonb, and a lone surrogate cannot be
  encoded as UTF-8 (the database or the JSON renderer would fail later, after a partial write).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def _field_name(path: tuple) -> str:
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            part = _printable(part)
            name += f".{part}" if name else part
    return name or "non_field_errors"


def _problem(text: str) -> str | None:
    match = _BAD_CHARACTER.search(text)
    if match is None:
        return None
    if match.group() == "\x00":
        return "NUL characters (\\u0000) are not allowed."
    return "Lone surrogates (such as \\ud800) are not allowed: text must be valid Unicode."


def check_json(data, *, max_depth: int | None = None) -> None:
    """Raise ParseError past ``max_depth`` levels, ValidationError naming the first bad string/key."""
    max_depth = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    stack: list[tuple[Any, tuple[str | int, ...], int]] = [(data, (), 0)]
    while stack:  # iterative: the check itself must not recurse
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = _problem(value)
            if problem:
                raise ValidationError({_field_name(path): [problem]})
        elif isinstance(value, (dict, list)):
            if depth >= max_depth:
                raise ParseError(f"JSON parse error - nested deeper than {max_depth} levels.")
            if isinstance(value, dict):
                for key, item in value.items():
                    problem = _problem(key)
                    if problem:
                        raise ValidationError({_field_name(path + (key,)): [problem]})
                    stack.append((item, path + (key,), depth + 1))
            else:
                stack.extend((item, path + (index,), depth + 1) for index, item in enumerate(value))


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {settings.JSON_MAX_DEPTH} levels.") from None
        check_json(data)
        return data
