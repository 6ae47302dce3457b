"""Cleaning: standard definitions, derived variables and the exclusion flow (DESIGN.md).

Every rule is set in config ``definitions`` and counted in the flow table; docs/cleaning.md explains
each rule and the choices behind it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd

from birthgaps.clean.coverage import require_live_births, require_lookup_matches
from birthgaps.clean.deaths import death_ages
from birthgaps.clean.groups import RULE, age_bands, check_lookup, imd_columns, normalise_codes
from birthgaps.clean.indicators import clean_indicator_columns
from birthgaps.core.codes import (
    CANONICAL_COLUMNS,
    ETHNIC_CATEGORY_TO_DETAILED,
    ETHNIC_CATEGORY_TO_GROUP,
    NOT_STATED,
    QUINTILE_BASES,
    UNKNOWN,
)
from birthgaps.core.errors import InputError
from birthgaps.core.restricted_tables import CANONICAL, DERIVED
from birthgaps.core.settings import schema_defaults
from birthgaps.ingest.plausibility import IMPLAUSIBLE_SHARE

#: Defaults of the ``definitions`` keys added after the first release (older configs still run), as the
#: config schema gives them.
DEFINITION_DEFAULTS: dict = schema_defaults("definitions")
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


def mark_maternities(births: pd.DataFrame) -> list[tuple[str, str, int]]:
    """Add ``maternity_first``: True on one record of each maternity (all babies of one delivery,
    live or still, share ``maternity_id``); return the flow rows. Without any maternity id the column
    is <NA> and the maternity indicators cannot be counted; a record without one is its own maternity."""
    if "maternity_id" not in births.columns or births["maternity_id"].isna().all():
        births["maternity_first"] = pd.array([pd.NA] * len(births), dtype="boolean")
        return []
    ids = births["maternity_id"]
    no_id = ids.isna().to_numpy(dtype=bool)
    first = ~ids.duplicated(keep="first").to_numpy(dtype=bool) | no_id
    births["maternity_first"] = pd.array(first, dtype="boolean")
    rows = [
        ("maternities", "Maternities (deliveries) in the study, live or still", int(first.sum()))
    ]
    if no_id.any():
        rows.append(
            (
                "maternity_id_missing",
                "Records without a maternity identifier (each counted as its own maternity)",
                int(no_id.sum()),
            )
        )
    return rows


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
    complete_to: pd.Timestamp | None = None,
    link_rows: Sequence[tuple[str, str, int]] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the standard definitions; return (live births in scope with derived columns, flow table).

    Records are removed for duplicates (exact copies; conflicting records of one baby by config),
    stillbirths, area of residence not stated (or, by config, a stop), residence outside the study
    areas, birth dates outside the release years and,
    when configured, multiple births. Gestation and weight problems (missing, out of range, weight
    implausible for gestational age) only remove a birth from the denominators of the outcomes that
    need them. ``deprivation.quintiles`` (``national`` or ``local``) chooses which quintile fills
    ``imd_quintile``. Stillbirths of the study areas and years stay in the records (``live`` False) for
    the total-birth outcomes; one record per maternity is marked. Implausible maternity-indicator
    values are blanked (``clean.indicators``) and linked deaths get their age at death, with deaths
    after ``complete_to`` (the follow-up end) not counted (``clean.deaths``); ``link_rows`` are the
    deaths extract's link counts from ingest. Every step is counted in the flow table
    (docs/cleaning.md).
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
    still = (births["birth_outcome"] == "still").to_numpy(dtype=bool, na_value=False)
    in_scope_still = keep & still
    remove(
        "stillbirths",
        "Stillbirths (not in live-birth denominators; kept for the stillbirth and perinatal rates)",
        (births["birth_outcome"] != "live").to_numpy(dtype=bool, na_value=True),
    )
    no_area = births["area_code"].isna().to_numpy(dtype=bool)
    in_scope_still &= ~no_area
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
    in_scope_still &= births["area_code"].isin(areas).to_numpy(dtype=bool, na_value=False)
    in_scope_still &= year.isin(years).to_numpy(dtype=bool, na_value=False)
    if d["multiple_births"] == "exclude":
        in_scope_still &= ~multiple

    n_live = int(keep.sum())
    births = births.loc[keep | in_scope_still].reset_index(drop=True)
    births["live"] = (births["birth_outcome"] == "live").to_numpy(dtype=bool, na_value=False)
    births["stillbirth"] = ~births["live"].to_numpy()

    births["year"] = births["birth_date"].dt.year.astype("int64")
    imd = imd_columns(births["mother_lsoa"], imd_lookup)
    require_lookup_matches(births["mother_lsoa"], imd["imd_decile"] != UNKNOWN, implausible_share)
    births["imd_decile"] = imd["imd_decile"]
    births["imd_quintile"] = imd[f"imd_quintile_{basis}"]
    births["imd_quintile_national"] = imd["imd_quintile_national"]
    births["imd_quintile_local"] = imd["imd_quintile_local"]
    codes = normalise_codes(births["mother_ethnic_category"])
    group = codes.map(ETHNIC_CATEGORY_TO_GROUP)
    unrecognised = (codes.notna() & group.isna()).to_numpy(dtype=bool)
    births["ethnic_group"] = group.fillna(NOT_STATED).astype("string")
    births["ethnic_group_detailed"] = (
        codes.map(ETHNIC_CATEGORY_TO_DETAILED).fillna(NOT_STATED).astype("string")
    )
    births["age_band"] = age_bands(births["mother_age"])

    maternity_rows = mark_maternities(births)
    births, indicator_rows = clean_indicator_columns(births, d)
    death_rows: list[tuple[str, str, int]] = []
    if complete_to is not None:
        births, death_rows = death_ages(births, pd.Timestamp(complete_to))
    ga_missing, ga_bad = _gestation_status(births, d)
    bw_missing, bw_bad = _weight_status(births, d)
    weeks = births["gestation_weeks"]
    weight = births["birth_weight_g"]
    both = ~ga_missing & ~ga_bad & ~bw_missing & ~bw_bad
    live = births["live"].to_numpy(dtype=bool)
    # the weight-for-gestation fences are fitted on live births only, as before stillbirths were kept
    both = both & live
    pair_bad = np.zeros(len(births), dtype=bool)
    unchecked = np.zeros(len(births), dtype=bool)
    pair_bad[both], unchecked[both], _ = weight_for_gestation_flags(
        weeks.to_numpy(dtype=np.int64, na_value=0)[both],
        weight.to_numpy(dtype=np.int64, na_value=0)[both],
        d["weight_for_gestation"],
    )
    ga_ok = ~ga_missing & ~ga_bad & ~pair_bad
    bw_ok = ~bw_missing & ~bw_bad & ~pair_bad
    term = (weeks >= d["preterm_weeks"]).to_numpy(dtype=bool, na_value=False)
    # a value not stated or implausible is blanked: an outcome's `requires` keeps stated values only
    births["gestation_weeks"] = weeks.mask(~ga_ok)
    births["gestation_days"] = births["gestation_days"].mask(~ga_ok)
    births["birth_weight_g"] = weight.mask(~bw_ok)
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
    n_term = int((live & ga_ok & bw_ok & term).sum())
    ga_ok, bw_ok = ga_ok & live, bw_ok & live
    ga_missing, ga_bad, bw_missing, bw_bad = (
        m & live for m in (ga_missing, ga_bad, bw_missing, bw_bad)
    )
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
        ((births["imd_decile"] == UNKNOWN) & births["live"]).sum(),
        None,
    )
    flow.add(
        "ethnicity_not_stated",
        "Ethnicity not stated or not known (kept as Not stated)",
        ((births["ethnic_group"] == NOT_STATED) & births["live"]).sum()
        - (unrecognised & live).sum(),
        None,
    )
    flow.add(
        "ethnicity_unrecognised",
        "Ethnic category code not recognised (kept as Not stated)",
        (unrecognised & live).sum(),
        None,
    )
    flow.add(
        "age_unknown",
        "Mother's age missing (kept as Unknown)",
        ((births["age_band"] == UNKNOWN) & births["live"]).sum(),
        None,
    )
    flow.add(
        "multiple_births",
        "Babies of multiple births (kept; flagged)",
        (births["multiple_birth"] & births["live"]).sum(),
        None,
    )
    flow.add("live_births", "Live births in the study", n_live, n_live)
    n_still = int(births["stillbirth"].sum())
    flow.add(
        "stillbirths_in_study",
        "Stillbirths of the study areas and years (stillbirth and perinatal rates only)",
        n_still,
        None,
    )
    flow.add("total_births", "Total births in the study (live and still)", n_live + n_still, None)
    for step, description, count in [*maternity_rows, *indicator_rows, *link_rows, *death_rows]:
        flow.add(step, description, count, None)
    require_live_births(births.loc[births["live"]], areas, flow.frame())
    order = [c for c in (*CANONICAL, *DERIVED) if c in births.columns]
    return births[[*order, *(c for c in births.columns if c not in order)]], flow.frame()


def read_lookup(path: str) -> pd.DataFrame:
    """Read an LSOA -> IMD decile lookup CSV and check it."""
    lookup = pd.read_csv(path, dtype={"lsoa_code": "string"})
    check_lookup(lookup, str(path))
    return lookup


#: Flow steps that remove records: the previous row's ``remaining`` = this ``count`` + ``remaining``.
