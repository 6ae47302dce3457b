"""Cleaning: standard definitions, derived variables and the exclusion flow (DESIGN.md).

Every rule is set in config ``definitions`` and counted in the flow table; docs/cleaning.md explains
each rule and the choices behind it.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from birthgaps.clean.coverage import require_live_births, require_lookup_matches
from birthgaps.core.codes import (
    AGE_BANDS,
    CANONICAL_COLUMNS,
    ETHNIC_CATEGORY_TO_DETAILED,
    ETHNIC_CATEGORY_TO_GROUP,
    NOT_STATED,
    QUINTILE_BASES,
    UNKNOWN,
)
from birthgaps.core.disclosure import AdditiveSet, carry_previous, secondary_mask
from birthgaps.core.errors import InputError
from birthgaps.ingest.plausibility import IMPLAUSIBLE_SHARE

#: Outcome indicators written by ``clean_births`` (nullable booleans; <NA> = not in denominator).
OUTCOME_COLUMNS = ["preterm", "very_preterm", "lbw", "very_lbw", "term_lbw"]

RULE = "clean"

#: Defaults of the ``definitions`` keys added after the first release (older configs still run).
DEFINITION_DEFAULTS: dict = {
    "weight_for_gestation": {
        "method": "tukey_log",
        "fence_k": 3.0,
        "min_births": 100,
        "pool_weeks": 2,
    },
    "duplicate_conflicts": "drop_all",
    "multiple_births": "flag",
    "area_not_stated": "exclude",
}
WEIGHT_FOR_GESTATION_METHODS = ("tukey_log", "none")
DUPLICATE_CONFLICT_POLICIES = ("drop_all", "keep_first", "keep_last")
MULTIPLE_BIRTH_POLICIES = ("flag", "exclude")
AREA_NOT_STATED_POLICIES = ("exclude", "stop")


class _Flow:
    """Collects the rows of the exclusion flow table in order."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, step: str, description: str, count: int, remaining: int | None) -> None:
        self.rows.append(
            {"step": step, "description": description, "count": int(count), "remaining": remaining}
        )

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.rows, columns=["step", "description", "count", "remaining"])
        out["remaining"] = out["remaining"].astype("Int64")
        return out


def _config_error(problem: str, key: str, hint: str | None = None) -> InputError:
    """An InputError for a bad value in config ``definitions`` or ``deprivation``."""
    return InputError(problem, key=key, rule=RULE, hint=hint)


def resolve_definitions(definitions: dict) -> dict:
    """The definitions with defaults filled in for optional keys; a bad value stops the run."""
    d = copy.deepcopy(dict(definitions))
    for key, default in DEFINITION_DEFAULTS.items():
        if isinstance(default, dict):
            d[key] = {**default, **(d.get(key) or {})}
        else:
            d[key] = d.get(key, default)
    wfg = d["weight_for_gestation"]
    if wfg["method"] not in WEIGHT_FOR_GESTATION_METHODS:
        raise _config_error(
            f"unknown method '{wfg['method']}'",
            "definitions.weight_for_gestation.method",
            f"use one of {list(WEIGHT_FOR_GESTATION_METHODS)}",
        )
    if not float(wfg["fence_k"]) > 0:
        raise _config_error("fence_k must be positive", "definitions.weight_for_gestation.fence_k")
    if int(wfg["min_births"]) < 10:
        raise _config_error(
            "min_births must be at least 10 (quartiles of fewer births are unstable)",
            "definitions.weight_for_gestation.min_births",
        )
    if int(wfg["pool_weeks"]) < 0:
        raise _config_error(
            "pool_weeks must be 0 or more", "definitions.weight_for_gestation.pool_weeks"
        )
    for key, allowed in (
        ("duplicate_conflicts", DUPLICATE_CONFLICT_POLICIES),
        ("multiple_births", MULTIPLE_BIRTH_POLICIES),
        ("area_not_stated", AREA_NOT_STATED_POLICIES),
    ):
        if d[key] not in allowed:
            raise _config_error(
                f"unknown value '{d[key]}'", f"definitions.{key}", f"use one of {list(allowed)}"
            )
    return d


def _quintile_choice(deprivation: dict | None) -> str:
    """``national`` or ``local`` from config ``deprivation.quintiles`` (national when absent)."""
    choice = (deprivation or {}).get("quintiles") or "national"
    if choice not in QUINTILE_BASES:
        raise _config_error(
            f"unknown quintile basis '{choice}'",
            "deprivation.quintiles",
            f"use one of {list(QUINTILE_BASES)}",
        )
    return choice


def quintile_basis(deprivation: dict | None) -> str:
    """Label of the quintiles in the ``imd_quintile`` dimension, for captions and table notes.

    ``"national"`` or ``"local (within the study areas)"``, from config ``deprivation.quintiles``.
    """
    return QUINTILE_BASES[_quintile_choice(deprivation)]


# ------------------------------------------------------------------------------------- duplicates


def find_duplicates(
    births: pd.DataFrame, policy: str = "drop_all"
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of records to drop: (exact copies of an earlier record, conflicting records).

    Exact copies agree on every canonical column; one of them is kept. Records left that share a
    ``baby_id`` but differ are conflicting: ``drop_all`` keeps none of them, ``keep_first`` /
    ``keep_last`` keep the first / last in extract order. Records without a ``baby_id`` are kept.
    """
    n = len(births)
    exact = np.zeros(n, dtype=bool)
    conflict = np.zeros(n, dtype=bool)
    ids = births["baby_id"]
    repeated = (ids.duplicated(keep=False) & ids.notna()).to_numpy(dtype=bool, na_value=False)
    if not repeated.any():
        return exact, conflict
    positions = np.flatnonzero(repeated)
    subset = births.iloc[positions]
    columns = [c for c in CANONICAL_COLUMNS if c in births.columns]
    copies = subset.duplicated(subset=columns, keep="first").to_numpy(dtype=bool)
    exact[positions[copies]] = True
    left = pd.Series(subset["baby_id"].to_numpy()[~copies])
    if policy == "drop_all":
        drop = left.duplicated(keep=False)
    else:
        drop = left.duplicated(keep="first" if policy == "keep_first" else "last")
    conflict[positions[~copies][drop.to_numpy(dtype=bool)]] = True
    return exact, conflict


# ---------------------------------------------------------------------------- gestation and weight


def _gestation_status(births: pd.DataFrame, d: dict) -> tuple[np.ndarray, np.ndarray]:
    """Split gestation into (not stated, implausible) masks using sentinels and the plausible range."""
    weeks = births["gestation_weeks"]
    days = births["gestation_days"].fillna(0)
    not_stated = (weeks.isna() | weeks.isin(d["gestation_sentinels"])).to_numpy(
        dtype=bool, na_value=True
    )
    in_range = (
        weeks.between(d["gestation_min_weeks"], d["gestation_max_weeks"]) & days.between(0, 6)
    ).to_numpy(dtype=bool, na_value=False)
    return not_stated, ~not_stated & ~in_range


def _weight_status(births: pd.DataFrame, d: dict) -> tuple[np.ndarray, np.ndarray]:
    """Split birth weight into (not stated, implausible) masks."""
    weight = births["birth_weight_g"]
    not_stated = (weight.isna() | weight.isin(d["birth_weight_sentinels"])).to_numpy(
        dtype=bool, na_value=True
    )
    in_range = weight.between(d["birth_weight_min_g"], d["birth_weight_max_g"]).to_numpy(
        dtype=bool, na_value=False
    )
    return not_stated, ~not_stated & ~in_range


def weight_for_gestation_fences(
    weeks: np.ndarray,
    grams: np.ndarray,
    *,
    fence_k: float = 3.0,
    min_births: int = 100,
    pool_weeks: int = 2,
) -> pd.DataFrame:
    """Tukey fences of log birth weight for each completed week of gestation present.

    Within a week, the fences are Q1 - k·IQR and Q3 + k·IQR of the log weights. A week with fewer
    than ``min_births`` births borrows the births of the weeks around it (±1, ±2, ... up to
    ``pool_weeks``); if it is still short, or its quartiles are equal (no spread to judge by), its
    fences are NaN and its births are not checked.
    Returns one row per week: ``week``, ``births``, ``reference_births``, ``pooled_from``,
    ``pooled_to``, ``lower_g``, ``upper_g``.
    """
    weeks = np.asarray(weeks, dtype=np.int64)
    logw = np.log(np.asarray(grams, dtype=float))
    order = np.argsort(weeks, kind="stable")
    sorted_weeks, sorted_logw = weeks[order], logw[order]
    present = np.unique(sorted_weeks)
    rows = []
    for week in present:
        for half in range(int(pool_weeks) + 1):
            lo = np.searchsorted(sorted_weeks, week - half, side="left")
            hi = np.searchsorted(sorted_weeks, week + half, side="right")
            if hi - lo >= min_births:
                break
        births = int(np.count_nonzero(sorted_weeks == week))
        lower = upper = np.nan
        pooled = (int(week), int(week))
        if hi - lo >= min_births:
            pooled = (int(sorted_weeks[lo]), int(sorted_weeks[hi - 1]))
            q1, q3 = np.quantile(sorted_logw[lo:hi], [0.25, 0.75])
            if q3 > q1:  # no spread at all (heaped values): the fences are undefined
                spread = fence_k * (q3 - q1)
                lower, upper = float(np.exp(q1 - spread)), float(np.exp(q3 + spread))
        rows.append((int(week), births, int(hi - lo), *pooled, lower, upper))
    return pd.DataFrame(
        rows,
        columns=[
            "week",
            "births",
            "reference_births",
            "pooled_from",
            "pooled_to",
            "lower_g",
            "upper_g",
        ],
    )


def weight_for_gestation_flags(
    weeks: np.ndarray, grams: np.ndarray, settings: dict
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """(implausible, not checked, fences) for births whose weeks and weight are each plausible.

    ``settings`` is ``definitions.weight_for_gestation``; method ``none`` checks nothing.
    """
    n = len(weeks)
    if settings["method"] == "none" or n == 0:
        empty = pd.DataFrame(
            columns=["week", "births", "reference_births", "pooled_from", "pooled_to"]
            + ["lower_g", "upper_g"]
        )
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), empty
    weeks = np.asarray(weeks, dtype=np.int64)
    grams = np.asarray(grams, dtype=float)
    fences = weight_for_gestation_fences(
        weeks,
        grams,
        fence_k=float(settings["fence_k"]),
        min_births=int(settings["min_births"]),
        pool_weeks=int(settings["pool_weeks"]),
    )
    first = int(fences["week"].min())
    span = int(fences["week"].max()) - first + 1
    lower = np.full(span, np.nan)
    upper = np.full(span, np.nan)
    lower[fences["week"].to_numpy() - first] = fences["lower_g"].to_numpy(dtype=float)
    upper[fences["week"].to_numpy() - first] = fences["upper_g"].to_numpy(dtype=float)
    lo, hi = lower[weeks - first], upper[weeks - first]
    unchecked = np.isnan(lo)
    implausible = ~unchecked & ((grams < lo) | (grams > hi))
    return implausible, unchecked, fences


def _nullable_flag(condition: pd.Series, in_denominator: np.ndarray) -> pd.Series:
    """Boolean outcome flag that is <NA> outside the outcome's denominator."""
    flag = condition.fillna(False).astype("boolean")
    return flag.mask(~np.asarray(in_denominator, dtype=bool))


# ------------------------------------------------------------------------------------- ethnicity


def _normalise_codes(codes: pd.Series) -> pd.Series:
    """Ethnic category codes stripped and upper-cased; empty text becomes <NA>."""
    normalised = codes.astype("string").str.strip().str.upper()
    return normalised.mask(normalised == "", pd.NA)


def ethnic_group(codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ONS 2021 high-level group from NHS ethnic category codes; also a mask of unrecognised codes."""
    normalised = _normalise_codes(codes)
    groups = normalised.map(ETHNIC_CATEGORY_TO_GROUP)
    unrecognised = normalised.notna() & groups.isna()
    return groups.fillna(NOT_STATED).astype("string"), unrecognised.astype(bool)


def ethnic_group_detailed(codes: pd.Series) -> pd.Series:
    """ONS 2021 detailed group (NHS code granularity) from NHS ethnic category codes.

    ``Not stated`` for Z, 99, missing and unrecognised codes.
    """
    detailed = _normalise_codes(codes).map(ETHNIC_CATEGORY_TO_DETAILED)
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


# ------------------------------------------------------------------------------------ the rule


def clean_births(
    births: pd.DataFrame,
    imd_lookup: pd.DataFrame,
    *,
    areas: list[str],
    years: list[int],
    definitions: dict,
    deprivation: dict | None = None,
    implausible_share: float = IMPLAUSIBLE_SHARE,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the standard definitions; return (live births in scope with derived columns, flow table).

    Records are removed for duplicates (exact copies; conflicting records of one baby by config),
    stillbirths, area of residence not stated (or, by config, a stop), residence outside the study
    areas, birth dates outside the release years and,
    when configured, multiple births. Gestation and weight problems (missing, out of range, weight
    implausible for gestational age) only remove a birth from the denominators of the outcomes that
    need them. ``deprivation.quintiles`` (``national`` or ``local``) chooses which quintile fills
    ``imd_quintile``. Every step is counted in the flow table (docs/cleaning.md).
    """
    d = resolve_definitions(definitions)
    basis = _quintile_choice(deprivation)
    check_lookup(imd_lookup)
    if basis == "local" and "imd_rank" not in imd_lookup.columns:
        raise InputError(
            "local deprivation quintiles need the national IMD rank of each LSOA",
            file="IMD lookup",
            column="imd_rank",
            rule=RULE,
            key="deprivation.quintiles",
            hint="use a lookup with an imd_rank column, or set deprivation.quintiles: national",
        )
    flow = _Flow()
    n = len(births)
    flow.add("received", "Birth records in the extract", n, n)

    keep = np.ones(n, dtype=bool)
    remaining = n

    def remove(step: str, description: str, mask: np.ndarray) -> None:
        nonlocal remaining
        hit = keep & mask
        keep[hit] = False
        remaining -= int(hit.sum())
        flow.add(step, description, int(hit.sum()), remaining)

    exact, conflict = find_duplicates(births, d["duplicate_conflicts"])
    remove("duplicates", "Duplicate records of the same baby removed", exact)
    kept = {"drop_all": "none kept", "keep_first": "first kept", "keep_last": "last kept"}
    remove(
        "conflicting_records",
        f"Differing records with the same baby identifier ({kept[d['duplicate_conflicts']]})",
        conflict,
    )
    remove(
        "stillbirths",
        "Stillbirths (not in live-birth denominators)",
        (births["birth_outcome"] != "live").to_numpy(dtype=bool, na_value=True),
    )
    no_area = births["area_code"].isna().to_numpy(dtype=bool)
    if d["area_not_stated"] == "stop" and no_area.any():
        raise InputError(
            "births without an area of residence (blank, a missing marker, or an LSOA not in the "
            "area lookup)",
            column="area_code",
            rule=RULE,
            rows=int(no_area.sum()),
            key="definitions.area_not_stated",
            hint="fill in the area, or set definitions.area_not_stated: exclude to count them",
        )
    remove("area_not_stated", "Area of residence not stated (removed)", no_area)
    remove(
        "other_areas",
        "Mother resident outside the study areas",
        (~births["area_code"].isin(areas)).to_numpy(dtype=bool, na_value=True),
    )
    year = births["birth_date"].dt.year
    remove(
        "other_years",
        "Birth date missing or outside the release years",
        (~year.isin(years)).to_numpy(dtype=bool, na_value=True),
    )
    multiple = (births["plurality"] > 1).to_numpy(dtype=bool, na_value=False)
    if d["multiple_births"] == "exclude":
        remove("multiple_births_excluded", "Babies of multiple births removed", multiple)

    births = births.loc[keep].reset_index(drop=True)
    n_live = len(births)

    births["year"] = births["birth_date"].dt.year.astype("int64")
    imd = imd_columns(births["mother_lsoa"], imd_lookup)
    require_lookup_matches(births["mother_lsoa"], imd["imd_decile"] != UNKNOWN, implausible_share)
    births["imd_decile"] = imd["imd_decile"]
    births["imd_quintile"] = imd[f"imd_quintile_{basis}"]
    births["imd_quintile_national"] = imd["imd_quintile_national"]
    births["imd_quintile_local"] = imd["imd_quintile_local"]
    codes = _normalise_codes(births["mother_ethnic_category"])
    group = codes.map(ETHNIC_CATEGORY_TO_GROUP)
    unrecognised = (codes.notna() & group.isna()).to_numpy(dtype=bool)
    births["ethnic_group"] = group.fillna(NOT_STATED).astype("string")
    births["ethnic_group_detailed"] = (
        codes.map(ETHNIC_CATEGORY_TO_DETAILED).fillna(NOT_STATED).astype("string")
    )
    births["age_band"] = age_bands(births["mother_age"])

    ga_missing, ga_bad = _gestation_status(births, d)
    bw_missing, bw_bad = _weight_status(births, d)
    weeks = births["gestation_weeks"]
    weight = births["birth_weight_g"]
    both = ~ga_missing & ~ga_bad & ~bw_missing & ~bw_bad
    pair_bad = np.zeros(n_live, dtype=bool)
    unchecked = np.zeros(n_live, dtype=bool)
    pair_bad[both], unchecked[both], _ = weight_for_gestation_flags(
        weeks.to_numpy(dtype=np.int64, na_value=0)[both],
        weight.to_numpy(dtype=np.int64, na_value=0)[both],
        d["weight_for_gestation"],
    )
    ga_ok = ~ga_missing & ~ga_bad & ~pair_bad
    bw_ok = ~bw_missing & ~bw_bad & ~pair_bad
    term = (weeks >= d["preterm_weeks"]).to_numpy(dtype=bool, na_value=False)

    births["preterm"] = _nullable_flag(weeks < d["preterm_weeks"], ga_ok)
    births["very_preterm"] = _nullable_flag(weeks < d["very_preterm_weeks"], ga_ok)
    births["lbw"] = _nullable_flag(weight < d["lbw_grams"], bw_ok)
    births["very_lbw"] = _nullable_flag(weight < d["very_lbw_grams"], bw_ok)
    births["term_lbw"] = _nullable_flag(weight < d["lbw_grams"], ga_ok & bw_ok & term)
    births["multiple_birth"] = (births["plurality"] > 1).to_numpy(dtype=bool, na_value=False)
    births["weight_gestation_implausible"] = pair_bad

    wfg = d["weight_for_gestation"]
    if wfg["method"] == "none":
        pair_text = "Birth weight implausible for gestational age (check switched off)"
    else:
        pair_text = (
            "Birth weight implausible for gestational age (outside Tukey fences at "
            f"{float(wfg['fence_k']):g} x IQR of log weight in its week; out of gestation- and "
            "weight-based denominators)"
        )
    gmin, gmax = d["gestation_min_weeks"], d["gestation_max_weeks"]
    wmin, wmax = d["birth_weight_min_g"], d["birth_weight_max_g"]
    n_term = int(births["term_lbw"].notna().sum())
    flag_rows = [
        (
            "gestation_not_stated",
            "Gestation not stated (missing or sentinel code)",
            ga_missing.sum(),
        ),
        ("gestation_implausible", f"Gestation outside {gmin}+0 to {gmax}+6 weeks", ga_bad.sum()),
        (
            "weight_not_stated",
            "Birth weight not stated (missing or sentinel code)",
            bw_missing.sum(),
        ),
        ("weight_implausible", f"Birth weight outside {wmin:,} to {wmax:,} g", bw_bad.sum()),
        ("weight_for_gestation", pair_text, pair_bad.sum()),
        (
            "weight_for_gestation_unchecked",
            "Births not checked for weight for gestation: too few births in their week (kept)",
            unchecked.sum(),
        ),
    ]
    for step, description, count in flag_rows:
        flow.add(step, description, count, None)
    for step, description, count in (
        (
            "preterm_denominator",
            "Live births with stated gestation (preterm denominator)",
            int(ga_ok.sum()),
        ),
        (
            "lbw_denominator",
            "Live births with stated weight (low birth weight denominator)",
            int(bw_ok.sum()),
        ),
        (
            "term_lbw_denominator",
            "Term live births with stated weight (term LBW denominator)",
            n_term,
        ),
    ):
        flow.add(step, description, count, count)
    flow.add(
        "lsoa_unmatched",
        "Mother's LSOA missing or not in the IMD lookup (kept as Unknown)",
        (births["imd_decile"] == UNKNOWN).sum(),
        None,
    )
    flow.add(
        "ethnicity_not_stated",
        "Ethnicity not stated or not known (kept as Not stated)",
        (births["ethnic_group"] == NOT_STATED).sum() - unrecognised.sum(),
        None,
    )
    flow.add(
        "ethnicity_unrecognised",
        "Ethnic category code not recognised (kept as Not stated)",
        unrecognised.sum(),
        None,
    )
    flow.add(
        "age_unknown",
        "Mother's age missing (kept as Unknown)",
        (births["age_band"] == UNKNOWN).sum(),
        None,
    )
    flow.add(
        "multiple_births",
        "Babies of multiple births (kept; flagged)",
        births["multiple_birth"].sum(),
        None,
    )
    flow.add("live_births", "Live births in the study", n_live, n_live)
    require_live_births(births, areas, flow.frame())
    return births, flow.frame()


def read_lookup(path: str) -> pd.DataFrame:
    """Read an LSOA -> IMD decile lookup CSV and check it."""
    lookup = pd.read_csv(path, dtype={"lsoa_code": "string"})
    check_lookup(lookup, str(path))
    return lookup


#: Flow steps that remove records: the previous row's ``remaining`` = this ``count`` + ``remaining``.
_REMOVAL_STEPS = {
    "duplicates",
    "conflicting_records",
    "stillbirths",
    "area_not_stated",
    "other_areas",
    "other_years",
    "multiple_births_excluded",
}


def _flow_sets(flow: pd.DataFrame) -> list[AdditiveSet]:
    """Sums among the flow's cells (position 2*i = count, 2*i+1 = remaining of row i) that hold
    exactly in the unrounded counts: the removal chain, and live births split by each denominator."""
    values = np.concatenate(
        [flow[["count", "remaining"]].to_numpy(dtype="float64", na_value=np.nan).ravel()]
    )
    steps = flow["step"].tolist()
    position = {step: i for i, step in enumerate(steps)}
    candidates = []
    for i, step in enumerate(steps):
        if step in _REMOVAL_STEPS and i > 0:
            candidates.append(AdditiveSet(2 * (i - 1) + 1, (2 * i, 2 * i + 1), step))
        if not np.isnan(values[2 * i + 1]):  # a row whose count repeats its remaining
            candidates.append(AdditiveSet(2 * i, (2 * i + 1,), step))
    splits = {
        "preterm_denominator": [
            "gestation_not_stated",
            "gestation_implausible",
            "weight_for_gestation",
        ],
        "lbw_denominator": ["weight_not_stated", "weight_implausible", "weight_for_gestation"],
    }
    if "live_births" in position:
        for denominator, parts in splits.items():
            if denominator in position and all(p in position for p in parts):
                members = tuple(2 * position[p] for p in [denominator, *parts])
                candidates.append(AdditiveSet(2 * position["live_births"], members, denominator))
    return [
        s
        for s in candidates
        if not np.isnan(values[list(s.cells)]).any()
        and values[s.total] == values[list(s.members)].sum()
    ]


def publish_flow(
    flow: pd.DataFrame,
    rules: dict,
    previous: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The exclusion flow with small counts suppressed, the rest rounded, and complementary
    suppression so no hidden count can be worked out from the running totals around it.

    ``previous`` is the previous release's (published, restricted) flow when this release follows
    one: counts are kept consistent with it (``birthgaps.core.disclosure.carry_previous``), so the two
    flows cannot be subtracted to show where a late record went.
    """
    low, high = rules["suppress_min"], rules["suppress_max"]
    values = flow[["count", "remaining"]].to_numpy(dtype="float64", na_value=np.nan).ravel()
    primary = (values >= low) & (values <= high)
    published = np.floor(values / rules["rounding_base"] + 0.5) * rules["rounding_base"]
    if previous is not None:
        before = _previous_flow(flow, *previous)
        published, forced = carry_previous(values, rules, **before)
        primary |= forced
    sets, size = _flow_sets(flow), np.nan_to_num(values, nan=np.inf)
    hidden = primary
    while True:  # a row is withheld whole; repeat until that creates no new one-hidden sum
        rows = secondary_mask(hidden, sets, size).reshape(-1, 2).any(axis=1)
        widened = np.repeat(rows, 2)
        if (widened == hidden).all():
            break
        hidden = widened
    hidden = hidden.reshape(-1, 2)
    published = published.reshape(-1, 2)
    out = flow.copy()
    for j, column in enumerate(["count", "remaining"]):
        column_values = pd.Series(published[:, j], index=out.index).round()
        out[column] = column_values.astype("Int64").mask(hidden[:, j])
    out["suppressed"] = hidden.any(axis=1)
    out["flag"] = out["suppressed"].map({True: "c", False: ""}).astype("string")
    return out


def _previous_flow(
    flow: pd.DataFrame, published: pd.DataFrame, restricted: pd.DataFrame
) -> dict[str, np.ndarray]:
    """The previous release's exact and published flow values and hidden marks, by step."""
    steps = flow[["step"]].astype("string")

    def by_step(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        part = frame[["step", *columns]].copy()
        part["step"] = part["step"].astype("string")
        return steps.merge(part.drop_duplicates("step"), on="step", how="left")

    exact = by_step(restricted, ["count", "remaining"])
    shown = by_step(published, ["count", "remaining", "suppressed"])
    hidden_row = shown["suppressed"].astype("string").str.lower().isin(["true", "1"])
    hidden = np.repeat(hidden_row.to_numpy(dtype=bool), 2)

    def numbers(frame: pd.DataFrame) -> np.ndarray:
        return frame[["count", "remaining"]].apply(pd.to_numeric).to_numpy("float64").ravel()

    return {
        "exact_before": numbers(exact),
        "published_before": numbers(shown),
        "hidden_before": hidden,
    }
