"""The attacker's view of a release: a release folder in; its published CSV tables (as numbers and as
published text, for their precision) and, for scoring only, its restricted truth out (``Release``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Key columns of a rates row.
KEYS = ["area_code", "outcome", "dimension", "group"]
#: The counts of a rates row that the attacks bound (non-events = denominator - events).
QUANTITIES = ("events", "denominator")
#: Published counts are rounded to this base; the true count lies within HALF of the shown one.
BASE = 5
HALF = 2
#: Counts in this range are suppressed (NHS England rule).
SMALL = (1, 7)
#: Decimals at or above which a column counts as published at full precision.
FULL_PRECISION = 12
#: The confidence-limit columns of a published table.
LIMITS = ("lower_95", "upper_95", "lower_99_8", "upper_99_8")


@dataclass
class Release:
    """The published tables of one release (and, for scoring only, its restricted truth).

    ``tables`` holds each CSV parsed as numbers, ``text`` the same CSV as strings (to read the
    published precision), ``truth`` the unrounded rates (``rates_unrounded``, aligned to
    ``tables["rates"]``) and ``cells`` the restricted cell table; either is None when absent.
    """

    folder: Path
    tables: dict[str, pd.DataFrame]
    text: dict[str, pd.DataFrame]
    truth: pd.DataFrame | None = None
    cells: pd.DataFrame | None = None

    @property
    def rates(self) -> pd.DataFrame:
        """The published rates table (one row per key)."""
        return self.tables["rates"]


def _table_folder(folder: Path) -> Path:
    for candidate in (folder / "published" / "tables", folder / "tables", folder):
        if (candidate / "rates.csv").exists():
            return candidate
    raise FileNotFoundError(f"no rates.csv under {folder}")


def key_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with its key columns as strings (missing keys as "")."""
    out = frame.copy()
    for column in KEYS:
        out[column] = out[column].astype("string").fillna("")
    return out


def load_release(folder: str | Path, *, with_truth: bool = True) -> Release:
    """Read every published CSV table of a release folder (``results/<release>``).

    ``folder`` may also be the ``published/tables`` folder itself (then no truth is found). With
    ``with_truth`` the restricted ``rates_unrounded.parquet`` is aligned to the published rates
    rows (same keys) and ``cells.parquet`` is read, for scoring.
    """
    folder = Path(folder)
    tables_dir = _table_folder(folder)
    tables: dict[str, pd.DataFrame] = {}
    text: dict[str, pd.DataFrame] = {}
    for path in sorted(tables_dir.glob("*.csv")):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        text[path.stem] = raw
        tables[path.stem] = pd.read_csv(path, dtype={c: "string" for c in KEYS})
    tables["rates"] = key_frame(tables["rates"])
    release = Release(folder, tables, text)
    restricted = folder / "restricted"
    if with_truth and (restricted / "rates_unrounded.parquet").exists():
        truth = key_frame(pd.read_parquet(restricted / "rates_unrounded.parquet"))
        aligned = release.rates[KEYS].merge(
            truth[[*KEYS, "events", "denominator"]], on=KEYS, how="left"
        )
        release.truth = aligned
        if (restricted / "cells.parquet").exists():
            release.cells = pd.read_parquet(restricted / "cells.parquet")
    return release


def decimals(text: pd.Series) -> int:
    """The precision a column is published at: the most decimals any of its values shows."""
    values = text.astype(str).str.strip()
    values = values[values.str.match(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")]
    if values.empty:
        return 0
    if values.str.contains("[eE]").any():
        return FULL_PRECISION
    return int(values.str.extract(r"\.(\d+)$")[0].fillna("").str.len().max())


def matches(candidate: np.ndarray, published: np.ndarray | float, places: int) -> np.ndarray:
    """True where a candidate value rounds to the published one at ``places`` decimals.

    Values at full precision (``places >= FULL_PRECISION``) must agree to a relative 1e-9. A
    missing published value matches anything.
    """
    candidate = np.asarray(candidate, dtype=float)
    published = np.broadcast_to(np.asarray(published, dtype=float), candidate.shape)
    if places >= FULL_PRECISION:
        ok = np.isclose(candidate, published, rtol=1e-9, atol=1e-12)
    else:
        ok = np.abs(candidate - published) <= 0.5 * 10.0**-places + 1e-9
    return ok | np.isnan(published)


def row_index(rates: pd.DataFrame) -> dict[tuple[str, ...], int]:
    """Position of each rates row by its keys (as strings)."""
    keys = zip(*(rates[k].astype(str).tolist() for k in KEYS), strict=True)
    return {key: i for i, key in enumerate(keys)}
