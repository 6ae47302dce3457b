"""Binomial GLMs (logit link) on the cell table: crude and mutually adjusted odds ratios.

Every model is fitted on grouped counts: cells are collapsed over the model's terms and the
response is ``[events, non-events]`` per covariate pattern. That likelihood has the same score and
information as the record-level (one row per birth) logistic regression, so coefficients and
standard errors are identical, at a small fraction of the cost. See docs/models.md.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm
from statsmodels.genmod.generalized_linear_model import GLMResultsWrapper
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from birthgaps import definitions
from birthgaps.disclosure import is_small, round_to_base
from birthgaps.errors import InputError

try:  # optional: keeps BLAS single-threaded while fitting many small models (see docs/models.md)
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - depends on the environment
    threadpool_limits = None

#: Columns of the table returned by :func:`fit_models` (``models_table`` adds ``area_code`` first).
MODEL_COLUMNS: list[str] = [
    "outcome",
    "model",
    "term",
    "level",
    "reference",
    "odds_ratio",
    "lower_95",
    "upper_95",
    "log_or",
    "se",
    "p_value",
    "n_births",
    "n_events",
    "note",
]
MODELS_TABLE_COLUMNS: list[str] = ["area_code", *MODEL_COLUMNS]

#: Notes written into the ``note`` column.
NOTE_TOO_FEW = "too few events"
NOTE_TOO_FEW_REFERENCE = "too few events in the reference level"
NOTE_SEPARATION = "not estimable (separation)"
NOTE_COLLINEAR = "not estimable (collinear with other terms)"
NOTE_NOT_CONVERGED = "not estimable (fit did not converge)"

#: Pooled area code in :func:`models_table`.
ALL_AREAS = "ALL"

#: Values treated as missing covariates (complete-case analysis leaves these births out).
MISSING_LEVELS: frozenset[str] = frozenset({definitions.UNKNOWN, definitions.NOT_STATED})

#: Canonical level order of known categorical terms (missing levels excluded).
_LEVEL_ORDER: dict[str, list[str]] = {
    "imd_quintile": list(definitions.IMD_QUINTILES),
    "ethnic_group": [g for g in definitions.ETHNIC_GROUPS if g != definitions.NOT_STATED],
    "age_band": list(definitions.AGE_BANDS),
}

#: A fitted coefficient beyond these bounds signals (quasi-)separation, not an estimate.
_MAX_ABS_LOG_OR = 10.0
_MAX_SE = 5.0

_Z95 = float(norm.ppf(0.975))
_CELL_COLUMNS = ("outcome", "events", "denominator")


def _level_key(level: str) -> tuple[int, int, str]:
    """Sort key putting numeric levels (years, quintiles) first, in numeric order."""
    numeric = level.lstrip("-").isdigit()
    return (0 if numeric else 1, int(level) if numeric else 0, level)


def _order_levels(term: str, values: Iterable[Any]) -> list[str]:
    """Levels of ``term`` present in ``values`` in canonical order (other levels sorted after)."""
    present = {str(v) for v in values}
    canonical = _LEVEL_ORDER.get(term, [])
    extras = sorted(present - set(canonical), key=_level_key)
    return [lv for lv in canonical if lv in present] + extras


def _resolve_reference(term: str, reference: dict[str, Any], levels: Sequence[str]) -> str:
    """Reference level of ``term``: the configured value, or the earliest level for ``first``."""
    ref = reference.get(term, "first")
    if ref is None or str(ref) == "first":
        if not levels:
            raise ValueError(f"term {term!r} has no levels to choose a reference from")
        return levels[0]
    return str(ref)


def _collapse(cells: pd.DataFrame, terms: Sequence[str]) -> pd.DataFrame:
    """Sum events and denominators over every column not in ``terms``; terms become strings."""
    frame = cells.loc[:, [*terms, "events", "denominator"]].copy()
    for term in terms:
        frame[term] = frame[term].astype(str)
    grouped = frame.groupby(list(terms), sort=True, observed=True, dropna=False)[
        ["events", "denominator"]
    ].sum()
    return grouped.reset_index()


def _design(
    collapsed: pd.DataFrame, terms: Sequence[str], reference: dict[str, Any]
) -> tuple[np.ndarray, pd.DataFrame, dict[str, str]]:
    """Response ``[events, non-events]``, treatment-coded design matrix and resolved references."""
    events = collapsed["events"].to_numpy(dtype=float)
    denominator = collapsed["denominator"].to_numpy(dtype=float)
    endog = np.column_stack([events, denominator - events])
    columns: dict[str, np.ndarray] = {"Intercept": np.ones(len(collapsed))}
    resolved: dict[str, str] = {}
    for term in terms:
        values = collapsed[term].to_numpy(dtype=object)
        levels = _order_levels(term, values)
        ref = _resolve_reference(term, reference, levels)
        if ref not in levels:
            raise ValueError(f"reference level {ref!r} of term {term!r} is not in the data")
        resolved[term] = ref
        for level in levels:
            if level != ref:
                columns[f"{term}[T.{level}]"] = (values == level).astype(float)
    exog = pd.DataFrame(columns, index=collapsed.index)
    return endog, exog, resolved


def fit_binomial_glm(
    cells: pd.DataFrame, terms: list[str], reference: dict[str, str]
) -> GLMResultsWrapper:
    """Fit a binomial logit GLM to cells collapsed over ``terms`` (treatment coding).

    The response is ``[events, denominator - events]`` per covariate pattern; each term is
    categorical with the reference level from ``reference`` (``"first"`` or absent: the earliest
    level present). Parameters are named ``Intercept`` and ``"<term>[T.<level>]"``.
    """
    _check_cells(cells, terms)
    collapsed = _collapse(cells, terms)
    collapsed = collapsed[collapsed["denominator"] > 0]
    endog, exog, _ = _design(collapsed, terms, reference)
    with warnings.catch_warnings(), _single_threaded_blas():
        # statsmodels flags "perfect prediction" whenever fitted proportions equal observed ones,
        # which every saturated grouped model (e.g. one categorical term) does by construction.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        return sm.GLM(endog, exog, family=sm.families.Binomial()).fit()


def _check_cells(cells: pd.DataFrame, terms: Sequence[str]) -> None:
    """Fail loudly when the cell table lacks a column the model needs."""
    missing = [c for c in [*terms, "events", "denominator"] if c not in cells.columns]
    if missing:
        raise InputError(
            "the cell table lacks columns needed by the models",
            column=", ".join(missing),
            rows=len(cells),
            hint="build cells with birthgaps.cells.make_cells and check models: in the config",
        )


def _sparse_levels(
    data: pd.DataFrame, terms: Sequence[str], min_events: int
) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """Drop cells of levels with fewer than ``min_events`` events or non-events, until none left.

    Dropping a level of one term can thin out a level of another, so this repeats to a fixed point.
    """
    sparse: dict[str, set[str]] = {t: set() for t in terms}
    changed = True
    while changed:
        changed = False
        for term in terms:
            totals = data.groupby(term, sort=True, observed=True)[["events", "denominator"]].sum()
            non_events = totals["denominator"] - totals["events"]
            bad = totals.index[(totals["events"] < min_events) | (non_events < min_events)]
            if len(bad):
                sparse[term].update(str(b) for b in bad)
                data = data[~data[term].isin(bad)]
                changed = True
    return data, sparse


def _dependent_columns(exog: pd.DataFrame) -> list[str]:
    """Design columns that are linear combinations of earlier columns (kept columns come first).

    Works on the small cross-product matrix X'X, column by column: a column whose residual after
    projection on the kept ones is (numerically) zero is aliased, e.g. a level that only occurs
    together with one level of another term.
    """
    matrix = exog.to_numpy()
    gram = matrix.T @ matrix
    kept: list[int] = []
    dependent: list[str] = []
    for j in range(gram.shape[0]):
        if gram[j, j] <= 0:
            dependent.append(exog.columns[j])
            continue
        if kept:
            sub = gram[np.ix_(kept, kept)]
            cross = gram[kept, j]
            residual = gram[j, j] - cross @ np.linalg.solve(sub, cross)
        else:
            residual = gram[j, j]
        if residual <= 1e-9 * gram[j, j]:
            dependent.append(exog.columns[j])
        else:
            kept.append(j)
    return dependent


def _fit_guarded(endog: np.ndarray, exog: pd.DataFrame) -> tuple[Any, bool]:
    """Fit the GLM quietly; return the result (None on failure) and whether it converged.

    statsmodels' PerfectSeparationWarning is swallowed: on grouped counts it also fires for every
    saturated model. Real separation shows up as absurd coefficients or standard errors, which the
    caller checks term by term.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = sm.GLM(endog, exog, family=sm.families.Binomial()).fit()
        except (PerfectSeparationError, np.linalg.LinAlgError, ValueError, FloatingPointError):
            return None, False
    return result, bool(getattr(result, "converged", True))


def _blank_row(
    outcome: str, model: str, term: str, level: str, reference: str, n: int, e: int, note: str
) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "model": model,
        "term": term,
        "level": level,
        "reference": reference,
        "odds_ratio": np.nan,
        "lower_95": np.nan,
        "upper_95": np.nan,
        "log_or": np.nan,
        "se": np.nan,
        "p_value": np.nan,
        "n_births": n,
        "n_events": e,
        "note": note,
    }


def _fit_one_model(
    data: pd.DataFrame,
    outcome: str,
    model: str,
    terms: Sequence[str],
    levels: dict[str, list[str]],
    reference: dict[str, Any],
    min_events: int,
) -> list[dict[str, Any]]:
    """Rows of one model: every non-reference level of every term, estimated or with a note."""
    collapsed = _collapse(data, terms)
    collapsed = collapsed[collapsed["denominator"] > 0]
    fitted, sparse = _sparse_levels(collapsed, terms, min_events)
    n_births = int(fitted["denominator"].sum())
    n_events = int(fitted["events"].sum())

    # Reference levels: configured, or the earliest level that survives the sparse-level filter.
    refs: dict[str, str] = {}
    ref_problem = False
    for term in terms:
        kept = [lv for lv in levels[term] if lv not in sparse[term]]
        kept_present = [lv for lv in _order_levels(term, fitted[term].unique()) if lv in kept]
        ref = reference.get(term, "first")
        if ref is None or str(ref) == "first":
            fallback = levels[term][0] if levels[term] else ""
            refs[term] = kept_present[0] if kept_present else fallback
            ref_problem |= not kept_present
        else:
            refs[term] = str(ref)
            ref_problem |= refs[term] not in kept_present

    def blank(term: str, level: str, note: str) -> dict[str, Any]:
        return _blank_row(outcome, model, term, level, refs[term], n_births, n_events, note)

    too_few_overall = (n_events < min_events) or (n_births - n_events < min_events)
    if too_few_overall or ref_problem:
        note = NOTE_TOO_FEW if too_few_overall else NOTE_TOO_FEW_REFERENCE
        return [blank(t, lv, note) for t in terms for lv in levels[t] if lv != refs[t]]

    endog, exog, _ = _design(fitted, terms, refs)
    dependent = _dependent_columns(exog)
    if dependent:
        exog = exog.drop(columns=dependent)
    result, converged = _fit_guarded(endog, exog)

    rows: list[dict[str, Any]] = []
    for term in terms:
        for level in levels[term]:
            if level == refs[term]:
                continue
            name = f"{term}[T.{level}]"
            if name in dependent:
                rows.append(blank(term, level, NOTE_COLLINEAR))
                continue
            if level in sparse[term] or name not in exog.columns:
                # sparse, or absent from this population altogether
                rows.append(blank(term, level, NOTE_TOO_FEW))
                continue
            if result is None:
                rows.append(blank(term, level, NOTE_SEPARATION))
                continue
            beta = float(result.params[name])
            se = float(result.bse[name])
            finite = bool(np.isfinite(beta) and np.isfinite(se))
            if not finite or abs(beta) > _MAX_ABS_LOG_OR or se > _MAX_SE:
                rows.append(blank(term, level, NOTE_SEPARATION))
                continue
            if not converged:
                rows.append(blank(term, level, NOTE_NOT_CONVERGED))
                continue
            row = blank(term, level, "")
            row.update(
                odds_ratio=float(np.exp(beta)),
                lower_95=float(np.exp(beta - _Z95 * se)),
                upper_95=float(np.exp(beta + _Z95 * se)),
                log_or=beta,
                se=se,
                p_value=float(result.pvalues[name]),
            )
            rows.append(row)
    return rows


def fit_models(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
) -> pd.DataFrame:
    """Crude (one per exposure) and mutually adjusted odds ratios for one outcome and population.

    Complete cases only (Unknown / Not stated covariates left out; the first row's note says how
    many births); levels with fewer than ``min_events`` events or non-events are reported with
    ``note = "too few events"`` and no odds ratio. Rows follow ``MODEL_COLUMNS``.
    """
    terms_all = list(dict.fromkeys([*exposures, *adjust_for]))
    _check_cells(cells, [*terms_all, "outcome"])
    data = cells.loc[cells["outcome"] == outcome, [*terms_all, "events", "denominator"]].copy()
    for term in terms_all:
        data[term] = data[term].astype(str)

    missing = np.zeros(len(data), dtype=bool)
    for term in terms_all:
        missing |= data[term].isin(MISSING_LEVELS).to_numpy()
    total_births = int(data["denominator"].sum())
    left_out = int(data.loc[missing, "denominator"].sum())
    complete = data.loc[~missing]
    cc_note = _complete_case_note(data, terms_all, total_births, left_out)

    # Levels to report: canonical lists for known terms, otherwise the levels in the cells given.
    levels: dict[str, list[str]] = {}
    for term in terms_all:
        present = _order_levels(term, data[term].unique())
        canonical = _LEVEL_ORDER.get(term)
        if canonical is None:
            levels[term] = [lv for lv in present if lv not in MISSING_LEVELS]
        else:
            levels[term] = canonical + [lv for lv in present if lv not in canonical]
            levels[term] = [lv for lv in levels[term] if lv not in MISSING_LEVELS]

    _check_references(reference, levels)

    rows: list[dict[str, Any]] = []
    with _single_threaded_blas():
        for exposure in exposures:
            rows += _fit_one_model(
                complete, outcome, "crude", [exposure], levels, reference, min_events
            )
        rows += _fit_one_model(
            complete, outcome, "adjusted", terms_all, levels, reference, min_events
        )

    table = pd.DataFrame(rows, columns=MODEL_COLUMNS)
    if len(table):
        table.at[0, "note"] = _join_notes(table.at[0, "note"], cc_note)
    return _typed(table, MODEL_COLUMNS)


def _check_references(reference: dict[str, Any], levels: dict[str, list[str]]) -> None:
    """A configured reference level must be a level of its term (a typo must not pass silently)."""
    for term, known in levels.items():
        ref = reference.get(term, "first")
        if ref is None or str(ref) == "first" or not known:
            continue
        if str(ref) not in known:
            raise InputError(
                f"reference level {str(ref)!r} of {term} is not one of its levels",
                key=f"models.reference.{term}",
                hint=f"use one of {known} or 'first'",
            )


def _single_threaded_blas() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread when threadpoolctl is installed (a no-op otherwise).

    The design matrices here are small (at most a few thousand rows by a few dozen columns):
    multi-threaded LAPACK gains nothing on them and, on a busy machine, waits for cores.
    """
    if threadpool_limits is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _complete_case_note(
    data: pd.DataFrame, terms: Sequence[str], total_births: int, left_out: int
) -> str:
    """Say how many births the complete-case rule left out, and why (a birth may count twice)."""
    share = f" ({left_out / total_births:.1%})" if total_births else ""
    note = f"complete cases: {left_out:,} of {total_births:,} births{share} left out"
    reasons = []
    for term in terms:
        for value in sorted(MISSING_LEVELS):
            n = int(data.loc[data[term] == value, "denominator"].sum())
            if n:
                reasons.append(f"{term} {value} {n:,}")
    return f"{note} ({', '.join(reasons)})" if reasons else note


def _join_notes(*notes: str) -> str:
    """Join non-empty notes with '; '."""
    return "; ".join(n for n in notes if n)


def _typed(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Stable dtypes whatever the number of rows (strings, float64, int64)."""
    table = table.loc[:, columns].reset_index(drop=True)
    for col in ("odds_ratio", "lower_95", "upper_95", "log_or", "se", "p_value"):
        table[col] = table[col].astype("float64")
    for col in ("n_births", "n_events"):
        table[col] = table[col].astype("int64")
    for col in ("area_code", "outcome", "model", "term", "level", "reference", "note"):
        if col in table.columns:
            table[col] = table[col].astype(str)
    return table


def models_table(cells: pd.DataFrame, model_config: dict, areas: dict[str, str]) -> pd.DataFrame:
    """Models for each area in ``areas`` (config order), then all of them pooled (``"ALL"``).

    ``model_config`` is the config's ``models:`` block (outcomes, exposures, adjust_for, reference,
    min_events). Rows are ordered area, outcome (config order), model, term, level.
    """
    _check_cells(cells, ["area_code", *_CELL_COLUMNS])
    exposures = list(model_config["exposures"])
    adjust_for = list(model_config.get("adjust_for", []))
    reference = dict(model_config.get("reference", {}))
    min_events = int(model_config.get("min_events", 5))
    area_codes = cells["area_code"].astype(str)
    populations = [(code, cells[area_codes == code]) for code in areas]
    populations.append((ALL_AREAS, cells[area_codes.isin(list(areas))]))

    parts = []
    for code, subset in populations:
        for outcome in model_config["outcomes"]:
            part = fit_models(subset, outcome, exposures, adjust_for, reference, min_events)
            part.insert(0, "area_code", code)
            parts.append(part)
    table = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=MODELS_TABLE_COLUMNS)
    )
    return _typed(table, MODELS_TABLE_COLUMNS)


_CC_NOTE = re.compile(
    r"complete cases: (?P<left>[\d,]+) of (?P<total>[\d,]+) births(?: \([\d.]+%\))? left out"
    r"(?: \((?P<reasons>[^)]*)\))?"
)
_CC_REASON = re.compile(r"(?P<term>\S+) (?P<value>Unknown|Not stated) (?P<n>[\d,]+)")


def publish_models(table: pd.DataFrame, rules: dict) -> pd.DataFrame:
    """Disclosure control of the counts in a models table (estimates stay from unrounded data).

    ``rules`` is the config's ``disclosure:`` block: ``n_births`` and ``n_events`` and the counts in
    the complete-case note are rounded to ``rounding_base``; counts in the suppression range become
    <NA> (columns) or ``c`` (note), and the note's percentage is recomputed from rounded counts.
    """
    low, high, base = rules["suppress_min"], rules["suppress_max"], rules["rounding_base"]
    out = table.copy()
    for column in ("n_births", "n_events"):
        out[column] = round_to_base(out[column], base).mask(is_small(out[column], low, high))

    def count(text: str) -> tuple[str, int | None]:
        n = int(text.replace(",", ""))
        if low <= n <= high:
            return "c", None
        rounded = int(np.floor(n / base + 0.5) * base)
        return f"{rounded:,}", rounded

    def control(match: re.Match) -> str:
        left, left_n = count(match["left"])
        total, total_n = count(match["total"])
        share = f" ({left_n / total_n:.1%})" if left_n is not None and total_n else ""
        text = f"complete cases: {left} of {total} births{share} left out"
        if match["reasons"]:
            reasons = [
                f"{r['term']} {r['value']} {count(r['n'])[0]}"
                for r in _CC_REASON.finditer(match["reasons"])
            ]
            text += f" ({', '.join(reasons)})"
        return text

    out["note"] = [_CC_NOTE.sub(control, str(note)) for note in out["note"]]
    return out
