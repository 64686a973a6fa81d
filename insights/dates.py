"""Dates written the way people write them in updates, resolved against a given "today".

A regular expression finds the date phrase in a sentence ("by Friday", "next Tuesday", "in two
weeks", "12 Dec", "2027-01-04", "end of month"); dateparser (pinned in requirements.txt: offline,
no network, rules and data shipped in the package) turns the phrase into a date, relative to
``today`` — never the wall clock, so callers and tests decide what today is. "End of
week/month/quarter/year", which dateparser does not read, is calendar arithmetic here.

dateparser is imported on first use (~0.25 s) and loads its English data on the first parse
(~0.4 s); each parse after that takes about a millisecond.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_COUNT = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,3})"
_PERIOD = r"(?:week|month|quarter|year)"
PHRASES = [
    ("iso", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("absolute", re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?(?:,?\s+\d{{4}})?\b", re.I)),
    ("absolute", re.compile(rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b", re.I)),
    ("end", re.compile(rf"\b(?:the\s+)?end\s+of\s+(?:the\s+)?(?:(this|next)\s+)?({_PERIOD}|{_MONTH})\b", re.I)),
    ("relative", re.compile(rf"\bin\s+{_COUNT}\s+(?:days?|weeks?|months?)\b", re.I)),
    ("relative", re.compile(rf"\b(?:(?:next|this|coming)\s+)?{_WEEKDAY}\b", re.I)),
    ("relative", re.compile(r"\b(?:tomorrow|today|tonight|next\s+(?:week|month))\b", re.I)),
]
_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}


def find_date_phrase(text: str) -> tuple[int, str, str] | None:
    """(position, kind, phrase) of the first date phrase in the text; the longest at a position."""
    best = None
    for kind, pattern in PHRASES:
        for m in pattern.finditer(text or ""):
            candidate = (m.start(), -len(m.group(0)), kind, m.group(0))
            if best is None or candidate < best:
                best = candidate
            break
    return (best[0], best[2], best[3]) if best else None


def _end_of(period: str, which: str | None, today: date) -> date:
    period = period.lower()
    if period == "week":  # the working week: Friday
        friday = today + timedelta(days=(4 - today.weekday()) % 7)
        return friday + timedelta(days=7) if which == "next" else friday
    if period == "year":
        return date(today.year + (1 if which == "next" else 0), 12, 31)
    if period == "quarter":
        quarter_end_month = ((today.month - 1) // 3 + 1) * 3 + (3 if which == "next" else 0)
        year = today.year + (quarter_end_month - 1) // 12
        month = (quarter_end_month - 1) % 12 + 1
        return date(year, month, calendar.monthrange(year, month)[1])
    if period == "month":
        year, month = (
            (today.year, today.month) if which != "next" else (today.year + today.month // 12, today.month % 12 + 1)
        )
    else:  # "end of March": that month's last day, this year or next
        month = _MONTHS[period[:3]]
        year = today.year if month >= today.month else today.year + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _parse(phrase: str, base: date) -> date | None:
    import dateparser

    settings = {
        "RELATIVE_BASE": datetime(base.year, base.month, base.day),
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "DATE_ORDER": "DMY",
    }
    parsed = dateparser.parse(phrase, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def resolve(text: str, today: date) -> date | None:
    """The first date written in ``text``, resolved against ``today`` (None when there is none).
    A day and month without a year is the next such day from today (today itself included)."""
    found = find_date_phrase(text)
    if not found:
        return None
    _, kind, phrase = found
    if kind == "end":
        m = PHRASES[3][1].search(phrase)
        assert m, "find_date_phrase matched this pattern"
        return _end_of(m.group(2), (m.group(1) or "").lower() or None, today)
    phrase = re.sub(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b", r"\1", phrase, flags=re.I)
    phrase = re.sub(r"\bof\s+", "", phrase, flags=re.I)
    if kind == "absolute" and not re.search(r"\d{4}", phrase):
        # "1 December" on 1 December is today, not next year: resolve from yesterday onwards.
        return _parse(phrase, today - timedelta(days=1))
    if kind == "relative" and re.fullmatch(r"(?:coming|this)\s+\w+", phrase.strip(), re.I):
        phrase = phrase.split(None, 1)[1]  # "this Friday" / "coming Friday": the next Friday
    return _parse(phrase, today)
