"""The groups a birth is counted in: ethnicity codes, ages and LSOAs (with the LSOA -> IMD lookup) in; ethnic
group, age band and IMD decile, quintile (national or local) and rank out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from birthgaps.core.codes import (
    AGE_BANDS,
    ETHNIC_CATEGORY_TO_DETAILED,
    ETHNIC_CATEGORY_TO_GROUP,
    NOT_STATED,
    UNKNOWN,
)
from birthgaps.core.errors import InputError

#: Outcome indicators written by ``clean_births`` (nullable booleans; <NA> = not in denominator).


RULE = "clean"
# ------------------------------------------------------------------------------------- ethnicity


def normalise_codes(codes: pd.Series) -> pd.Series:
    """Ethnic category codes stripped and upper-cased; empty text becomes <NA>."""
    normalised = codes.astype("string").str.strip().str.upper()
    return normalised.mask(normalised == "", pd.NA)


def ethnic_group(codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ONS 2021 high-level group from NHS ethnic category codes; also a mask of unrecognised codes."""
    normalised = normalise_codes(codes)
    groups = normalised.map(ETHNIC_CATEGORY_TO_GROUP)
    unrecognised = normalised.notna() & groups.isna()
    return groups.fillna(NOT_STATED).astype("string"), unrecognised.astype(bool)


def ethnic_group_detailed(codes: pd.Series) -> pd.Series:
    """ONS 2021 detailed group (NHS code granularity) from NHS ethnic category codes.

    ``Not stated`` for Z, 99, missing and unrecognised codes.
    """
    detailed = normalise_codes(codes).map(ETHNIC_CATEGORY_TO_DETAILED)
    return detailed.fillna(NOT_STATED).astype("string")


def age_bands(ages: pd.Series) -> pd.Series:
    """Maternal age band labels (DESIGN.md bands); ``Unknown`` when missing."""
    edges = [low for low, _ in AGE_BANDS.values()] + [list(AGE_BANDS.values())[-1][1]]
    bands = pd.cut(
        ages.astype("Float64").to_numpy(dtype=float, na_value=np.nan),
        bins=edges,
        right=False,
        labels=list(AGE_BANDS),
    )
    return pd.Series(bands, index=ages.index).astype("string").fillna(UNKNOWN)


# ------------------------------------------------------------------------------------ deprivation


def _lookup_positions(lsoa: pd.Series, lookup: pd.DataFrame) -> np.ndarray:
    """Row of the lookup for each LSOA code (-1 where missing or not in the lookup)."""
    codes = pd.Index(lookup["lsoa_code"].astype("string").str.strip())
    wanted = lsoa.astype("string").str.strip()
    positions = codes.get_indexer(wanted)
    positions[wanted.isna().to_numpy(dtype=bool)] = -1
    return positions


def _quintile_strings(values: np.ndarray) -> pd.Series:
    """Quintile numbers 1..5 (0 = unknown) as strings ``"1"``..``"5"`` / ``Unknown``."""
    labels = np.array([UNKNOWN, "1", "2", "3", "4", "5"], dtype=object)
    return pd.Series(pd.array(labels[values], dtype="string"))


def local_quintiles(positions: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Local quintile 1..5 of each birth (0 where the LSOA is unmatched).

    The distinct matched LSOAs among ``positions`` (rows of the lookup) are ranked by their
    national IMD rank (1 = most deprived) and cut into fifths of LSOAs: quintile =
    floor(5 (r - 1) / n) + 1 with r the rank among the n LSOAs (tied ranks share the lower r, so
    ties share a quintile; the most deprived LSOA is always in quintile 1).
    """
    positions = np.asarray(positions, dtype=np.int64)
    present = np.unique(positions[positions >= 0])
    out = np.zeros(len(positions), dtype=np.int64)
    if present.size == 0:
        return out
    order = pd.Series(np.asarray(ranks, dtype=float)[present]).rank(method="min").to_numpy()
    quintile = np.clip(np.floor(5 * (order - 1) / present.size) + 1, 1, 5).astype(np.int64)
    table = np.zeros(int(present.max()) + 1, dtype=np.int64)
    table[present] = quintile
    matched = positions >= 0
    out[matched] = table[positions[matched]]
    return out


def imd_columns(lsoa: pd.Series, lookup: pd.DataFrame) -> pd.DataFrame:
    """``imd_decile``, ``imd_quintile_national`` and ``imd_quintile_local`` for each LSOA code.

    Strings ``"1"``.. or ``Unknown`` (no match). Local quintiles are fifths of the distinct LSOAs in
    ``lsoa`` that match the lookup, by ``imd_rank``; all ``Unknown`` when the lookup has no rank.
    """
    positions = _lookup_positions(lsoa, lookup)
    matched = positions >= 0
    deciles = pd.to_numeric(lookup["imd_decile"]).to_numpy(dtype=np.int64)
    decile = np.where(matched, deciles[np.where(matched, positions, 0)], 0)
    decile_labels = np.array([UNKNOWN, *[str(i) for i in range(1, 11)]], dtype=object)
    if "imd_rank" in lookup.columns:
        ranks = pd.to_numeric(lookup["imd_rank"]).to_numpy(dtype=float)
        local = local_quintiles(positions, ranks)
    else:
        local = np.zeros(len(positions), dtype=np.int64)
    out = pd.DataFrame(
        {
            "imd_decile": pd.array(decile_labels[decile], dtype="string"),
            "imd_quintile_national": _quintile_strings((decile + 1) // 2).array,
            "imd_quintile_local": _quintile_strings(local).array,
        }
    )
    out.index = lsoa.index
    return out


def imd_from_lookup(lsoa: pd.Series, lookup: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """IMD decile and national quintile strings for each LSOA code; ``Unknown`` where no match."""
    columns = imd_columns(lsoa, lookup)
    return columns["imd_decile"], columns["imd_quintile_national"]


def check_lookup(lookup: pd.DataFrame, path: str = "IMD lookup") -> None:
    """Stop on a lookup without the needed columns, with repeated LSOAs, deciles outside 1-10 or
    (when present) IMD ranks that are not whole numbers of 1 or more."""
    for column in ("lsoa_code", "imd_decile"):
        if column not in lookup.columns:
            raise InputError(
                "the IMD lookup lacks a required column", file=path, column=column, rule=RULE
            )
    codes = lookup["lsoa_code"].astype("string").str.strip()
    if codes.isna().any():
        raise InputError(
            "the IMD lookup has rows without an LSOA code",
            file=path,
            column="lsoa_code",
            rule=RULE,
            rows=int(codes.isna().sum()),
        )
    repeated = int(codes.duplicated().sum())
    if repeated:
        raise InputError(
            "the IMD lookup lists some LSOAs more than once",
            file=path,
            column="lsoa_code",
            rule=RULE,
            rows=repeated,
        )
    deciles = pd.to_numeric(lookup["imd_decile"], errors="coerce")
    bad = int((~deciles.between(1, 10) | (deciles % 1 != 0)).sum())
    if bad:
        raise InputError(
            "IMD deciles must be whole numbers from 1 to 10",
            file=path,
            column="imd_decile",
            rule=RULE,
            rows=bad,
        )
    if "imd_rank" in lookup.columns:
        ranks = pd.to_numeric(lookup["imd_rank"], errors="coerce")
        bad = int((ranks.isna() | (ranks < 1) | (ranks % 1 != 0)).sum())
        if bad:
            raise InputError(
                "IMD ranks must be whole numbers of 1 or more (1 = most deprived)",
                file=path,
                column="imd_rank",
                rule=RULE,
                rows=bad,
            )
