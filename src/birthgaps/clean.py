"""Cleaning: standard definitions, derived variables and the exclusion flow (DESIGN.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from birthgaps.definitions import (
    AGE_BANDS,
    ETHNIC_CATEGORY_TO_GROUP,
    NOT_STATED,
    UNKNOWN,
)
from birthgaps.disclosure import control_counts
from birthgaps.errors import InputError

#: Outcome indicators written by ``clean_births`` (nullable booleans; <NA> = not in denominator).
OUTCOME_COLUMNS = ["preterm", "very_preterm", "lbw", "very_lbw", "term_lbw"]


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


def _gestation_status(births: pd.DataFrame, d: dict) -> tuple[pd.Series, pd.Series]:
    """Split gestation into (not stated, implausible) masks using sentinels and the plausible range."""
    weeks = births["gestation_weeks"]
    days = births["gestation_days"].fillna(0)
    not_stated = weeks.isna() | weeks.isin(d["gestation_sentinels"])
    in_range = weeks.between(d["gestation_min_weeks"], d["gestation_max_weeks"]) & days.between(
        0, 6
    )
    implausible = ~not_stated & ~in_range.fillna(False).astype(bool)
    return not_stated.fillna(True).astype(bool), implausible.astype(bool)


def _weight_status(births: pd.DataFrame, d: dict) -> tuple[pd.Series, pd.Series]:
    """Split birth weight into (not stated, implausible) masks."""
    weight = births["birth_weight_g"]
    not_stated = (weight.isna() | weight.isin(d["birth_weight_sentinels"])).fillna(True)
    in_range = weight.between(d["birth_weight_min_g"], d["birth_weight_max_g"]).fillna(False)
    implausible = ~not_stated & ~in_range
    return not_stated.astype(bool), implausible.astype(bool)


def _nullable_flag(condition: pd.Series, in_denominator: pd.Series) -> pd.Series:
    """Boolean outcome flag that is <NA> outside the outcome's denominator."""
    flag = condition.fillna(False).astype("boolean")
    return flag.mask(~in_denominator.astype(bool))


def ethnic_group(codes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """ONS 2021 high-level group from NHS ethnic category codes; also a mask of unrecognised codes."""
    normalised = codes.astype("string").str.strip().str.upper()
    normalised = normalised.mask(normalised == "", pd.NA)
    groups = normalised.map(ETHNIC_CATEGORY_TO_GROUP)
    unrecognised = normalised.notna() & groups.isna()
    return groups.fillna(NOT_STATED).astype("string"), unrecognised.astype(bool)


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


def imd_from_lookup(lsoa: pd.Series, lookup: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """IMD decile and quintile strings for each LSOA code; ``Unknown`` where the code does not match."""
    deciles = (
        lsoa.astype("string")
        .str.strip()
        .map(lookup.set_index("lsoa_code")["imd_decile"].astype("Int64"))
    )
    deciles = pd.array(deciles, dtype="Int64")
    quintile = pd.Series((deciles + 1) // 2, index=lsoa.index).astype("string").fillna(UNKNOWN)
    decile = pd.Series(deciles, index=lsoa.index).astype("string").fillna(UNKNOWN)
    return decile, quintile


def check_lookup(lookup: pd.DataFrame, path: str = "IMD lookup") -> None:
    """Stop on a lookup without the needed columns, with repeated LSOAs or deciles outside 1-10."""
    for column in ("lsoa_code", "imd_decile"):
        if column not in lookup.columns:
            raise InputError(
                "the IMD lookup lacks a required column", file=path, column=column, rule="clean"
            )
    repeated = int(lookup["lsoa_code"].duplicated().sum())
    if repeated:
        raise InputError(
            "the IMD lookup lists some LSOAs more than once",
            file=path,
            column="lsoa_code",
            rule="clean",
            rows=repeated,
        )
    bad = int((~pd.to_numeric(lookup["imd_decile"], errors="coerce").between(1, 10)).sum())
    if bad:
        raise InputError(
            "IMD deciles must be whole numbers from 1 to 10",
            file=path,
            column="imd_decile",
            rule="clean",
            rows=bad,
        )


def clean_births(
    births: pd.DataFrame,
    imd_lookup: pd.DataFrame,
    *,
    areas: list[str],
    years: list[int],
    definitions: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the standard definitions; return (live births in scope with derived columns, flow table).

    Records are removed for duplicates, stillbirths, residence outside the study areas and birth
    dates outside the release years; gestation and weight problems only remove a birth from the
    denominators of the outcomes that need them. Every step is counted in the flow table.
    """
    d = definitions
    flow = _Flow()
    check_lookup(imd_lookup)
    flow.add("received", "Birth records in the extract", len(births), len(births))

    duplicated = births["baby_id"].duplicated(keep="first")
    births = births.loc[~duplicated]
    flow.add(
        "duplicates", "Duplicate records of the same baby removed", duplicated.sum(), len(births)
    )

    still = births["birth_outcome"] != "live"
    births = births.loc[~still.fillna(True)]
    flow.add(
        "stillbirths", "Stillbirths (not in live-birth denominators)", still.sum(), len(births)
    )

    outside = ~births["area_code"].isin(areas)
    births = births.loc[~outside]
    flow.add("other_areas", "Mother resident outside the study areas", outside.sum(), len(births))

    year = births["birth_date"].dt.year
    out_of_period = ~year.isin(years).fillna(False).astype(bool)
    births = births.loc[~out_of_period].copy()
    flow.add(
        "other_years",
        "Birth date missing or outside the release years",
        out_of_period.sum(),
        len(births),
    )
    n_live = len(births)

    births["year"] = births["birth_date"].dt.year.astype("int64")
    births["imd_decile"], births["imd_quintile"] = imd_from_lookup(
        births["mother_lsoa"], imd_lookup
    )
    births["ethnic_group"], unrecognised = ethnic_group(births["mother_ethnic_category"])
    births["age_band"] = age_bands(births["mother_age"])

    ga_missing, ga_bad = _gestation_status(births, d)
    bw_missing, bw_bad = _weight_status(births, d)
    ga_ok = ~ga_missing & ~ga_bad
    bw_ok = ~bw_missing & ~bw_bad
    weeks = births["gestation_weeks"]
    weight = births["birth_weight_g"]
    term = weeks >= d["preterm_weeks"]

    births["preterm"] = _nullable_flag(weeks < d["preterm_weeks"], ga_ok)
    births["very_preterm"] = _nullable_flag(weeks < d["very_preterm_weeks"], ga_ok)
    births["lbw"] = _nullable_flag(weight < d["lbw_grams"], bw_ok)
    births["very_lbw"] = _nullable_flag(weight < d["very_lbw_grams"], bw_ok)
    births["term_lbw"] = _nullable_flag(
        weight < d["lbw_grams"], ga_ok & bw_ok & term.fillna(False).astype(bool)
    )

    flow.add(
        "gestation_not_stated",
        "Gestation not stated (missing or sentinel code)",
        ga_missing.sum(),
        None,
    )
    flow.add(
        "gestation_implausible",
        f"Gestation outside {d['gestation_min_weeks']}+0 to {d['gestation_max_weeks']}+6 weeks",
        ga_bad.sum(),
        None,
    )
    flow.add(
        "preterm_denominator",
        "Live births with stated gestation (preterm denominator)",
        ga_ok.sum(),
        int(ga_ok.sum()),
    )
    flow.add(
        "weight_not_stated",
        "Birth weight not stated (missing or sentinel code)",
        bw_missing.sum(),
        None,
    )
    flow.add(
        "weight_implausible",
        f"Birth weight outside {d['birth_weight_min_g']:,} to {d['birth_weight_max_g']:,} g",
        bw_bad.sum(),
        None,
    )
    flow.add(
        "lbw_denominator",
        "Live births with stated weight (low birth weight denominator)",
        bw_ok.sum(),
        int(bw_ok.sum()),
    )
    n_term = int(births["term_lbw"].notna().sum())
    flow.add(
        "term_lbw_denominator",
        "Term live births with stated weight (term LBW denominator)",
        n_term,
        n_term,
    )
    flow.add(
        "lsoa_unmatched",
        "Mother's LSOA missing or not in the IMD lookup (kept as Unknown)",
        (births["imd_quintile"] == UNKNOWN).sum(),
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
        (births["plurality"] > 1).fillna(False).sum(),
        None,
    )
    flow.add("live_births", "Live births in the study", n_live, n_live)

    births["multiple_birth"] = (births["plurality"] > 1).fillna(False).astype(bool)
    return births.reset_index(drop=True), flow.frame()


def read_lookup(path: str) -> pd.DataFrame:
    """Read an LSOA -> IMD decile lookup CSV and check it."""
    lookup = pd.read_csv(path, dtype={"lsoa_code": "string"})
    check_lookup(lookup, str(path))
    return lookup


def publish_flow(flow: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """The exclusion flow with small counts suppressed and the rest rounded (disclosure rule)."""
    out = control_counts(flow, ["count", "remaining"], rules)
    out["flag"] = out["suppressed"].map({True: "c", False: ""}).astype("string")
    return out
