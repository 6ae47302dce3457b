"""What every published output says about where its numbers come from (synthetic or real)."""

from __future__ import annotations

import pandas as pd

SYNTHETIC_NOTICE = "SYNTHETIC DATA — generated births, not real ones."


def label_table(
    table: pd.DataFrame, release: str, synthetic: bool, imd_quintiles: str | None = None
) -> pd.DataFrame:
    """Prefix a published table with ``release`` and ``data`` columns so every row says its source.

    ``imd_quintiles`` (e.g. "national") adds a column saying which deprivation quintiles are used.
    """
    out = table.copy()
    if imd_quintiles is not None:
        out.insert(0, "imd_quintiles", imd_quintiles)
    out.insert(0, "data", SYNTHETIC_NOTICE if synthetic else "")
    out.insert(0, "release", release)
    return out
