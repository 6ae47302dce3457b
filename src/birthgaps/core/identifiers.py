"""Patterns of personal identifiers shared by the stages: text in, a match where a UK postcode is written.

Ingest uses them to recognise a postcode column mapped by mistake; the publication scan uses them to stop
a published file that holds one.
"""

from __future__ import annotations

import re

_OUTWARD = r"[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?)"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
#: UK postcodes written with and without the space.
POSTCODE_SPACED = re.compile(
    rf"(?<![0-9A-Za-z])(?:GIR 0AA|{_OUTWARD} {_INWARD})(?![0-9A-Za-z])", re.IGNORECASE
)
POSTCODE_TIGHT = re.compile(rf"(?<![0-9A-Za-z])(?:GIR0AA|{_OUTWARD}{_INWARD})(?![0-9A-Za-z])")
