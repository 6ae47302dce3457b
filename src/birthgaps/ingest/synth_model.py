"""The synthetic release's fixed population features (documented in docs/synthetic-data.md) and its settings:
the config's ``synthetic`` block, areas and years in; checked, complete generator settings out."""

from __future__ import annotations

import numpy as np

from birthgaps.core.codes import (
    AGE_BANDS,
    ETHNIC_GROUPS,
    IMD_QUINTILES,
    NOT_STATED,
)
from birthgaps.core.errors import InputError

# --------------------------------------------------------------------------------------------
# Fixed features of the simulated population (documented in docs/synthetic-data.md).
# --------------------------------------------------------------------------------------------

#: Ethnic groups that carry a true odds ratio (everything except "Not stated"), model order.
GROUPS: list[str] = [g for g in ETHNIC_GROUPS if g != NOT_STATED]
AGE_BAND_LABELS: list[str] = list(AGE_BANDS)

#: Share of each area's LSOAs in IMD deciles 1..10 (1 = most deprived), cycled over the areas
#: in config order: the first area is mostly deprived, the second mixed, the third affluent-ish.
DEPRIVATION_PROFILES: dict[str, list[float]] = {
    "deprived": [0.24, 0.18, 0.13, 0.10, 0.08, 0.07, 0.06, 0.05, 0.05, 0.04],
    "mixed": [0.11, 0.11, 0.11, 0.10, 0.10, 0.10, 0.10, 0.09, 0.09, 0.09],
    "affluent": [0.03, 0.04, 0.06, 0.08, 0.10, 0.11, 0.13, 0.14, 0.15, 0.16],
}
PROFILE_CYCLE: list[str] = ["deprived", "mixed", "affluent"]
#: Fictional national IMD ranks: LSOAs in England (2011) and the id of their random stream.
NATIONAL_LSOAS = 32_844
NATIONAL_RANK_STREAM = 7

#: Log-linear tilt of each ethnic group towards deprived LSOAs, per unit of the deprivation
#: score s = (5.5 - decile) / 4.5, which runs from +1 (decile 1) to -1 (decile 10).
ETHNIC_DEPRIVATION_TILT: dict[str, float] = {
    "Asian": 1.2,
    "Black": 1.3,
    "Mixed": 0.6,
    "White": 0.0,
    "Other": 0.5,
}

#: NHS ethnic category codes within each group, with their shares.
ETHNIC_CODE_SHARES: dict[str, dict[str, float]] = {
    "Asian": {"H": 0.30, "J": 0.30, "K": 0.12, "L": 0.20, "R": 0.08},
    "Black": {"M": 0.25, "N": 0.65, "P": 0.10},
    "Mixed": {"D": 0.30, "E": 0.15, "F": 0.30, "G": 0.25},
    "White": {"A": 0.80, "B": 0.03, "C": 0.17},
    "Other": {"S": 1.0},
}

#: Maternal age at delivery: truncated normal on [15, 51), floored to whole years.
AGE_MEAN = 31.2  # continuous mean; flooring brings the recorded mean to about 30.5
AGE_SD = 5.5
AGE_DEPRIVATION_SHIFT = -1.6  # years per unit of deprivation score (younger in deprived LSOAs)
AGE_MIN, AGE_MAX = 15, 50

#: Births per LSOA: gamma(8) noise times (1 + 0.15 s): more births in deprived neighbourhoods.
LSOA_FERTILITY_TILT = 0.15
#: Annual change in the number of births (England has seen a slow decline).
YEAR_TREND = 0.985

#: Stillbirth relative risks (the overall rate is fixed by config stillbirth_rate).
STILLBIRTH_RR_QUINTILE = [1.7, 1.45, 1.25, 1.1, 1.0]
STILLBIRTH_RR_GROUP = {"Asian": 1.5, "Black": 2.0, "Mixed": 1.3, "White": 1.0, "Other": 1.3}

SEX_MALE_SHARE = 0.512
SEX_UNKNOWN_SHARE = 0.0005

#: Gestation: completed weeks 22..42; relative weights per week for each delivery category.
WEEKS = np.arange(22, 43)
_PRETERM_LBW = [0.5, 1.0, 1.6, 2.0, 2.3, 2.6, 3.9, 4.8, 6.0, 7.3, 9.0, 11.0, 14.0, 17.0, 17.0]
GESTATION_WEIGHTS: dict[str, list[float]] = {
    # preterm and every baby of the delivery under 2,500 g: 22-36 weeks, mostly 32-36
    "preterm_lbw": _PRETERM_LBW + [0.0] * 6,
    # preterm with a baby of 2,500 g or more: late preterm only
    "preterm_not_lbw": [0.0] * 12 + [0.20, 0.30, 0.50] + [0.0] * 6,
    # term with every baby under 2,500 g: skewed to early term
    "term_lbw": [0.0] * 15 + [0.25, 0.28, 0.22, 0.15, 0.08, 0.02],
    # other term births
    "term": [0.0] * 15 + [0.07, 0.15, 0.26, 0.28, 0.20, 0.04],
    # stillbirths (24 weeks and over by the legal definition), mostly preterm
    "still": [0.0, 0.0]
    + [6.0, 6.0, 5.5, 5.0, 4.5, 4.5, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.5]
    + [5.0, 5.5, 6.0, 5.5, 3.5, 1.0],
}
GESTATION_CATEGORIES = list(GESTATION_WEIGHTS)

#: Median birth weight (g) by completed week of gestation, linearly interpolated between
#: these anchors; the spread is 13% of the median. A rough growth curve, invented for the demo.
_WEIGHT_ANCHORS = {
    22: 500,
    24: 650,
    26: 850,
    28: 1100,
    30: 1450,
    32: 1800,
    34: 2300,
    36: 2800,
    37: 3050,
    38: 3250,
    39: 3400,
    40: 3500,
    41: 3600,
    42: 3650,
}
WEIGHT_MEDIAN = np.interp(WEEKS, list(_WEIGHT_ANCHORS), list(_WEIGHT_ANCHORS.values()))
WEIGHT_CV = 0.13
LIVE_WEIGHT_RANGE = (300.0, 5500.0)
STILL_WEIGHT_RANGE = (250.0, 5000.0)
STILL_WEIGHT_FACTOR = 0.85  # stillborn babies are often growth-restricted

#: Values used for the deliberate dirt.
GESTATION_SENTINEL = 99
GESTATION_IMPLAUSIBLE = np.array([15, 17, 19, 20, 45, 47, 50, 52])
WEIGHT_SENTINEL = 9999
WEIGHT_IMPLAUSIBLE = np.array([15, 40, 120, 200, 7200, 8000, 9500])
#: not-stated ethnicity is written as "Z" (50%), "99" (30%) or left empty (20%)
NOT_STATED_SPLIT = (0.5, 0.3)
#: an unknown LSOA is a code absent from the lookup (60%) or empty (40%)
UNKNOWN_LSOA_CODE_SHARE = 0.6

DIRT_KEYS = [
    "duplicate_records",
    "gestation_missing",
    "gestation_sentinel",
    "gestation_implausible",
    "weight_missing",
    "weight_sentinel",
    "weight_implausible",
    "ethnicity_not_stated",
    "lsoa_unknown",
    "mother_age_missing",
    # maternity-level columns (per delivery, so twins stay alike)
    "maternity_id_missing",
    "delivery_method_missing",
    "delivery_method_invalid",
    "booking_missing",
    "booking_after_delivery",
    "booking_implausible",
    "smoking_missing",
    "bmi_missing",
    "bmi_sentinel",
    "bmi_implausible",
    # the deaths extract (shares of the true death records; extra records, truth unchanged)
    "death_unlinked",
    "death_after_follow_up",
    "death_before_birth",
    "death_duplicate",
    "death_of_stillbirth",
]
#: Dirt keys whose records must be disjoint (one problem per value), by column.
DISJOINT_DIRT = [
    ("gestation_missing", "gestation_sentinel", "gestation_implausible"),
    ("weight_missing", "weight_sentinel", "weight_implausible"),
    ("delivery_method_missing", "delivery_method_invalid"),
    ("booking_missing", "booking_after_delivery", "booking_implausible"),
    ("bmi_missing", "bmi_sentinel", "bmi_implausible"),
]

#: Outcomes with a true model beyond preterm and LBW, and the scale of their ratios: "odds"
#: (logistic, ``true_odds_ratios``) or "rate" (log-linear, ``true_rate_ratios``).
EXTRA_TRUTH: dict[str, str] = {
    "infant": "rate",
    "emergency_caesarean": "odds",
    "smoking_at_delivery": "odds",
    "booking_after_12_6_weeks": "odds",
    "obesity": "odds",
}
#: Target rates without ratios (levels only).
EXTRA_TARGETS = ["elective_caesarean"]


def parse_settings(settings: dict, areas: dict[str, str], years: list[int]) -> dict:
    """Check the synthetic settings and return them in the form the generator uses."""

    def fail(problem: str, key: str, hint: str | None = None) -> InputError:
        return InputError(problem, key=f"synthetic.{key}", rule="synthetic", hint=hint)

    if not areas:
        raise InputError("no areas given to the synthetic generator", key="areas")
    if not years:
        raise InputError("no years given to the synthetic generator", key="releases.years")
    for key in ("seed", "live_births", "n_lsoas_per_area", "target_rates", "true_odds_ratios"):
        if key not in settings:
            raise fail(f"missing key '{key}'", key)
    out: dict = {
        "seed": int(settings["seed"]),
        "live_births": int(settings["live_births"]),
        "n_lsoas": int(settings["n_lsoas_per_area"]),
        "rho": float(settings.get("outcome_correlation", 0.0)),
        "stillbirth_rate": float(settings.get("stillbirth_rate", 0.0)),
        "twin_rate": float(settings.get("twin_rate", 0.0)),
    }
    if out["live_births"] < 1:
        raise fail("live_births must be a positive number", "live_births")
    if out["n_lsoas"] < 1:
        raise fail("n_lsoas_per_area must be a positive number", "n_lsoas_per_area")
    if not -1.0 < out["rho"] < 1.0:
        raise fail("outcome_correlation must lie strictly between -1 and 1", "outcome_correlation")
    for key in ("stillbirth_rate", "twin_rate"):
        if not 0.0 <= out[key] < 0.5:
            raise fail(f"{key} must lie in [0, 0.5)", key)

    mix = settings.get("ethnic_mix") or {g: 1.0 for g in GROUPS}
    unknown = sorted(set(mix) - set(GROUPS))
    if unknown:
        raise fail(f"unknown ethnic group(s) {unknown}", "ethnic_mix", f"use {GROUPS}")
    shares = np.array([float(mix.get(g, 0.0)) for g in GROUPS])
    if shares.min() < 0 or shares.sum() <= 0:
        raise fail("ethnic_mix shares must be non-negative and not all zero", "ethnic_mix")
    out["ethnic_mix"] = shares / shares.sum()

    out["target_rates"] = {}
    out["log_or"] = {}
    out["scale"] = {}
    blocks = {"odds": "true_odds_ratios", "rate": "true_rate_ratios"}
    truths = {"preterm": "odds", "lbw": "odds", **EXTRA_TRUTH}
    for name in [*truths, *EXTRA_TARGETS]:
        out["target_rates"][name] = _target(settings, name, fail)
    for name, scale in truths.items():
        out["scale"][name] = scale
        out["log_or"][name] = _log_ratios(
            settings.get(blocks[scale]) or {}, name, blocks[scale], fail
        )

    dirt_in = settings.get("dirt") or {}
    unknown = sorted(set(dirt_in) - set(DIRT_KEYS))
    if unknown:
        raise fail(f"unknown dirt key(s) {unknown}", "dirt", f"use {DIRT_KEYS}")
    out["dirt"] = {k: float(dirt_in.get(k, 0.0)) for k in DIRT_KEYS}
    for k, v in out["dirt"].items():
        if not 0.0 <= v < 1.0:
            raise fail(f"dirt rate {k} must lie in [0, 1)", f"dirt.{k}")
    d = out["dirt"]
    for group in DISJOINT_DIRT:
        if sum(d[k] for k in group) >= 1.0:
            raise fail(f"dirt rates {list(group)} add up to 1 or more", "dirt")
    return out


def _target(settings: dict, name: str, fail) -> float:
    """The target rate of one outcome, checked to lie in (0, 1)."""
    rate = (settings.get("target_rates") or {}).get(name)
    if rate is None or not 0.0 < float(rate) < 1.0:
        raise fail(f"target rate for {name} must lie in (0, 1)", f"target_rates.{name}")
    return float(rate)


def _log_ratios(block: dict, name: str, key: str, fail) -> dict[str, np.ndarray]:
    """Log true ratios of one outcome by term, every level present and positive."""
    levels = {"imd_quintile": IMD_QUINTILES, "ethnic_group": GROUPS, "age_band": AGE_BAND_LABELS}
    ratios = block.get(name)
    if not ratios:
        raise fail(f"no true ratios for {name}", f"{key}.{name}")
    out = {}
    for term, lv in levels.items():
        given = {str(k): float(v) for k, v in (ratios.get(term) or {}).items()}
        missing = [x for x in lv if x not in given]
        if missing:
            raise fail(
                f"true ratios for {name} / {term} lack level(s) {missing}", f"{key}.{name}.{term}"
            )
        if min(given[x] for x in lv) <= 0:
            raise fail("ratios must be positive", f"{key}.{name}.{term}")
        out[term] = np.log([given[x] for x in lv])
    return out
