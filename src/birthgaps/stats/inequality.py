"""Inequality indices over deprivation quantiles: PHE slope/relative index of inequality and the PAF.

Public names are re-exported from ``birthgaps.stats.measures``. The SII/RII follow the PHE method as implemented
in PHEindicatormethods ``phe_sii`` (Low & Low 2004); the population attributable fraction and excess
events compare every group with the reference (least deprived) group's rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from birthgaps.core.errors import InputError
from birthgaps.stats.intervals import (
    ArrayLike,
    Confidence,
    as_float,
    as_levels,
    level_suffix,
    z_value,
)

#: Default seed of the SII/RII simulation (any fixed seed makes the confidence limits reproducible).
DEFAULT_SEED = 20261126

_VALUE_TYPES = {"normal": None, "rate": "log", "proportion": "logit"}


def _midpoint_ranks(populations: np.ndarray) -> np.ndarray:
    """Relative rank of each quantile: the midpoint of its share of the cumulative population (0..1)."""
    share = populations / populations.sum()
    return np.cumsum(share) - share / 2


def _forward(values: np.ndarray, scale: str | None) -> np.ndarray:
    """Values on the simulation/regression scale: log for rates, logit for proportions."""
    if scale == "log":
        return np.log(values)
    if scale == "logit":
        return logit(values)
    return values


def _back(values: np.ndarray, scale: str | None) -> np.ndarray:
    """Inverse of ``_forward``."""
    if scale == "log":
        return np.exp(values)
    if scale == "logit":
        return expit(values)
    return values


def _check_sii_inputs(
    y: np.ndarray, pop: np.ndarray, value_type: str, lo: np.ndarray | None, hi: np.ndarray | None
) -> None:
    """Raise InputError for inputs on which the PHE SII cannot be computed."""
    k = len(y)
    if not 5 <= k <= 100:
        raise InputError(
            f"the SII needs between 5 and 100 quantiles, got {k}", column="quantile", rows=k
        )
    bad = int(np.sum(~(pop > 0)))
    if bad:
        raise InputError("SII quantile populations must be positive", column="population", rows=bad)
    bad = int(np.sum(np.isnan(y)))
    if bad:
        raise InputError("an SII quantile value is missing", column="value", rows=bad)
    limits = [v for v in (lo, hi) if v is not None]
    if value_type == "rate":
        bad = int(sum(np.sum(~(v > 0)) for v in [y, *limits]))
        if bad:
            raise InputError(
                "rates and their limits must be positive for the SII", column="value", rows=bad
            )
    if value_type == "proportion":
        bad = int(sum(np.sum(~((v > 0) & (v < 1))) for v in [y, *limits]))
        if bad:
            raise InputError(
                "proportions and their limits must lie strictly between 0 and 1 for the SII",
                column="value",
                rows=bad,
                hint="pass proportions as fractions (multiplier rescales the output)",
            )


def sii_rii(
    quantile_values: ArrayLike,
    populations: ArrayLike,
    lower: ArrayLike | None = None,
    upper: ArrayLike | None = None,
    se: ArrayLike | None = None,
    *,
    value_type: str = "normal",
    transform: str | None = None,
    confidence: Confidence = 0.95,
    multiplier: float = 1,
    reps: int = 100_000,
    seed: int = DEFAULT_SEED,
) -> dict[str, float]:
    """PHE slope index (SII) and relative index (RII) of inequality with simulated confidence limits.

    Method (Low & Low, J Public Health 2004; PHEindicatormethods ``phe_sii``): quantiles are ranked by the
    midpoint of their share of the cumulative population (give them in order, most deprived first); the
    quantile values are regressed on the ranks by least squares weighted by population share. SII = fitted
    value at rank 1 minus rank 0, RII = fitted(1)/fitted(0), ``intercept`` = fitted(0). With ``transform``
    ("log" for rates, "logit" for proportions) the regression runs on that scale and the fitted values are
    transformed back. Confidence limits: ``reps`` draws of every quantile value from a normal distribution
    (on the log scale for ``value_type="rate"``, logit for "proportion", natural for "normal") with the
    standard error ``se`` or one derived from the 95% limits as (upper-lower)/(2*1.96) on that scale; the
    limits are order statistics of the simulated SII/RII. Fixed ``seed`` (numpy default_rng): reproducible.
    ``multiplier`` scales the SII (a negative one flips its sign and inverts the RII, as in PHE).
    """
    if value_type not in _VALUE_TYPES:
        raise ValueError("value_type must be 'normal', 'rate' or 'proportion'")
    if transform not in (None, "log", "logit"):
        raise ValueError("transform must be None, 'log' or 'logit'")
    if transform is not None:
        implied = {"log": "rate", "logit": "proportion"}[transform]
        if value_type == "normal":
            value_type = implied
        elif value_type != implied:
            raise ValueError(f"transform {transform!r} goes with value_type {implied!r}")
    if reps < 1000:
        raise ValueError("reps must be at least 1,000 (PHE default 100,000)")
    if multiplier == 0:
        raise ValueError("multiplier must not be 0")
    levels = as_levels(confidence)
    scale = _VALUE_TYPES[value_type]

    y = np.atleast_1d(as_float(quantile_values)).astype(float)
    pop = np.atleast_1d(as_float(populations)).astype(float)
    if len(pop) != len(y):
        raise InputError("quantile values and populations differ in length", column="population")
    lo = None if lower is None else np.atleast_1d(as_float(lower)).astype(float)
    hi = None if upper is None else np.atleast_1d(as_float(upper)).astype(float)
    _check_sii_inputs(y, pop, value_type, lo, hi)
    if se is not None:
        sd = np.atleast_1d(as_float(se)).astype(float)
    elif lo is not None and hi is not None:
        sd = (_forward(hi, scale) - _forward(lo, scale)) / (2 * z_value(0.95))
    else:
        raise ValueError("give the standard errors (se) or the 95% limits (lower and upper)")
    bad = int(np.sum(~(sd >= 0)))
    if bad:
        raise InputError("standard errors must be non-negative and present", column="se", rows=bad)

    share = pop / pop.sum()
    design = np.column_stack([np.ones_like(share), _midpoint_ranks(pop)])
    weighted = design.T * share  # X'W
    solver = np.linalg.solve(weighted @ design, weighted)  # (X'WX)^-1 X'W, 2 x k

    def indices(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Intercept, SII and RII (natural scale) from regression coefficients (2 x m)."""
        if transform is None:
            start, end = coef[0], coef[0] + coef[1]
        else:
            start, end = _back(coef[0], scale), _back(coef[0] + coef[1], scale)
        with np.errstate(divide="ignore", invalid="ignore"):
            return start, end - start, end / start

    target = y if transform is None else _forward(y, scale)
    intercept, sii, rii = (float(v[0]) for v in indices(solver @ target[:, None]))

    rng = np.random.default_rng(seed)
    draws = rng.normal(size=(len(y), reps)) * sd[:, None] + _forward(y, scale)[:, None]
    if transform is None:
        draws = _back(draws, scale)
    _, sim_sii, sim_rii = indices(solver @ draws)
    sim_sii = np.sort(sim_sii * multiplier)
    sim_rii = np.sort(1 / sim_rii if multiplier < 0 else sim_rii)

    result: dict[str, float] = {
        "sii": sii * multiplier,
        "rii": 1 / rii if multiplier < 0 else rii,
        "intercept": intercept,
    }
    for level in levels:
        tail = (1 - level) / 2
        low_pos = max(int(np.round(reps * tail)) - 1, 0)
        high_pos = min(int(np.round(reps * (1 - tail))) - 1, reps - 1)
        suffix = level_suffix(level)
        result[f"sii_lower_{suffix}"] = float(sim_sii[low_pos])
        result[f"sii_upper_{suffix}"] = float(sim_sii[high_pos])
        result[f"rii_lower_{suffix}"] = float(sim_rii[low_pos])
        result[f"rii_upper_{suffix}"] = float(sim_rii[high_pos])
    result["reps"] = reps
    result["seed"] = seed
    return result


def sii_rii_table(
    frame: pd.DataFrame,
    by: Iterable[str],
    quantile: str,
    population: str,
    value: str,
    lower: str | None = None,
    upper: str | None = None,
    se: str | None = None,
    **kwargs,
) -> pd.DataFrame:
    """``sii_rii`` for each group of a long table (one row per group and quantile) -> one row per group.

    Quantiles are sorted ascending within each group (quintile "1" = most deprived first). A group missing
    any quantile present in the table, or failing the SII's input checks, gets NaN results and a ``note``
    (PHE drops such areas). Keyword arguments go to ``sii_rii`` (value_type, transform, reps, seed, ...).
    """
    by = list(by)
    needed = [*by, quantile, population, value] + [c for c in (lower, upper, se) if c]
    for column in needed:
        if column not in frame.columns:
            raise InputError("a column needed for the SII table is missing", column=column)
    all_quantiles = sorted(frame[quantile].dropna().unique())
    rows = []
    for key, group in frame.groupby(by, sort=True, observed=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        group = group.sort_values(quantile, kind="stable")
        row = dict(zip(by, key, strict=True))
        if sorted(group[quantile].unique()) != all_quantiles or group[quantile].duplicated().any():
            rows.append({**row, "note": "not every quantile has exactly one row"})
            continue
        try:
            result = sii_rii(
                group[value],
                group[population],
                None if lower is None else group[lower],
                None if upper is None else group[upper],
                None if se is None else group[se],
                **kwargs,
            )
        except InputError as error:
            rows.append({**row, "note": error.problem})
            continue
        rows.append({**row, **result, "note": ""})
    out = pd.DataFrame(rows)
    if "note" in out.columns:
        out["note"] = out["note"].astype("string")
    return out


def paf_interval(
    e0: np.ndarray, n0: np.ndarray, total_e: np.ndarray, total_n: np.ndarray, kind: str, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PAF = 1 - r0/r and its delta-method limits on log(1 - PAF) (vectorised; see attributable_fraction)."""
    r0, r = e0 / n0, total_e / total_n
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "rate":
            var = 1 / e0 - 1 / total_e
        else:
            var = (1 - r0) / e0 + (1 - r) / total_e - 2 * (1 - r0) / total_e
        half = z * np.sqrt(np.maximum(var, 0.0))
        log_ratio = np.log(r0 / r)
        paf = 1 - r0 / r
    return paf, 1 - np.exp(log_ratio + half), 1 - np.exp(log_ratio - half)


def attributable_fraction(
    events: ArrayLike,
    denominators: ArrayLike,
    groups: Sequence,
    reference_group,
    confidence: float = 0.95,
    kind: str = "rate",
) -> pd.DataFrame:
    """Population attributable fraction and excess events against a reference group's rate.

    Excess events of group g = events_g - r0 * denominator_g, with r0 the reference (least deprived)
    group's rate; over all groups excess = E - r0 * N and PAF = excess / E = 1 - r0 / r (the share of
    events that would not occur if every group had the reference rate; Rockhill et al., AJPH 1998). Each
    group's ``paf_share`` is its excess / E (they sum to the PAF). CI (on the "All" row only): delta method
    on log(1 - PAF) = log r0 - log r, allowing for the reference group being part of the population:
    Var = 1/e0 - 1/E for Poisson counts (``kind="rate"``) or (1-p0)/e0 + (1-p)/E - 2(1-p0)/E for binomial
    proportions (``kind="risk"``); excess-event limits are the PAF limits times E (E taken as fixed).
    Returns one row per group plus a final "All" row.
    """
    if kind not in {"rate", "risk"}:
        raise ValueError("kind must be 'rate' (Poisson) or 'risk' (binomial)")
    (level,) = as_levels(confidence)
    e = np.atleast_1d(as_float(events)).astype(float)
    n = np.atleast_1d(as_float(denominators)).astype(float)
    labels = list(groups)
    if not len(e) == len(n) == len(labels):
        raise InputError("events, denominators and groups differ in length", column="group")
    if len(set(labels)) != len(labels):
        raise InputError("a group appears more than once", column="group")
    bad = int(np.sum(~(e >= 0)) + np.sum(~(n > 0)))
    if bad:
        raise InputError(
            "events must be non-negative and denominators positive", column="events", rows=bad
        )
    if reference_group not in labels:
        raise InputError(
            f"reference group {reference_group!r} is not among the groups", column="group"
        )
    ref = labels.index(reference_group)
    e0, n0 = e[ref], n[ref]
    total_e, total_n = e.sum(), n.sum()
    r0, r = e0 / n0, total_e / total_n
    suffix = level_suffix(level)
    excess = e - r0 * n
    table = pd.DataFrame(
        {
            "group": pd.array([*map(str, labels), "All"], dtype="string"),
            "events": [*e, total_e],
            "denominator": [*n, total_n],
            "rate": [*(e / n), r],
            "excess_events": [*excess, total_e - r0 * total_n],
            "paf_share": [*(excess / total_e if total_e > 0 else excess * np.nan), np.nan],
        }
    )
    note = ""
    paf = lo = hi = np.nan
    if total_e > 0:
        paf = 1 - r0 / r
    if e0 > 0 and total_e > 0:
        paf, lo, hi = (
            float(v) for v in paf_interval(e0, n0, total_e, total_n, kind, z_value(level))
        )
    else:
        note = "reference group has no events: no confidence interval"
    table["paf"] = [np.nan] * len(labels) + [paf]
    table[f"paf_lower_{suffix}"] = [np.nan] * len(labels) + [lo]
    table[f"paf_upper_{suffix}"] = [np.nan] * len(labels) + [hi]
    table[f"excess_lower_{suffix}"] = [np.nan] * len(labels) + [lo * total_e]
    table[f"excess_upper_{suffix}"] = [np.nan] * len(labels) + [hi * total_e]
    table["reference"] = pd.array([str(reference_group)] * (len(labels) + 1), dtype="string")
    table["note"] = pd.array([""] * len(labels) + [note], dtype="string")
    return table
