"""The published rates table as the models read it: protected counts and withheld rows.

``rates.csv`` (a frame) enters :func:`published_rates`; per (area, outcome), a mapping
(dimension, group) -> :class:`PublishedRow` leaves ("protect first, derive after",
docs/models.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from birthgaps.core.errors import InputError


@dataclass(frozen=True)
class PublishedRow:
    """One row of the published rates table: rounded counts, or withheld (counts ``None``)."""

    events: int | None
    denominator: int | None

    @property
    def withheld(self) -> bool:
        return self.events is None or self.denominator is None


#: (dimension, group) -> published row, for one area and outcome.
Published = dict[tuple[str, str], PublishedRow]

_RATES_KEYS = ("area_code", "outcome", "dimension", "group", "events", "denominator", "suppressed")


def _flag(value: Any) -> bool:
    """A ``suppressed`` cell read from a CSV or a frame: True, "True", 1 -> True."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value) if not pd.isna(value) else False


def _count_or_none(value: Any) -> int | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else int(number)


def published_rates(rates: pd.DataFrame) -> dict[tuple[str, str], Published]:
    """Index the published rates table by (area, outcome): (dimension, group) -> PublishedRow.

    A row flagged ``suppressed`` (or with a blank count) is withheld. Groups are stripped text,
    so "1" and "1 | Asian" match the model levels.
    """
    missing = [c for c in _RATES_KEYS if c not in rates.columns]
    if missing:
        raise InputError(
            "the published rates table lacks columns the models need",
            column=", ".join(missing),
            hint="pass the published rates.csv (rule rates) to the models",
        )
    out: dict[tuple[str, str], Published] = {}
    for area, outcome, dimension, group, events, denominator, suppressed in zip(
        *(rates[c] for c in _RATES_KEYS), strict=True
    ):
        hidden = _flag(suppressed)
        row = PublishedRow(
            None if hidden else _count_or_none(events),
            None if hidden else _count_or_none(denominator),
        )
        key = (str(area).strip(), str(outcome).strip())
        out.setdefault(key, {})[(str(dimension).strip(), _tidy(group))] = row
    return out


def _tidy(value: Any) -> str:
    """A group label as text ("5.0" from a spreadsheet round trip reads back as "5")."""
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text
