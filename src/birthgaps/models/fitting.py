"""Regression models on the cell table: odds ratios, risk ratios, interaction, excess explained.

Every model is fitted on grouped counts: cells are collapsed over the model's terms and each
covariate pattern contributes its events and births. The grouped likelihood has the same score and
information as the record-level (one row per birth) model, so coefficients and standard errors are
identical, at a small fraction of the cost. What this module fits (docs/models.md):

- odds ratios: binomial GLM, logit link, response ``[events, non-events]``, model-based errors;
- risk ratios: modified Poisson (Zou 2004): Poisson GLM, log link, ``events`` with a
  ``log(denominator)`` offset, robust (HC0 sandwich) errors computed exactly from the cells;
- the likelihood-ratio test of an interaction (ethnic group x IMD quintile) and stratified ORs;
- how much of each ethnic group's excess deprivation explains (% attenuation on the log scale);
- fit summaries: record-level log-likelihood, deviance and AIC, and the c-statistic from the cells.

Disclosure control ("protect first, derive after", docs/models.md): given the published rates
table, the crude ratios (saturated one-factor models, functions of a table of counts) are computed
from its protected counts, and a level whose rates row is withheld is withheld here too and left
out of the fitted models. :func:`publish_model_tables` then rounds what the fitted models give to
a precision that cannot give counts back and builds the complete-case notes from protected counts.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit, xlogy
from scipy.stats import chi2, norm
from statsmodels.genmod.generalized_linear_model import GLMResultsWrapper
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from birthgaps.core import codes as definitions
from birthgaps.core.disclosure import is_small, round_to_base
from birthgaps.core.errors import InputError
from birthgaps.core.model_columns import (  # noqa: F401 (re-exported: the tables' contracts)
    _LOG_NAME,
    EXCESS_COLUMNS,
    FIT_COLUMNS,
    INTERACTION_COLUMNS,
    MODEL_COLUMNS,
    MODEL_OUTPUTS,
    MODELS_TABLE_COLUMNS,
    PUBLISHED_COLUMNS,
    RISK_RATIO_COLUMNS,
    RISK_RATIO_TABLE_COLUMNS,
    STRATIFIED_COLUMNS,
    UNPUBLISHED_COLUMNS,
)
from birthgaps.stats.measures import odds_ratio as woolf_odds_ratio
from birthgaps.stats.measures import rate_ratio

try:  # optional: keeps BLAS single-threaded while fitting many small models (see docs/models.md)
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - depends on the environment
    threadpool_limits = None

Family = Literal["logit", "poisson"]

#: Ratio measure -> GLM family that estimates it.
MEASURE_FAMILY: dict[str, Family] = {"odds_ratio": "logit", "risk_ratio": "poisson"}
TABLE_KEYS: tuple[str, ...] = (
    "odds_ratios",
    "risk_ratios",
    "interaction",
    "stratified",
    "excess_explained",
    "fit",
)
_TABLE_COLUMNS: dict[str, list[str]] = {
    "odds_ratios": MODEL_COLUMNS,
    "risk_ratios": RISK_RATIO_COLUMNS,
    "interaction": INTERACTION_COLUMNS,
    "stratified": STRATIFIED_COLUMNS,
    "excess_explained": EXCESS_COLUMNS,
    "fit": FIT_COLUMNS,
}

#: Notes written into the ``note`` column.
NOTE_TOO_FEW = "too few events"
NOTE_TOO_FEW_REFERENCE = "too few events in the reference level"
NOTE_SEPARATION = "not estimable (separation)"
NOTE_COLLINEAR = "not estimable (collinear with other terms)"
NOTE_NOT_CONVERGED = "not estimable (fit did not converge)"
NOTE_RISK_ABOVE_ONE = "fitted risk above 1 in some covariate patterns"
NOTE_NO_INTERACTION = "no estimable interaction term"
NOTE_BASE_NEAR_ONE = "base ratio near 1 (its 95% CI includes 1): no excess to explain"
NOTE_BASE_BELOW_ONE = "base ratio below 1: the percentage is of the deficit"
NOTE_WORKING_LIKELIHOOD = "modified Poisson: working likelihood, no deviance or AIC"
#: A level, stratum or combination whose row of the published rates table is withheld. The same
#: words as the marker's explanation, and never "too few events": that would tell a reader that a
#: hidden count lies below the threshold.
NOTE_WITHHELD = "[c] withheld to protect confidentiality"
#: The population of the crude rows computed from the published rates table.
NOTE_CRUDE_FROM_RATES = (
    "crude: from the published counts of rates.csv (births with the level stated)"
)
#: Extra key of :func:`model_tables`: the complete-case counts behind the notes (restricted).
COMPLETE_CASES = "complete_cases"
#: Marker of a withheld count written into a note.
WITHHELD_MARKER = "[c]"

#: Extra key of :func:`model_tables`: why an analysis gives a table no rows (EMPTY_REASON_COLUMNS).
EMPTY_REASONS = "empty_reasons"
EMPTY_REASON_COLUMNS = ["table", "area_code", "outcome", "reason", "p_value"]
#: How a term recorded for no birth is described in notes.
_UNSTATED_WORDS = {
    "ethnic_group": "ethnicity is not stated for any birth",
    "imd_quintile": "the IMD quintile is unknown for every birth",
    "age_band": "the mother's age is unknown for every birth",
    "year": "the year is unknown for every birth",
}
#: Start of the reason given when stratified estimates are shown only for a significant interaction.
STRATIFIED_WHEN_SIGNIFICANT = (
    "stratified estimates are shown only when the interaction is significant"
)

#: Pooled area code in the area-by-area tables.
ALL_AREAS = "ALL"

#: Values treated as missing covariates (complete-case analysis leaves these births out).
MISSING_LEVELS: frozenset[str] = frozenset({definitions.UNKNOWN, definitions.NOT_STATED})

#: Canonical level order of known categorical terms (missing levels excluded).
_LEVEL_ORDER: dict[str, list[str]] = {
    "imd_quintile": list(definitions.IMD_QUINTILES),
    "ethnic_group": [g for g in definitions.ETHNIC_GROUPS if g != definitions.NOT_STATED],
    "age_band": list(definitions.AGE_BANDS),
}

#: Defaults of the optional ``models:`` keys (config/README.md).
DEFAULT_INTERACTION_TERMS: tuple[str, str] = ("imd_quintile", "ethnic_group")
DEFAULT_P_THRESHOLD = 0.05
STRATIFIED_CHOICES: tuple[str, ...] = ("always", "when_significant")
DEFAULT_EXCESS_EXPOSURE = "ethnic_group"
#: What a fitted model does when a configured reference level is too sparse (fewer than
#: ``min_events`` events or non-events), absent, or withheld in the published rates table
#: (docs/models.md, "Sparse reference levels"): ``nearest`` uses the nearest usable level instead
#: (ordered terms) or the usable level with most births (ethnic group); ``none`` blanks that term's
#: rows only. Either way the other terms keep their estimates.
REFERENCE_FALLBACKS: tuple[str, ...] = ("nearest", "none")
DEFAULT_REFERENCE_FALLBACK = "nearest"
#: Terms whose levels have an order, so that "nearest" means the adjacent level.
_ORDERED_TERMS = frozenset({"imd_quintile", "age_band", "year"})
DEFAULT_EXPLAINED_BY: tuple[str, ...] = ("imd_quintile",)

#: A fitted coefficient beyond these bounds signals (quasi-)separation, not an estimate.
_MAX_ABS_LOG_OR = 10.0
_MAX_SE = 5.0

_Z95 = float(norm.ppf(0.975))
_CELL_COLUMNS = ("outcome", "events", "denominator")
_FLOAT_COLUMNS = {
    "odds_ratio",
    "risk_ratio",
    "lower_95",
    "upper_95",
    "log_or",
    "log_rr",
    "se",
    "p_value",
    "lr_statistic",
    "p_threshold",
    "interaction_p_value",
    "base_ratio",
    "base_lower_95",
    "base_upper_95",
    "adjusted_ratio",
    "adjusted_lower_95",
    "adjusted_upper_95",
    "log_ratio_change",
    "change_lower_95",
    "change_upper_95",
    "pct_explained",
    "pct_lower_95",
    "pct_upper_95",
    "log_likelihood",
    "deviance",
    "aic",
    "pattern_deviance",
    "pattern_p_value",
    "c_statistic",
}
_INT_COLUMNS = {"n_combinations"}
_NULLABLE_INT_COLUMNS = {
    "n_births",
    "n_events",
    "df",
    "n_sparse_combinations",
    "n_empty_combinations",
    "n_parameters",
    "n_patterns",
    "pattern_df",
}
_BOOL_COLUMNS = {"significant", "interaction_significant"}


# ---------------------------------------------------------------------------------------------
# Levels, references, collapsing and design matrices
# ---------------------------------------------------------------------------------------------


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


def _is_positional(ref: Any) -> bool:
    """True for the positional references ``first`` / ``last`` (or no reference at all)."""
    return ref is None or str(ref) in ("first", "last")


def _pick_reference(ref: Any, levels: Sequence[str]) -> str:
    """The configured reference, or the earliest (``first``) / latest (``last``) of ``levels``."""
    if ref is not None and str(ref) == "last":
        return levels[-1]
    if _is_positional(ref):
        return levels[0]
    return str(ref)


def _resolve_reference(term: str, reference: dict[str, Any], levels: Sequence[str]) -> str:
    """Reference level of ``term``: the configured value, or the first/last level present."""
    ref = reference.get(term, "first")
    if _is_positional(ref) and not levels:
        raise ValueError(f"term {term!r} has no levels to choose a reference from")
    return _pick_reference(ref, levels)


def unstated_words(term: str) -> str:
    """``ethnicity is not stated for any birth`` (or the same for another term)."""
    return _UNSTATED_WORDS.get(term, f"{term} is unknown for every birth")


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


def _check_cells(cells: pd.DataFrame, terms: Sequence[str]) -> None:
    """Fail loudly when the cell table lacks a column the model needs."""
    missing = [c for c in [*terms, "events", "denominator"] if c not in cells.columns]
    if missing:
        raise InputError(
            "the cell table lacks columns needed by the models",
            column=", ".join(missing),
            rows=len(cells),
            hint="build cells with birthgaps.clean.cells.make_cells and check models: in the config",
        )


def _sparse_levels(
    data: pd.DataFrame, terms: Sequence[str], min_events: int
) -> tuple[pd.DataFrame, dict[str, set[str]]]:
    """Drop cells of levels with fewer than ``min_events`` events or non-events, until none left.

    Dropping a level of one term can thin out a level of another, so this repeats to a fixed point.
    """
    sparse: dict[str, set[str]] = {t: set() for t in terms}
    values = {t: data[t].to_numpy(dtype=str) for t in terms}
    events = data["events"].to_numpy(dtype=float)
    births = data["denominator"].to_numpy(dtype=float)
    keep = np.ones(len(data), dtype=bool)
    changed = True
    while changed:
        changed = False
        for term in terms:
            levels, inverse = np.unique(values[term][keep], return_inverse=True)
            e = np.bincount(inverse, weights=events[keep], minlength=len(levels))
            n = np.bincount(inverse, weights=births[keep], minlength=len(levels))
            bad = levels[(e < min_events) | (n - e < min_events)]
            if len(bad):
                sparse[term].update(str(b) for b in bad)
                keep &= ~np.isin(values[term], bad)
                changed = True
    return data[keep], sparse


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


# ---------------------------------------------------------------------------------------------
# Fitting: grouped GLMs, the exact grouped sandwich, record-level fit statistics
# ---------------------------------------------------------------------------------------------


def _glm(events: np.ndarray, denominator: np.ndarray, exog: Any, family: Family) -> sm.GLM:
    """The grouped GLM of ``family``: binomial ``[events, non-events]`` or Poisson with offset."""
    if family == "logit":
        endog = np.column_stack([events, denominator - events])
        return sm.GLM(endog, exog, family=sm.families.Binomial())
    return sm.GLM(events, exog, family=sm.families.Poisson(), offset=np.log(denominator))


def _risk(x: np.ndarray, params: np.ndarray, family: Family) -> np.ndarray:
    """Fitted risk per birth of each pattern: expit(x'b) (logit) or exp(x'b) (log link)."""
    eta = x @ params
    if family == "logit":
        return expit(eta)
    with np.errstate(over="ignore"):
        return np.exp(eta)


def _information(x: np.ndarray, denominator: np.ndarray, risk: np.ndarray, family: Family):
    """Fisher information X' W X of the canonical-link GLM (record level = grouped)."""
    variance = risk * (1 - risk) if family == "logit" else risk
    return x.T @ (x * (denominator * variance)[:, None])


def _score_cross(
    x1: np.ndarray,
    x2: np.ndarray,
    events: np.ndarray,
    denominator: np.ndarray,
    risk1: np.ndarray,
    risk2: np.ndarray,
) -> np.ndarray:
    """Sum over births of score1 score2' for two canonical-link fits on the same births.

    A birth's score is x (y - risk). In a pattern with n births, e events and fitted risks r1, r2
    the births' products sum to x1 x2' [e (1-r1)(1-r2) + (n-e) r1 r2], so the record-level sum
    is computed exactly from the cells.
    """
    weight = events * (1 - risk1) * (1 - risk2) + (denominator - events) * risk1 * risk2
    return x1.T @ (x2 * weight[:, None])


def grouped_sandwich(
    x: np.ndarray,
    events: np.ndarray,
    denominator: np.ndarray,
    risk: np.ndarray,
    family: Family = "poisson",
) -> np.ndarray:
    """Robust (HC0 sandwich) covariance of a logit or log-Poisson GLM, exactly from grouped counts.

    Equals the record-level ``GLM(y, X).fit(cov_type="HC0")``: bread = inverse information,
    meat = sum over births of squared scores, x x' [e (1-r)^2 + (n-e) r^2] per pattern (Zou 2004).
    """
    x = np.asarray(x, dtype=float)
    events = np.asarray(events, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    risk = np.asarray(risk, dtype=float)
    bread = np.linalg.inv(_information(x, denominator, risk, family))
    meat = _score_cross(x, x, events, denominator, risk, risk)
    return bread @ meat @ bread


def binomial_loglik(events: Any, denominator: Any, risk: Any) -> float:
    """Record-level (Bernoulli) log-likelihood from cells: sum of e log r + (n - e) log(1 - r).

    This is the log-likelihood of the one-row-per-birth logistic fit (statsmodels' ``llf``); the
    grouped binomial likelihood adds the constant sum of log C(n, e).
    """
    e = np.asarray(events, dtype=float)
    n = np.asarray(denominator, dtype=float)
    r = np.asarray(risk, dtype=float)
    return float(np.sum(xlogy(e, r) + xlogy(n - e, 1 - r)))


def c_statistic(events: Any, denominator: Any, risk: Any) -> float:
    """Area under the ROC curve from cells: every birth in a cell shares the cell's predicted risk.

    The probability that a birth with the event has a higher predicted risk than one without,
    ties counted as 1/2 (the Mann-Whitney form), computed exactly from grouped counts: NaN when
    there are no events or no non-events.
    """
    e = np.asarray(events, dtype=float)
    m = np.asarray(denominator, dtype=float) - e
    r = np.asarray(risk, dtype=float)
    total_e, total_m = e.sum(), m.sum()
    if total_e <= 0 or total_m <= 0 or not np.all(np.isfinite(r)):
        return float("nan")
    values, inverse = np.unique(r, return_inverse=True)
    e_k = np.bincount(inverse, weights=e, minlength=len(values))
    m_k = np.bincount(inverse, weights=m, minlength=len(values))
    below = np.cumsum(m_k) - m_k  # non-events with a strictly lower predicted risk
    return float(np.sum(e_k * (below + 0.5 * m_k)) / (total_e * total_m))


def _fit_guarded(
    events: np.ndarray, denominator: np.ndarray, exog: pd.DataFrame, family: Family
) -> tuple[Any, bool]:
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
            result = _glm(events, denominator, exog, family).fit()
        except (PerfectSeparationError, np.linalg.LinAlgError, ValueError, FloatingPointError):
            return None, False
    return result, bool(getattr(result, "converged", True))


@dataclass
class _Population:
    """Complete-case cells of one model collapsed over its terms, after the sparse-level rule."""

    cells: pd.DataFrame
    terms: tuple[str, ...]
    sparse: dict[str, set[str]]
    refs: dict[str, str]
    problem: str
    n_births: Any  # int; <NA> when the population is withheld
    n_events: Any  # int; <NA> when the population is withheld
    #: levels left out because their row of the published rates table is withheld
    withheld: dict[str, set[str]] = field(default_factory=dict)
    #: term -> note of a configured reference replaced by the fallback (the rows keep estimates)
    moved: dict[str, str] = field(default_factory=dict)
    #: term -> note of a term whose unusable reference blanks its own rows (fallback ``none``)
    blanked: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class _Fit:
    """One fitted model: kept design columns, estimates, covariance and fitted risks per pattern."""

    family: Family
    names: list[str]
    dependent: list[str]
    x: np.ndarray
    events: np.ndarray
    denominator: np.ndarray
    params: np.ndarray | None = None
    cov: np.ndarray | None = None
    risk: np.ndarray | None = None
    deviance: float = float("nan")
    converged: bool = False
    extra: list[str] = field(default_factory=list)

    def index(self, name: str) -> int:
        """Position of design column ``name`` among the kept columns."""
        return self.names.index(name)


def _prepare(
    data: pd.DataFrame,
    terms: Sequence[str],
    levels: dict[str, list[str]],
    reference: dict[str, Any],
    min_events: int,
    withheld: dict[str, set[str]] | None = None,
    fallback: str = DEFAULT_REFERENCE_FALLBACK,
) -> _Population:
    """Collapse over ``terms``, apply the sparse-level rule and resolve the reference levels.

    Levels in ``withheld`` (their rates row is withheld) are left out first, whatever their
    counts, so that no decision here depends on a hidden count. A configured reference that is
    sparse, absent or withheld is replaced by :func:`fallback_reference` (``fallback``).
    """
    withheld = {t: set((withheld or {}).get(t, set())) for t in terms}
    collapsed = _collapse(data, terms)
    collapsed = collapsed[collapsed["denominator"] > 0]
    for term in terms:
        if withheld[term]:
            collapsed = collapsed[~collapsed[term].isin(withheld[term])]
    fitted, sparse = _sparse_levels(collapsed, terms, min_events)
    n_births = int(fitted["denominator"].sum())
    n_events = int(fitted["events"].sum())

    # Reference levels: configured, or the first/last level that survives the sparse-level filter;
    # a configured level that did not survive is replaced by the fallback (the other terms never
    # lose their estimates because of this term's reference).
    refs: dict[str, str] = {}
    moved: dict[str, str] = {}
    blanked: dict[str, tuple[str, str]] = {}
    ref_problem = False
    births = {t: fitted.groupby(t)["denominator"].sum().to_dict() for t in terms}
    for term in terms:
        kept = [lv for lv in levels[term] if lv not in sparse[term] | withheld[term]]
        kept_present = [lv for lv in _order_levels(term, fitted[term].unique()) if lv in kept]
        ref = reference.get(term, "first")
        if _is_positional(ref):
            first = levels[term][0] if levels[term] else ""
            refs[term] = _pick_reference(ref, kept_present) if kept_present else first
            ref_problem |= not kept_present
            continue
        refs[term] = str(ref)
        if refs[term] in kept_present:
            continue
        if not kept_present:
            ref_problem = True
            continue
        hidden = refs[term] in withheld[term]
        refs[term] = fallback_reference(term, str(ref), kept_present, levels[term], births[term])
        if fallback == "none":
            note = NOTE_WITHHELD if hidden else f"{NOTE_TOO_FEW_REFERENCE} ({term} {ref})"
            blanked[term] = (str(ref), note)
        else:
            moved[term] = reference_note(term, str(ref), refs[term], hidden, min_events)

    too_few_overall = (n_events < min_events) or (n_births - n_events < min_events)
    problem = NOTE_TOO_FEW_REFERENCE if ref_problem else ""
    if too_few_overall:
        problem = NOTE_TOO_FEW
    return _Population(
        fitted,
        tuple(terms),
        sparse,
        refs,
        problem,
        n_births,
        n_events,
        withheld=withheld,
        moved=moved,
        blanked=blanked,
    )


def fallback_reference(
    term: str,
    configured: str,
    usable: Sequence[str],
    levels: Sequence[str],
    births: dict[str, Any],
) -> str:
    """The level used instead of an unusable configured reference (docs/models.md).

    Ordered terms (IMD quintile, age band, year): the usable level nearest to ``configured`` in
    ``levels`` (a tie goes to the level with more births), so quintile 5 falls back to 4. Ethnic
    group, which has no order: the usable level with most births.
    """
    order = list(levels)

    def size(level: str) -> float:
        return float(births.get(level, 0))

    if term in _ORDERED_TERMS and configured in order:
        at = order.index(configured)
        return min(
            usable,
            key=lambda lv: (abs(order.index(lv) - at) if lv in order else len(order), -size(lv)),
        )
    return max(usable, key=lambda lv: (size(lv), -usable.index(lv)))


def reference_note(term: str, configured: str, used: str, hidden: bool, min_events: int) -> str:
    """Note of the rows of ``term`` whose configured reference was replaced by ``used``.

    Names the term and says why; a withheld reference is never called sparse (that would tell
    a reader that its hidden count is small)."""
    why = (
        f"the published row for {configured} is withheld"
        if hidden
        else f"{configured} has fewer than {min_events} events or non-events"
    )
    return f"{term} reference {used}, not {configured}: {why}"


def _derive(population: _Population, terms: Sequence[str]) -> _Population:
    """The same births as ``population`` collapsed over fewer ``terms`` (no new sparse rule)."""
    cells = _collapse(population.cells, terms)
    return _Population(
        cells=cells[cells["denominator"] > 0],
        terms=tuple(terms),
        sparse={t: population.sparse[t] for t in terms},
        refs={t: population.refs[t] for t in terms},
        problem=population.problem,
        n_births=population.n_births,
        n_events=population.n_events,
        withheld={t: population.withheld.get(t, set()) for t in terms},
        moved={t: n for t, n in population.moved.items() if t in terms},
        blanked={t: n for t, n in population.blanked.items() if t in terms},
    )


def _fit_population(
    population: _Population, family: Family, extra: dict[str, np.ndarray] | None = None
) -> _Fit | None:
    """Fit ``family`` to a prepared population (plus ``extra`` design columns); None if unfittable.

    Aliased columns are dropped first. Logit fits keep statsmodels' model-based covariance;
    Poisson (modified Poisson) fits get the exact grouped HC0 sandwich.
    """
    if population.problem:
        return None
    endog, exog, _ = _design(population.cells, population.terms, population.refs)
    if extra:
        exog = pd.concat([exog, pd.DataFrame(extra, index=exog.index)], axis=1)
    dependent = _dependent_columns(exog)
    if dependent:
        exog = exog.drop(columns=dependent)
    events = endog[:, 0]
    denominator = endog[:, 0] + endog[:, 1]
    fit = _Fit(
        family=family,
        names=list(exog.columns),
        dependent=dependent,
        x=exog.to_numpy(dtype=float),
        events=events,
        denominator=denominator,
        extra=[name for name in (extra or {}) if name in exog.columns],
    )
    result, converged = _fit_guarded(events, denominator, exog, family)
    if result is None:
        return fit
    fit.params = result.params.to_numpy(dtype=float)
    fit.converged = converged
    fit.deviance = float(result.deviance)
    fit.risk = _risk(fit.x, fit.params, family)
    if family == "logit":
        fit.cov = result.cov_params().to_numpy(dtype=float)
    else:
        with np.errstate(all="ignore"):
            try:
                fit.cov = grouped_sandwich(fit.x, events, denominator, fit.risk, family)
            except np.linalg.LinAlgError:
                fit.cov = np.full((len(fit.names), len(fit.names)), np.nan)
    return fit


def fit_binomial_glm(
    cells: pd.DataFrame, terms: list[str], reference: dict[str, str]
) -> GLMResultsWrapper:
    """Fit a binomial logit GLM to cells collapsed over ``terms`` (treatment coding).

    The response is ``[events, denominator - events]`` per covariate pattern; each term is
    categorical with the reference level from ``reference`` (``"first"``/``"last"`` or absent: the
    earliest/latest level present). Parameters are named ``Intercept`` and ``"<term>[T.<level>]"``.
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


@dataclass
class RobustFit:
    """A modified Poisson fit: log risk ratios, their robust (HC0) covariance and the GLM result."""

    params: pd.Series
    cov: pd.DataFrame
    bse: pd.Series
    result: GLMResultsWrapper


def fit_modified_poisson(
    cells: pd.DataFrame, terms: list[str], reference: dict[str, str]
) -> RobustFit:
    """Modified Poisson (Zou 2004) on cells collapsed over ``terms``: log RRs with HC0 errors.

    Poisson GLM with log link, ``events`` as response and ``log(denominator)`` as offset; the
    sandwich is computed exactly from the cells and equals the record-level HC0 sandwich.
    """
    _check_cells(cells, terms)
    collapsed = _collapse(cells, terms)
    collapsed = collapsed[collapsed["denominator"] > 0]
    endog, exog, _ = _design(collapsed, terms, reference)
    events, denominator = endog[:, 0], endog[:, 0] + endog[:, 1]
    with warnings.catch_warnings(), _single_threaded_blas():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        result = _glm(events, denominator, exog, "poisson").fit()
    x = exog.to_numpy(dtype=float)
    risk = _risk(x, result.params.to_numpy(dtype=float), "poisson")
    cov = grouped_sandwich(x, events, denominator, risk, "poisson")
    names = list(exog.columns)
    cov_frame = pd.DataFrame(cov, index=names, columns=names)
    bse = pd.Series(np.sqrt(np.diag(cov)), index=names)
    return RobustFit(params=result.params, cov=cov_frame, bse=bse, result=result)


# ---------------------------------------------------------------------------------------------
# Rows of the tables
# ---------------------------------------------------------------------------------------------


def _blank_row(
    outcome: str, model: str, term: str, level: str, reference: str, n: int, e: int, note: str
) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "model": model,
        "term": term,
        "level": level,
        "reference": reference,
        "ratio": np.nan,
        "lower_95": np.nan,
        "upper_95": np.nan,
        "log_ratio": np.nan,
        "se": np.nan,
        "p_value": np.nan,
        "n_births": n,
        "n_events": e,
        "note": note,
    }


def _ratio_rows(
    population: _Population,
    fit: _Fit | None,
    outcome: str,
    model: str,
    levels: dict[str, list[str]],
    report: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Rows of one model: every non-reference level of every reported term, estimated or noted.

    Keys are generic (``ratio``, ``log_ratio``); :func:`_ratio_frame` names them for the measure.
    """
    refs = population.refs

    def blank(term: str, level: str, note: str) -> dict[str, Any]:
        return _blank_row(
            outcome, model, term, level, refs[term], population.n_births, population.n_events, note
        )

    terms = list(report) if report is not None else list(population.terms)
    if population.problem:
        return [
            blank(t, lv, population.problem) for t in terms for lv in levels[t] if lv != refs[t]
        ]

    risk_note = ""
    poisson = fit is not None and fit.family == "poisson" and fit.risk is not None
    if poisson and np.any(fit.risk[fit.denominator > 0] > 1):
        risk_note = NOTE_RISK_ABOVE_ONE

    rows: list[dict[str, Any]] = []
    for term in terms:
        if term in population.blanked:  # this term's reference is unusable (fallback "none")
            configured, note = population.blanked[term]
            for level in levels[term]:
                if level != configured:
                    row = blank(term, level, note)
                    row["reference"] = configured
                    rows.append(row)
            continue
        moved = population.moved.get(term, "")
        for level in levels[term]:
            if level == refs[term]:
                continue
            name = f"{term}[T.{level}]"
            if level in population.withheld.get(term, ()):
                rows.append(blank(term, level, NOTE_WITHHELD))
                continue
            if fit is not None and name in fit.dependent:
                rows.append(blank(term, level, NOTE_COLLINEAR))
                continue
            if level in population.sparse[term] or fit is None or name not in fit.names:
                # sparse, or absent from this population altogether
                rows.append(blank(term, level, NOTE_TOO_FEW))
                continue
            if fit.params is None or fit.cov is None:
                rows.append(blank(term, level, NOTE_SEPARATION))
                continue
            j = fit.index(name)
            beta = float(fit.params[j])
            variance = float(fit.cov[j, j])
            se = float(np.sqrt(variance)) if variance >= 0 else float("nan")
            finite = bool(np.isfinite(beta) and np.isfinite(se))
            if not finite or abs(beta) > _MAX_ABS_LOG_OR or se > _MAX_SE:
                rows.append(blank(term, level, NOTE_SEPARATION))
                continue
            if not fit.converged:
                rows.append(blank(term, level, NOTE_NOT_CONVERGED))
                continue
            row = blank(term, level, _join_notes(moved, risk_note))
            row.update(
                ratio=float(np.exp(beta)),
                lower_95=float(np.exp(beta - _Z95 * se)),
                upper_95=float(np.exp(beta + _Z95 * se)),
                log_ratio=beta,
                se=se,
                p_value=float(2 * norm.sf(abs(beta / se))) if se > 0 else float("nan"),
            )
            rows.append(row)
    return rows


def _ratio_frame(rows: list[dict[str, Any]], measure: str, columns: list[str]) -> pd.DataFrame:
    """Rows with generic keys -> a typed table naming the ratio for ``measure``."""
    frame = pd.DataFrame(rows)
    frame = frame.rename(columns={"ratio": measure, "log_ratio": _LOG_NAME[measure]})
    frame = frame.reindex(columns=columns)
    return _typed(frame, columns)


def _join_notes(*notes: str) -> str:
    """Join non-empty notes with '; '."""
    return "; ".join(n for n in notes if n)


def _typed(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Stable dtypes whatever the number of rows (strings, float64, int64, Int64, bool)."""
    table = table.reindex(columns=columns).reset_index(drop=True)
    for col in columns:
        if col in _FLOAT_COLUMNS:
            table[col] = table[col].astype("float64")
        elif col in _INT_COLUMNS:
            table[col] = table[col].astype("int64")
        elif col in _NULLABLE_INT_COLUMNS:
            table[col] = pd.array(table[col], dtype="Float64").astype("Int64")
        elif col in _BOOL_COLUMNS:
            table[col] = table[col].fillna(False).astype(bool)
        else:
            table[col] = table[col].fillna("").astype(str)
    return table


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


def _check_references(reference: dict[str, Any], levels: dict[str, list[str]]) -> None:
    """A configured reference level must be a level of its term (a typo must not pass silently)."""
    for term, known in levels.items():
        ref = reference.get(term, "first")
        if _is_positional(ref) or not known:
            continue
        if str(ref) not in known:
            raise InputError(
                f"reference level {str(ref)!r} of {term} is not one of its levels",
                key=f"models.reference.{term}",
                hint=f"use one of {known}, 'first' or 'last'",
            )


# ---------------------------------------------------------------------------------------------
# The published rates table: protected counts and withheld rows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedRow:
    """One row of the published rates table: rounded counts, or withheld (counts ``None``)."""

    events: int | None
    denominator: int | None

    @property
    def withheld(self) -> bool:
        return self.events is None or self.denominator is None


#: (dimension, group) -> published row, for one area and outcome.
Published = dict[tuple[str, str], PublishedRow]

_RATES_KEYS = ("area_code", "outcome", "dimension", "group", "events", "denominator", "suppressed")


def _flag(value: Any) -> bool:
    """A ``suppressed`` cell read from a CSV or a frame: True, "True", 1 -> True."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value) if not pd.isna(value) else False


def _count_or_none(value: Any) -> int | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else int(number)


def published_rates(rates: pd.DataFrame) -> dict[tuple[str, str], Published]:
    """Index the published rates table by (area, outcome): (dimension, group) -> PublishedRow.

    A row flagged ``suppressed`` (or with a blank count) is withheld. Groups are stripped text,
    so "1" and "1 | Asian" match the model levels.
    """
    missing = [c for c in _RATES_KEYS if c not in rates.columns]
    if missing:
        raise InputError(
            "the published rates table lacks columns the models need",
            column=", ".join(missing),
            hint="pass the published rates.csv (rule rates) to the models",
        )
    out: dict[tuple[str, str], Published] = {}
    for area, outcome, dimension, group, events, denominator, suppressed in zip(
        *(rates[c] for c in _RATES_KEYS), strict=True
    ):
        hidden = _flag(suppressed)
        row = PublishedRow(
            None if hidden else _count_or_none(events),
            None if hidden else _count_or_none(denominator),
        )
        key = (str(area).strip(), str(outcome).strip())
        out.setdefault(key, {})[(str(dimension).strip(), _tidy(group))] = row
    return out


def _tidy(value: Any) -> str:
    """A group label as text ("5.0" from a spreadsheet round trip reads back as "5")."""
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


# ---------------------------------------------------------------------------------------------
# One outcome in one population: every table, sharing prepared populations and fits
# ---------------------------------------------------------------------------------------------


class _Analysis:
    """One outcome in one population: complete cases, level lists and cached fits for all tables."""

    def __init__(
        self,
        cells: pd.DataFrame,
        outcome: str,
        exposures: Sequence[str],
        adjust_for: Sequence[str],
        reference: dict[str, Any],
        min_events: int,
        published: Published | None = None,
        fallback: str = DEFAULT_REFERENCE_FALLBACK,
    ) -> None:
        self.outcome = outcome
        #: the published rates rows of this population and outcome (None: no rates table given)
        self.published = published
        self.fallback = fallback
        terms = list(dict.fromkeys([*exposures, *adjust_for]))
        self.reference = dict(reference)
        self.min_events = int(min_events)
        _check_cells(cells, [*terms, "outcome"])
        data = cells.loc[cells["outcome"] == outcome, [*terms, "events", "denominator"]].copy()
        for term in terms:
            data[term] = data[term].astype(str)
        #: terms recorded for no birth at all (every value Unknown / Not stated): left out of every
        #: model, so that complete cases do not leave out every birth (docs/models.md)
        self.unstated = [t for t in terms if len(data) and data[t].isin(MISSING_LEVELS).all()]
        self.exposures = [t for t in dict.fromkeys(exposures) if t not in self.unstated]
        self.terms = [t for t in terms if t not in self.unstated]
        #: table key -> why this analysis gives that table no rows (an empty table by design)
        self.empty_reasons: dict[str, str] = {}

        missing = np.zeros(len(data), dtype=bool)
        for term in self.terms:
            missing |= data[term].isin(MISSING_LEVELS).to_numpy()
        total_births = int(data["denominator"].sum())
        left_out = int(data.loc[missing, "denominator"].sum())
        self.total_births, self.left_out = total_births, left_out
        self.complete = data.loc[~missing]
        self.cc_note = _complete_case_note(data, self.terms, total_births, left_out)

        # Levels to report: canonical lists for known terms, otherwise the levels in the cells.
        self.levels: dict[str, list[str]] = {}
        for term in self.terms:
            present = _order_levels(term, data[term].unique())
            canonical = _LEVEL_ORDER.get(term)
            if canonical is None:
                known = [lv for lv in present if lv not in MISSING_LEVELS]
            else:
                known = canonical + [lv for lv in present if lv not in canonical]
                known = [lv for lv in known if lv not in MISSING_LEVELS]
            self.levels[term] = known
        _check_references(self.reference, self.levels)
        self._populations: dict[Any, _Population] = {}
        self._fits: dict[Any, _Fit | None] = {}
        self._interactions: dict[tuple[str, str], tuple[_Fit | None, dict[str, int]]] = {}

    # -- shared pieces -------------------------------------------------------------------------

    def withheld(self, term: str) -> set[str]:
        """Levels of ``term`` whose row of the published rates table is withheld."""
        if self.published is None:
            return set()
        return {g for (d, g), row in self.published.items() if d == term and row.withheld}

    def cross_withheld(self, term: str, other: str, other_level: str) -> set[str]:
        """Levels of ``term`` whose rates row crossed with ``other_level`` of ``other`` is withheld.

        The cross breakdown is ``<a>_by_<b>`` with groups ``<level of a> | <level of b>``, in
        either order of the two terms. Levels of ``term`` withheld on their own count too.
        """
        out = self.withheld(term)
        if self.published is None:
            return out
        for level in self.levels.get(term, []):
            for key in (
                (f"{term}_by_{other}", f"{level} | {other_level}"),
                (f"{other}_by_{term}", f"{other_level} | {level}"),
            ):
                row = self.published.get(key)
                if row is not None and row.withheld:
                    out.add(level)
        return out

    def _withheld_terms(self, terms: Sequence[str]) -> dict[str, set[str]]:
        return {t: self.withheld(t) for t in terms}

    def population(self, terms: Sequence[str]) -> _Population:
        """Complete cases of a model with ``terms`` after its own sparse-level rule (cached)."""
        key = ("own", tuple(terms))
        if key not in self._populations:
            self._populations[key] = _prepare(
                self.complete,
                terms,
                self.levels,
                self.reference,
                self.min_events,
                self._withheld_terms(terms),
                self.fallback,
            )
        return self._populations[key]

    def base_population(self, base_terms: Sequence[str]) -> _Population:
        """The adjusted model's births collapsed over ``base_terms`` (same births, fewer terms)."""
        key = ("derived", tuple(base_terms))
        if key not in self._populations:
            self._populations[key] = _derive(self.population(self.terms), base_terms)
        return self._populations[key]

    def fit(self, population: _Population, family: Family) -> _Fit | None:
        """Fitted model of ``family`` on ``population`` (cached by population identity)."""
        key = (id(population), family)
        if key not in self._fits:
            self._fits[key] = _fit_population(population, family)
        return self._fits[key]

    def _with_cc_note(self, table: pd.DataFrame) -> pd.DataFrame:
        if len(table):
            table.at[0, "note"] = _join_notes(
                table.at[0, "note"], self.unstated_note(), self.cc_note
            )
        return table

    def unstated_note(self) -> str:
        """Which terms the models leave out because no birth has them stated ('' if none)."""
        return "; ".join(f"{t} left out of the models: {unstated_words(t)}" for t in self.unstated)

    # -- odds and risk ratios --------------------------------------------------------------------

    def ratio_table(self, measure: str) -> pd.DataFrame:
        """Crude (one per exposure) and mutually adjusted ratios for ``measure``.

        With the published rates table the crude ratios come from its protected counts
        (:meth:`crude_rows`); without it they are fitted to the complete-case cells.
        """
        family = MEASURE_FAMILY[measure]
        rows: list[dict[str, Any]] = []
        for exposure in self.exposures:
            if self.published is not None:
                rows += self.crude_rows(exposure, measure)
                continue
            pop = self.population([exposure])
            rows += _ratio_rows(pop, self.fit(pop, family), self.outcome, "crude", self.levels)
        pop = self.population(self.terms)
        rows += _ratio_rows(pop, self.fit(pop, family), self.outcome, "adjusted", self.levels)
        columns = _TABLE_COLUMNS["odds_ratios" if measure == "odds_ratio" else "risk_ratios"]
        return self._with_cc_note(_ratio_frame(rows, measure, columns))

    def crude_rows(self, term: str, measure: str) -> list[dict[str, Any]]:
        """Crude ratios of ``term`` from the published rates table (a saturated one-factor model).

        For each level against the reference: the rounded events and births of the two rows of
        the published rates table (births with the level stated, whatever the other terms), the
        Woolf odds ratio or Katz risk ratio with a Wald interval (``birthgaps.stats.measures``). These are
        exactly a one-factor binomial GLM or modified Poisson fit to those counts. A withheld
        level or reference gives a withheld row; a published level or reference with fewer than
        ``min_events`` events or non-events gives "too few events", as the fitted models do.
        """
        assert self.published is not None
        levels = self.levels[term]

        def row_of(level: str) -> PublishedRow | None:
            return self.published.get((term, level))

        def usable(level: str) -> bool:
            row = row_of(level)
            if row is None or row.withheld:
                return False
            return row.events >= self.min_events and (
                row.denominator - row.events >= self.min_events
            )

        ref = self.reference.get(term, "first")
        candidates = [lv for lv in levels if usable(lv)]
        moved = ""
        if _is_positional(ref):
            reference = _pick_reference(ref, candidates) if candidates else levels[0]
        else:
            reference = str(ref)
        ref_row = row_of(reference)
        hidden = ref_row is not None and ref_row.withheld
        if not usable(reference) and candidates and not _is_positional(ref):
            births = {lv: row_of(lv).denominator for lv in candidates}
            used = fallback_reference(term, reference, candidates, levels, births)
            if self.fallback == "nearest":
                moved = reference_note(term, reference, used, hidden, self.min_events)
                reference, ref_row, hidden = used, row_of(used), False
        if hidden:
            problem = NOTE_WITHHELD
        elif not usable(reference):
            problem = f"{NOTE_TOO_FEW_REFERENCE} ({term} {reference})"
        else:
            problem = ""

        rows: list[dict[str, Any]] = []
        for level in levels:
            if level == reference:
                continue
            row = row_of(level)
            withheld = problem == NOTE_WITHHELD or (row is not None and row.withheld)
            if withheld:
                n = e = pd.NA
            else:
                n = (row.denominator if row else 0) + (ref_row.denominator if ref_row else 0)
                e = (row.events if row else 0) + (ref_row.events if ref_row else 0)
            out = _blank_row(self.outcome, "crude", term, level, reference, n, e, "")
            if withheld:
                note = NOTE_WITHHELD
            elif problem:
                note = problem
            elif not usable(level):
                note = NOTE_TOO_FEW
            else:
                args = (row.events, row.denominator, ref_row.events, ref_row.denominator)
                if measure == "odds_ratio":
                    est = woolf_odds_ratio(*args).iloc[0]
                else:
                    est = rate_ratio(*args, kind="risk").iloc[0]
                beta, se = float(est["log_ratio"]), float(est["se"])
                if not (np.isfinite(beta) and np.isfinite(se)) or abs(beta) > _MAX_ABS_LOG_OR:
                    note = NOTE_SEPARATION
                else:
                    note = ""
                    out.update(
                        ratio=float(est["ratio"]),
                        lower_95=float(est["lower_95"]),
                        upper_95=float(est["upper_95"]),
                        log_ratio=beta,
                        se=se,
                        p_value=float(est["p_value"]),
                    )
            out["note"] = _join_notes(note, moved if not note else "", NOTE_CRUDE_FROM_RATES)
            rows.append(out)
        return rows

    # -- interaction -----------------------------------------------------------------------------

    def _check_pair(self, pair: Sequence[str], key: str) -> tuple[str, str]:
        if len(pair) != 2 or pair[0] == pair[1] or any(t not in self.terms for t in pair):
            raise InputError(
                f"the interaction needs two different terms of the adjusted model, got {list(pair)}",
                key=key,
                hint=f"choose two of {self.terms}",
            )
        return str(pair[0]), str(pair[1])

    def interaction_fit(self, pair: tuple[str, str]) -> tuple[_Fit | None, dict[str, int]]:
        """Adjusted logistic model plus an interaction column per estimable combination (cached).

        Treatment coding: one column per combination of two non-reference levels. A combination
        with no births has none; one with fewer than ``min_events`` events or non-events has none
        (it shares the main effects). A sparse cell in the reference row or column, e.g.
        (reference quintile, Mixed), would otherwise pin that group's main effect on its own and
        diverge: the group's largest combination then loses its column (the two cells pool).
        Any interaction coefficient still beyond the separation bounds loses its column and the
        model is refitted. Counts: combinations, empty, sparse (present but no own column).
        """
        if pair in self._interactions:
            return self._interactions[pair]
        a, b = pair
        pop = self.population(self.terms)
        counts = {"combinations": 0, "sparse": 0, "empty": 0, "withheld": 0}
        fit = None
        if not pop.problem:
            fit, counts = self._fit_interaction(pop, a, b)
        self._interactions[pair] = (fit, counts)
        return fit, counts

    def _fit_interaction(
        self, pop: _Population, a: str, b: str
    ) -> tuple[_Fit | None, dict[str, int]]:
        cells = pop.cells
        ref_a, ref_b = pop.refs[a], pop.refs[b]
        present_a, present_b = set(cells[a]), set(cells[b])
        levels_a = [
            lv
            for lv in self.levels[a]
            if lv != ref_a and lv not in pop.sparse[a] and lv in present_a
        ]
        levels_b = [
            lv
            for lv in self.levels[b]
            if lv != ref_b and lv not in pop.sparse[b] and lv in present_b
        ]
        totals = cells.groupby([a, b], sort=False)[["events", "denominator"]].sum()
        table = {
            key: (float(e), float(n))
            for key, e, n in zip(totals.index, totals["events"], totals["denominator"], strict=True)
        }

        def births(key: tuple[str, str]) -> float:
            return table.get(key, (0.0, 0.0))[1]

        hidden = {
            (la, lb)
            for la in [*levels_a, ref_a]
            for lb in self.cross_withheld(b, a, la)
            if lb in [*levels_b, ref_b]
        }

        def sparse(key: tuple[str, str]) -> bool:
            if key in hidden:  # decided without looking at a hidden count
                return True
            e, n = table.get(key, (0.0, 0.0))
            return n > 0 and (e < self.min_events or n - e < self.min_events)

        combos = [(la, lb) for la in levels_a for lb in levels_b]
        withheld = [key for key in combos if key in hidden]
        empty = [key for key in combos if key not in hidden and births(key) == 0]
        own = [key for key in combos if key not in hidden and births(key) > 0 and not sparse(key)]
        # A sparse reference-row/column cell pools with the largest cell of its level. When that
        # reference cell is withheld, the pooled cell counts as withheld too, not as sparse.
        for ref_key, position in [((ref_a, lb), 1) for lb in levels_b] + [
            ((la, ref_b), 0) for la in levels_a
        ]:
            group = [key for key in own if key[position] == ref_key[position]]
            if sparse(ref_key) and group:
                pooled = max(group, key=births)
                own.remove(pooled)
                if ref_key in hidden:
                    withheld.append(pooled)

        def column(key: tuple[str, str]) -> np.ndarray:
            return ((cells[a] == key[0]) & (cells[b] == key[1])).to_numpy(dtype=float)

        extra = {f"{a}[T.{la}]:{b}[T.{lb}]": column((la, lb)) for la, lb in own}
        fit = _fit_population(pop, "logit", extra)
        # Safety net: drop a diverging interaction column (largest SE first) and refit.
        while fit is not None and fit.extra and fit.params is not None and fit.cov is not None:
            idx = [fit.index(name) for name in fit.extra]
            beta = fit.params[idx]
            with np.errstate(invalid="ignore"):
                se = np.sqrt(np.diag(fit.cov)[idx])
            bad = ~np.isfinite(beta) | ~np.isfinite(se)
            bad |= (np.abs(beta) > _MAX_ABS_LOG_OR) | (se > _MAX_SE)
            if not bad.any():
                break
            worst = fit.extra[int(np.nanargmax(np.where(bad, np.nan_to_num(se, nan=np.inf), -1)))]
            del extra[worst]
            fit = _fit_population(pop, "logit", extra)
        df = len(fit.extra) if fit is not None else 0
        counts = {
            "combinations": len(combos),
            "empty": len(empty),
            "withheld": len(withheld),
            "sparse": len(combos) - len(empty) - len(withheld) - df,
        }
        return fit, counts

    def interaction_row(self, pair: tuple[str, str], p_threshold: float) -> dict[str, Any]:
        """Likelihood-ratio test of the ``pair`` interaction in the adjusted logistic model."""
        a, b = pair
        pop = self.population(self.terms)
        row: dict[str, Any] = {
            "outcome": self.outcome,
            "terms": f"{a} x {b}",
            "df": pd.NA,
            "lr_statistic": np.nan,
            "p_value": np.nan,
            "p_threshold": float(p_threshold),
            "significant": False,
            "n_combinations": 0,
            "n_sparse_combinations": pd.NA,
            "n_empty_combinations": pd.NA,
            "n_births": pop.n_births,
            "n_events": pop.n_events,
            "note": pop.problem,
        }
        if pop.problem:
            return row
        main = self.fit(pop, "logit")
        full, counts = self.interaction_fit(pair)
        row.update(
            n_combinations=counts["combinations"],
            n_sparse_combinations=counts["sparse"],
            n_empty_combinations=counts["empty"],
        )
        notes = []
        if counts["sparse"]:
            notes.append(
                f"{counts['sparse']} of {counts['combinations']} combinations share the main "
                f"effects (fewer than {self.min_events} events or non-events in them or in "
                "their reference cell)"
            )
        if counts["empty"]:
            notes.append(f"{counts['empty']} combinations have no births")
        if counts["withheld"]:
            notes.append(
                f"{WITHHELD_MARKER} {counts['withheld']} combinations share the main effects: "
                "withheld to protect confidentiality"
            )
        df = len(full.extra) if full is not None else 0
        row["df"] = df
        failed = (
            main is None
            or full is None
            or main.params is None
            or full.params is None
            or not (main.converged and full.converged)
        )
        if df == 0:
            notes.insert(0, NOTE_NO_INTERACTION)
        elif failed:
            notes.insert(0, NOTE_NOT_CONVERGED)
        elif not self._interaction_estimable(full):
            notes.insert(0, NOTE_SEPARATION)
        else:
            lr = max(main.deviance - full.deviance, 0.0)
            p_value = float(chi2.sf(lr, df))
            row.update(lr_statistic=lr, p_value=p_value, significant=bool(p_value < p_threshold))
        row["note"] = _join_notes(*notes)
        return row

    @staticmethod
    def _interaction_estimable(full: _Fit) -> bool:
        """Interaction coefficients finite and within the separation bounds."""
        idx = [full.index(name) for name in full.extra]
        beta = full.params[idx] if full.params is not None else np.array([np.nan])
        se = np.sqrt(np.diag(full.cov)[idx]) if full.cov is not None else np.array([np.nan])
        return bool(
            np.all(np.isfinite(beta))
            and np.all(np.isfinite(se))
            and np.all(np.abs(beta) <= _MAX_ABS_LOG_OR)
            and np.all(se <= _MAX_SE)
        )

    def stratified_rows(self, pair: tuple[str, str], p_threshold: float) -> list[dict[str, Any]]:
        """ORs of each term of ``pair`` within each level of the other, adjusted for the rest.

        Order: the first term's ORs within each level of the second (e.g. deprivation within each
        ethnic group), then the second's within each level of the first.
        """
        a, b = pair
        interaction = self.interaction_row(pair, p_threshold)
        patterns = _collapse(self.complete, self.terms)  # once: strata are subsets of it
        rows: list[dict[str, Any]] = []
        for term, stratum_term in ((a, b), (b, a)):
            terms = [t for t in self.terms if t != stratum_term]
            for stratum in self.levels[stratum_term]:
                data = patterns[patterns[stratum_term] == stratum]
                withheld = self._withheld_terms(terms)
                withheld[term] = self.cross_withheld(term, stratum_term, stratum)
                pop = _prepare(
                    data,
                    terms,
                    self.levels,
                    self.reference,
                    self.min_events,
                    withheld,
                    self.fallback,
                )
                hidden_stratum = stratum in self.withheld(stratum_term)
                if hidden_stratum:  # nothing of a withheld stratum is fitted or counted
                    pop.problem, pop.n_births, pop.n_events = NOTE_WITHHELD, pd.NA, pd.NA
                fit = _fit_population(pop, "logit")
                for row in _ratio_rows(pop, fit, self.outcome, "stratified", self.levels, [term]):
                    row.update(
                        stratum_term=stratum_term,
                        stratum=stratum,
                        interaction_p_value=interaction["p_value"],
                        interaction_significant=interaction["significant"],
                    )
                    rows.append(row)
        return rows

    # -- excess explained ------------------------------------------------------------------------

    def excess_rows(self, exposure: str, explained_by: Sequence[str]) -> list[dict[str, Any]]:
        """Change in each level's log ratio when ``explained_by`` joins the model (both measures).

        Base model: every adjusted-model term except ``explained_by``, fitted to the same births
        as the adjusted model. pct_explained = 100 (b_base - b_adj) / b_base; its CI uses the
        joint (stacked sandwich) covariance of b_base and b_adj, computed exactly from the cells.
        """
        base_terms = [t for t in self.terms if t not in explained_by]
        pop = self.population(self.terms)
        base_pop = self.base_population(base_terms)
        rows: list[dict[str, Any]] = []
        for measure, family in MEASURE_FAMILY.items():
            fit_a, fit_b = self.fit(pop, family), self.fit(base_pop, family)
            adjusted = _ratio_rows(pop, fit_a, self.outcome, "adjusted", self.levels, [exposure])
            base = _ratio_rows(base_pop, fit_b, self.outcome, "base", self.levels, [exposure])
            joint = self._joint_covariance(pop, base_terms, fit_b, fit_a)
            for row_b, row_a in zip(base, adjusted, strict=True):
                rows.append(
                    self._excess_row(
                        measure, exposure, explained_by, base_terms, row_b, row_a, joint
                    )
                )
        return rows

    def _joint_covariance(
        self, pop: _Population, base_terms: Sequence[str], fit_b: _Fit | None, fit_a: _Fit | None
    ) -> dict[str, Any] | None:
        """Sandwich blocks V_bb, V_aa, V_ba of the stacked base and adjusted estimating equations."""
        if fit_a is None or fit_b is None or fit_a.params is None or fit_b.params is None:
            return None
        _, exog_b, _ = _design(pop.cells, base_terms, pop.refs)
        if any(name not in exog_b.columns for name in fit_b.names):
            return None
        x_b = exog_b[fit_b.names].to_numpy(dtype=float)
        x_a = fit_a.x
        e, n = fit_a.events, fit_a.denominator
        r_b = _risk(x_b, fit_b.params, fit_b.family)
        r_a = fit_a.risk
        with np.errstate(all="ignore"):
            try:
                inv_b = np.linalg.inv(_information(x_b, n, r_b, fit_b.family))
                inv_a = np.linalg.inv(_information(x_a, n, r_a, fit_a.family))
            except np.linalg.LinAlgError:
                return None
            v_bb = inv_b @ _score_cross(x_b, x_b, e, n, r_b, r_b) @ inv_b
            v_aa = inv_a @ _score_cross(x_a, x_a, e, n, r_a, r_a) @ inv_a
            v_ba = inv_b @ _score_cross(x_b, x_a, e, n, r_b, r_a) @ inv_a
        return {"b": fit_b.names, "a": fit_a.names, "bb": v_bb, "aa": v_aa, "ba": v_ba}

    def _excess_row(
        self,
        measure: str,
        exposure: str,
        explained_by: Sequence[str],
        base_terms: Sequence[str],
        row_b: dict[str, Any],
        row_a: dict[str, Any],
        joint: dict[str, Any] | None,
    ) -> dict[str, Any]:
        row: dict[str, Any] = {
            "outcome": self.outcome,
            "measure": measure,
            "term": exposure,
            "level": row_a["level"],
            "reference": row_a["reference"],
            "explained_by": " + ".join(explained_by),
            "base_terms": " + ".join(base_terms),
            "base_ratio": row_b["ratio"],
            "base_lower_95": row_b["lower_95"],
            "base_upper_95": row_b["upper_95"],
            "adjusted_ratio": row_a["ratio"],
            "adjusted_lower_95": row_a["lower_95"],
            "adjusted_upper_95": row_a["upper_95"],
            "n_births": row_a["n_births"],
            "n_events": row_a["n_events"],
            "note": row_a["note"] or row_b["note"],
        }
        name = f"{exposure}[T.{row_a['level']}]"
        beta_b, beta_a, se_b = row_b["log_ratio"], row_a["log_ratio"], row_b["se"]
        if not (np.isfinite(beta_b) and np.isfinite(beta_a)) or joint is None:
            return row
        i, j = joint["b"].index(name), joint["a"].index(name)
        v_bb, v_aa, v_ba = joint["bb"][i, i], joint["aa"][j, j], joint["ba"][i, j]
        change = beta_b - beta_a
        se_change = float(np.sqrt(max(v_bb + v_aa - 2 * v_ba, 0.0)))
        row.update(
            log_ratio_change=change,
            change_lower_95=change - _Z95 * se_change,
            change_upper_95=change + _Z95 * se_change,
        )
        notes = [row["note"]]
        if abs(beta_b) < _Z95 * se_b:
            notes.append(NOTE_BASE_NEAR_ONE)
        else:
            pct = 100 * change / beta_b
            grad_b, grad_a = 100 * beta_a / beta_b**2, -100 / beta_b
            var = grad_b**2 * v_bb + grad_a**2 * v_aa + 2 * grad_b * grad_a * v_ba
            se_pct = float(np.sqrt(max(var, 0.0)))
            row.update(
                pct_explained=pct,
                pct_lower_95=pct - _Z95 * se_pct,
                pct_upper_95=pct + _Z95 * se_pct,
            )
            if beta_b < 0:
                notes.append(NOTE_BASE_BELOW_ONE)
        row["note"] = _join_notes(*notes)
        return row

    # -- fit summaries ---------------------------------------------------------------------------

    def fit_rows(self, pair: tuple[str, str] | None) -> list[dict[str, Any]]:
        """Fit statistics of every crude and adjusted model (both measures) and the interaction."""
        rows: list[dict[str, Any]] = []
        for measure, family in MEASURE_FAMILY.items():
            for exposure in self.exposures:
                pop = self.population([exposure])
                rows.append(self._fit_row(pop, self.fit(pop, family), measure, "crude", [exposure]))
            pop = self.population(self.terms)
            rows.append(self._fit_row(pop, self.fit(pop, family), measure, "adjusted", self.terms))
            if pair is not None and family == "logit":
                full, _ = self.interaction_fit(pair)
                label = [*self.terms, f"{pair[0]}:{pair[1]}"]
                rows.append(self._fit_row(pop, full, measure, "interaction", label))
        return rows

    def _fit_row(
        self,
        pop: _Population,
        fit: _Fit | None,
        measure: str,
        model: str,
        terms: Sequence[str],
    ) -> dict[str, Any]:
        row: dict[str, Any] = {
            "outcome": self.outcome,
            "measure": measure,
            "model": model,
            "terms": " + ".join(terms),
            "n_parameters": pd.NA,
            "log_likelihood": np.nan,
            "deviance": np.nan,
            "aic": np.nan,
            "pattern_deviance": np.nan,
            "n_patterns": pd.NA,
            "pattern_df": pd.NA,
            "pattern_p_value": np.nan,
            "c_statistic": np.nan,
            "n_births": pop.n_births,
            "n_events": pop.n_events,
            "note": pop.problem,
        }
        if pop.problem:
            return row
        if fit is None or fit.params is None or fit.risk is None:
            row["note"] = NOTE_SEPARATION
            return row
        k, n_patterns = len(fit.names), len(fit.events)
        row.update(
            n_parameters=k,
            n_patterns=n_patterns,
            c_statistic=c_statistic(fit.events, fit.denominator, fit.risk),
        )
        notes = []
        if fit.family == "logit":
            loglik = binomial_loglik(fit.events, fit.denominator, fit.risk)
            row.update(
                log_likelihood=loglik,
                deviance=-2 * loglik,
                aic=-2 * loglik + 2 * k,
                pattern_deviance=max(fit.deviance, 0.0),  # rounding error below 0 when saturated
                pattern_df=n_patterns - k,
            )
            if n_patterns > k:  # goodness of fit against the saturated pattern model
                row["pattern_p_value"] = float(chi2.sf(row["pattern_deviance"], n_patterns - k))
        else:
            notes.append(NOTE_WORKING_LIKELIHOOD)
            if np.any(fit.risk > 1):
                notes.append(NOTE_RISK_ABOVE_ONE)
        if not fit.converged:
            notes.insert(0, NOTE_NOT_CONVERGED)
        row["note"] = _join_notes(*notes)
        return row


# ---------------------------------------------------------------------------------------------
# Public functions for one outcome and one population
# ---------------------------------------------------------------------------------------------


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
    analysis = _Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    with _single_threaded_blas():
        return analysis.ratio_table("odds_ratio")


def fit_risk_ratios(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
) -> pd.DataFrame:
    """Crude and adjusted risk ratios by modified Poisson (robust HC0 errors), one population.

    Same births, levels, sparse-level rule and notes as :func:`fit_models`; rows follow
    ``RISK_RATIO_COLUMNS`` (``risk_ratio``, ``log_rr``, robust ``se``, Wald CI and p-value).
    """
    analysis = _Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    with _single_threaded_blas():
        return analysis.ratio_table("risk_ratio")


def interaction_test(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
    terms: Sequence[str] = DEFAULT_INTERACTION_TERMS,
    p_threshold: float = DEFAULT_P_THRESHOLD,
) -> pd.DataFrame:
    """Likelihood-ratio test of the ``terms`` interaction in the adjusted logistic model (one row).

    df = number of identifiable interaction parameters; combinations with too few events or
    non-events share the main effects, and the note counts them. Rows follow INTERACTION_COLUMNS.
    """
    analysis = _Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    pair = analysis._check_pair(terms, "models.interaction.terms")
    with _single_threaded_blas():
        row = analysis.interaction_row(pair, p_threshold)
    row["note"] = _join_notes(row["note"], analysis.cc_note)
    return _typed(pd.DataFrame([row]), INTERACTION_COLUMNS)


def stratified_estimates(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
    terms: Sequence[str] = DEFAULT_INTERACTION_TERMS,
    p_threshold: float = DEFAULT_P_THRESHOLD,
) -> pd.DataFrame:
    """ORs of each of ``terms`` within each level of the other, with the interaction p-value.

    Each stratum's model keeps every other adjusted-model term and applies the sparse-level rule
    within the stratum. Rows follow STRATIFIED_COLUMNS.
    """
    analysis = _Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    pair = analysis._check_pair(terms, "models.interaction.terms")
    with _single_threaded_blas():
        rows = analysis.stratified_rows(pair, p_threshold)
    return _ratio_frame(rows, "odds_ratio", STRATIFIED_COLUMNS)


def excess_explained(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
    exposure: str = DEFAULT_EXCESS_EXPOSURE,
    explained_by: Sequence[str] = DEFAULT_EXPLAINED_BY,
) -> pd.DataFrame:
    """Percentage of each level's excess (log OR and log RR) explained by ``explained_by``.

    Base model = the adjusted model without ``explained_by``, on the same births.
    pct_explained = 100 (b_base - b_adj) / b_base (log scale); not given when the base CI
    includes 1. Rows follow EXCESS_COLUMNS.
    """
    analysis = _Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    _check_excess(analysis.terms, exposure, explained_by, explicit=True)
    with _single_threaded_blas():
        rows = analysis.excess_rows(exposure, list(explained_by))
    return _typed(pd.DataFrame(rows), EXCESS_COLUMNS)


def fit_summaries(
    cells: pd.DataFrame,
    outcome: str,
    exposures: list[str],
    adjust_for: list[str],
    reference: dict[str, str],
    min_events: int = 5,
    interaction_terms: Sequence[str] | None = DEFAULT_INTERACTION_TERMS,
) -> pd.DataFrame:
    """Deviance, AIC (record-level equivalent) and c-statistic of each model of one population.

    One row per measure and model (crude per exposure, adjusted, and the interaction model for
    odds ratios when ``interaction_terms`` is given). Rows follow FIT_COLUMNS.
    """
    analysis = _Analysis(cells, outcome, exposures, adjust_for, reference, min_events)
    pair = None
    if interaction_terms is not None:
        pair = analysis._check_pair(interaction_terms, "models.interaction.terms")
    with _single_threaded_blas():
        rows = analysis.fit_rows(pair)
    return _typed(pd.DataFrame(rows), FIT_COLUMNS)


def _check_excess(
    terms: Sequence[str], exposure: str, explained_by: Sequence[str], *, explicit: bool
) -> bool:
    """Whether the excess-explained comparison applies; an explicit bad setting is an InputError."""
    ok = (
        exposure in terms
        and len(explained_by) > 0
        and all(t in terms for t in explained_by)
        and exposure not in explained_by
    )
    if not ok and explicit:
        raise InputError(
            f"excess explained needs an exposure ({exposure!r}) and explaining terms "
            f"({list(explained_by)}) that are different terms of the adjusted model",
            key="models.excess_explained",
            hint=f"choose among {list(terms)}",
        )
    return ok


# ---------------------------------------------------------------------------------------------
# Every area, then all pooled
# ---------------------------------------------------------------------------------------------


@dataclass
class _Settings:
    """The config's ``models:`` block with the defaults of its optional keys filled in."""

    outcomes: list[str]
    exposures: list[str]
    adjust_for: list[str]
    reference: dict[str, Any]
    min_events: int
    pair: tuple[str, str] | None
    p_threshold: float
    fallback: str
    stratified: str
    exposure: str | None
    explained_by: list[str]


def _settings(model_config: dict) -> _Settings:
    """Read ``models:``; an interaction or excess setting that does not fit the model stops the run."""
    exposures = list(model_config["exposures"])
    adjust_for = list(model_config.get("adjust_for", []))
    terms = list(dict.fromkeys([*exposures, *adjust_for]))
    inter = model_config.get("interaction") or {}
    stratified = str(inter.get("stratified", "always"))
    fallback = str(model_config.get("reference_fallback", DEFAULT_REFERENCE_FALLBACK))
    if fallback not in REFERENCE_FALLBACKS:
        raise InputError(
            f"models.reference_fallback must be one of {list(REFERENCE_FALLBACKS)}",
            key="models.reference_fallback",
        )
    if stratified not in STRATIFIED_CHOICES:
        raise InputError(
            f"models.interaction.stratified must be one of {list(STRATIFIED_CHOICES)}",
            key="models.interaction.stratified",
        )
    pair: tuple[str, str] | None = None
    if "terms" in inter:
        given = [str(t) for t in inter["terms"]]
        if len(given) != 2 or given[0] == given[1] or any(t not in terms for t in given):
            raise InputError(
                f"the interaction needs two different terms of the adjusted model, got {given}",
                key="models.interaction.terms",
                hint=f"choose two of {terms}",
            )
        pair = (given[0], given[1])
    elif all(t in terms for t in DEFAULT_INTERACTION_TERMS):
        pair = DEFAULT_INTERACTION_TERMS
    excess = model_config.get("excess_explained") or {}
    exposure = str(excess.get("exposure", DEFAULT_EXCESS_EXPOSURE))
    explained_by = [str(t) for t in excess.get("explained_by", DEFAULT_EXPLAINED_BY)]
    if not _check_excess(terms, exposure, explained_by, explicit=bool(excess)):
        exposure_or_none = None
    else:
        exposure_or_none = exposure
    return _Settings(
        outcomes=list(model_config["outcomes"]),
        exposures=exposures,
        adjust_for=adjust_for,
        reference=dict(model_config.get("reference", {})),
        min_events=int(model_config.get("min_events", 5)),
        pair=pair,
        p_threshold=float(inter.get("p_threshold", DEFAULT_P_THRESHOLD)),
        fallback=fallback,
        stratified=stratified,
        exposure=exposure_or_none,
        explained_by=explained_by,
    )


def _populations(cells: pd.DataFrame, areas: dict[str, str]) -> list[tuple[str, pd.DataFrame]]:
    """Each listed area's cells in config order, then the listed areas pooled (``ALL``)."""
    _check_cells(cells, ["area_code", *_CELL_COLUMNS])
    area_codes = cells["area_code"].astype(str)
    populations = [(code, cells[area_codes == code]) for code in areas]
    populations.append((ALL_AREAS, cells[area_codes.isin(list(areas))]))
    return populations


#: Columns of the ``complete_cases`` table of :func:`model_tables` (restricted, unrounded).
COMPLETE_CASE_COLUMNS = ["area_code", "outcome", "terms", "total_births", "left_out"]


def _by_area(
    cells: pd.DataFrame,
    model_config: dict,
    areas: dict[str, str],
    builders: dict[str, Callable[[_Analysis, _Settings], pd.DataFrame]],
    rates: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Run each table builder on every (area, outcome) analysis; stack with ``area_code`` first.

    Also returns ``complete_cases``: the births and the births left out of each analysis.
    """
    settings = _settings(model_config)
    published = published_rates(rates) if rates is not None else None
    parts: dict[str, list[pd.DataFrame]] = {key: [] for key in builders}
    complete: list[dict[str, Any]] = []
    reasons: list[list[Any]] = []
    with _single_threaded_blas():
        for code, subset in _populations(cells, areas):
            for outcome in settings.outcomes:
                analysis = _Analysis(
                    subset,
                    outcome,
                    settings.exposures,
                    settings.adjust_for,
                    settings.reference,
                    settings.min_events,
                    None if published is None else published.get((str(code), outcome), {}),
                    settings.fallback,
                )
                complete.append(
                    {
                        "area_code": code,
                        "outcome": outcome,
                        "terms": " + ".join(analysis.terms),
                        "total_births": analysis.total_births,
                        "left_out": analysis.left_out,
                    }
                )
                for key, build in builders.items():
                    part = build(analysis, settings)
                    part.insert(0, "area_code", code)
                    parts[key].append(part)
                for key, (reason, p_value) in analysis.empty_reasons.items():
                    reasons.append([key, code, outcome, reason, p_value])
    out = {}
    for key, frames in parts.items():
        columns = ["area_code", *_TABLE_COLUMNS[key]]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
        out[key] = _typed(table, columns)
    out[COMPLETE_CASES] = pd.DataFrame(complete, columns=COMPLETE_CASE_COLUMNS)
    out[EMPTY_REASONS] = pd.DataFrame(reasons, columns=EMPTY_REASON_COLUMNS)
    return out


def _empty(analysis: _Analysis, key: str, reason: str, p_value: float = np.nan) -> pd.DataFrame:
    """No rows for table ``key`` in this analysis, by design: the reason is kept for the notes."""
    analysis.empty_reasons[key] = (reason, p_value)
    return _typed(pd.DataFrame(columns=_TABLE_COLUMNS[key]), _TABLE_COLUMNS[key])


def _unstated_reason(analysis: _Analysis, terms: Sequence[str]) -> str:
    """Why a table needing ``terms`` has no rows when some of them are recorded for no birth."""
    return "; ".join(unstated_words(t) for t in terms if t in analysis.unstated)


def _build_ratios(analysis: _Analysis, key: str, measure: str) -> pd.DataFrame:
    if not analysis.exposures:
        reason = _unstated_reason(analysis, analysis.unstated)
        return _empty(analysis, key, f"no {measure.replace('_', ' ')}s: {reason}")
    return analysis.ratio_table(measure)


def _build_odds(analysis: _Analysis, settings: _Settings) -> pd.DataFrame:
    return _build_ratios(analysis, "odds_ratios", "odds_ratio")


def _build_risk(analysis: _Analysis, settings: _Settings) -> pd.DataFrame:
    return _build_ratios(analysis, "risk_ratios", "risk_ratio")


def _pair_missing(analysis: _Analysis, settings: _Settings) -> str:
    """Why no interaction can be tested in this analysis ('' when it can)."""
    if settings.pair is None:
        return f"the models do not hold both {' and '.join(DEFAULT_INTERACTION_TERMS)}"
    return _unstated_reason(analysis, settings.pair)


def _build_interaction(analysis: _Analysis, settings: _Settings) -> pd.DataFrame:
    missing = _pair_missing(analysis, settings)
    if missing:
        return _empty(analysis, "interaction", f"no interaction test: {missing}")
    row = analysis.interaction_row(settings.pair, settings.p_threshold)
    row["note"] = _join_notes(row["note"], analysis.cc_note)
    return _typed(pd.DataFrame([row]), INTERACTION_COLUMNS)


def _build_stratified(analysis: _Analysis, settings: _Settings) -> pd.DataFrame:
    missing = _pair_missing(analysis, settings)
    if missing:
        return _empty(analysis, "stratified", f"no stratified estimates: {missing}")
    rows = analysis.stratified_rows(settings.pair, settings.p_threshold)
    if settings.stratified == "when_significant" and not any(
        r["interaction_significant"] for r in rows
    ):
        p_value = analysis.interaction_row(settings.pair, settings.p_threshold)["p_value"]
        return _empty(analysis, "stratified", STRATIFIED_WHEN_SIGNIFICANT, p_value)
    if not rows:
        return _empty(analysis, "stratified", "no stratified estimates: no levels to compare")
    return _ratio_frame(rows, "odds_ratio", STRATIFIED_COLUMNS)


def _build_excess(analysis: _Analysis, settings: _Settings) -> pd.DataFrame:
    if settings.exposure is None:
        return _empty(
            analysis,
            "excess_explained",
            "no excess explained: models.excess_explained does not fit the models' terms",
        )
    missing = _unstated_reason(analysis, [settings.exposure, *settings.explained_by])
    if missing:
        return _empty(analysis, "excess_explained", f"no excess explained: {missing}")
    rows = analysis.excess_rows(settings.exposure, settings.explained_by)
    return _typed(pd.DataFrame(rows), EXCESS_COLUMNS)


def _build_fit(analysis: _Analysis, settings: _Settings) -> pd.DataFrame:
    if not analysis.exposures:
        reason = _unstated_reason(analysis, analysis.unstated)
        return _empty(analysis, "fit", f"no models: {reason}")
    pair = None if _pair_missing(analysis, settings) else settings.pair
    return _typed(pd.DataFrame(analysis.fit_rows(pair)), FIT_COLUMNS)


_BUILDERS: dict[str, Callable[[_Analysis, _Settings], pd.DataFrame]] = {
    "odds_ratios": _build_odds,
    "risk_ratios": _build_risk,
    "interaction": _build_interaction,
    "stratified": _build_stratified,
    "excess_explained": _build_excess,
    "fit": _build_fit,
}


def models_table(
    cells: pd.DataFrame,
    model_config: dict,
    areas: dict[str, str],
    rates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Odds ratios for each area in ``areas`` (config order), then all of them pooled (``"ALL"``).

    ``model_config`` is the config's ``models:`` block (outcomes, exposures, adjust_for, reference,
    min_events). Rows are ordered area, outcome (config order), model, term, level. ``rates``:
    the published rates table (see :func:`model_tables`).
    """
    tables = _by_area(cells, model_config, areas, {"odds_ratios": _build_odds}, rates)
    return tables["odds_ratios"]


def risk_ratio_table(
    cells: pd.DataFrame,
    model_config: dict,
    areas: dict[str, str],
    rates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Modified Poisson risk ratios for each area in ``areas``, then ``ALL`` (as models_table)."""
    tables = _by_area(cells, model_config, areas, {"risk_ratios": _build_risk}, rates)
    return tables["risk_ratios"]


def model_tables(
    cells: pd.DataFrame,
    model_config: dict,
    areas: dict[str, str],
    rates: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Every models table for each area and ``ALL``: keys in TABLE_KEYS, ``area_code`` first.

    ``odds_ratios`` equals :func:`models_table`; ``risk_ratios`` :func:`risk_ratio_table`;
    ``interaction``, ``stratified``, ``excess_explained`` and ``fit`` follow the per-population
    functions of the same names. A last key, ``complete_cases`` (COMPLETE_CASE_COLUMNS), holds
    the births each analysis left out, for the notes. Counts are unrounded and estimates at full
    precision: publish with :func:`publish_model_tables`.

    ``rates`` is the **published** rates table (``rates.csv``: protected counts, ``suppressed``).
    With it, the crude rows are computed from its rounded counts, and every level, stratum or
    interaction combination whose rates row is withheld is left out of the fitted models and
    reported with the note ``[c] withheld to protect confidentiality`` (docs/models.md,
    "Disclosure control"). Without it, everything is fitted to the cells (analysis only).
    """
    return _by_area(cells, model_config, areas, _BUILDERS, rates)


# ---------------------------------------------------------------------------------------------
# Disclosure control
# ---------------------------------------------------------------------------------------------

#: Count columns of the models tables (births and events); other numbers are not counts of people.
_COUNT_COLUMNS = ("n_births", "n_events")
#: Published precision (docs/models.md, "Disclosure control"): decimal places of ratios, their
#: limits, the LR statistic and the c-statistic; whole percentages; p-values to 2 significant
#: figures.
_DECIMALS: dict[str, int] = {
    **dict.fromkeys(
        (
            "odds_ratio",
            "risk_ratio",
            "lower_95",
            "upper_95",
            "base_ratio",
            "base_lower_95",
            "base_upper_95",
            "adjusted_ratio",
            "adjusted_lower_95",
            "adjusted_upper_95",
            "lr_statistic",
            "c_statistic",
        ),
        2,
    ),
    **dict.fromkeys(("pct_explained", "pct_lower_95", "pct_upper_95"), 0),
}
_SIGNIFICANT: dict[str, int] = dict.fromkeys(
    ("p_value", "interaction_p_value", "pattern_p_value"), 2
)
_CC_PREFIX = "complete cases: "


def round_significant(values: Any, digits: int) -> np.ndarray:
    """Round to ``digits`` significant figures (0 and NaN stay as they are)."""
    x = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    out = x.copy()
    ok = np.isfinite(x) & (x != 0)
    scale = digits - 1 - np.floor(np.log10(np.abs(x[ok])))
    out[ok] = np.round(x[ok] * 10.0**scale) / 10.0**scale
    return out


def _split_cc(note: str) -> tuple[str, bool]:
    """A note without its complete-case part, and whether it had one."""
    parts = [p.strip() for p in str(note).split(";")]
    kept = [p for p in parts if p and not p.startswith(_CC_PREFIX)]
    return "; ".join(kept), len(kept) < len([p for p in parts if p])


def _protected_count(n: Any, rules: dict) -> tuple[str, int | None]:
    """A count for a note: rounded to the base, or ``[c]`` in the suppression range."""
    n = int(n)
    if rules["suppress_min"] <= n <= rules["suppress_max"]:
        return WITHHELD_MARKER, None
    base = rules["rounding_base"]
    rounded = int(np.floor(n / base + 0.5) * base)
    return f"{rounded:,}", rounded


def complete_case_note(
    counts: dict[str, Any], rules: dict, published: Published | None = None
) -> str:
    """The complete-case note of one analysis, from protected numbers only.

    ``counts`` is a row of the ``complete_cases`` table of :func:`model_tables`. The total is the
    published births of the ``overall`` rates row (``[c]`` when withheld), the births left out
    are rounded (``[c]`` if 1 to 7), and each reason is the published births of the rates row of
    ``Unknown`` or ``Not stated`` of that term (``[c]`` when withheld; left out when the row is
    published as 0 or absent). Without ``published`` the total is rounded and no reasons are
    given: their counts could be rows that the rates table withholds.
    """
    left, left_n = _protected_count(counts["left_out"], rules)
    if published is not None and ("overall", "All") in published:
        row = published[("overall", "All")]
        total, total_n = (
            (WITHHELD_MARKER, None) if row.withheld else (f"{row.denominator:,}", row.denominator)
        )
    else:
        total, total_n = _protected_count(counts["total_births"], rules)
    share = f" ({left_n / total_n:.1%})" if left_n is not None and total_n else ""
    note = f"{_CC_PREFIX}{left} of {total} births{share} left out"
    if published is None:
        return note
    reasons = []
    for term in str(counts["terms"]).split(" + "):
        for value in sorted(MISSING_LEVELS):
            row = published.get((term, value))
            if row is None:
                continue
            if row.withheld:
                reasons.append(f"{term} {value} {WITHHELD_MARKER}")
            elif row.denominator:
                reasons.append(f"{term} {value} {row.denominator:,}")
    return f"{note} ({', '.join(reasons)})" if reasons else note


def publish_models(
    table: pd.DataFrame,
    rules: dict,
    *,
    complete_cases: pd.DataFrame | None = None,
    rates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Disclosure control of one models table: counts, precision, columns and notes.

    ``rules`` is the config's ``disclosure:`` block. ``n_births`` and ``n_events`` are rounded to
    ``rounding_base`` (<NA> in the suppression range). The columns that would give counts back
    at full precision (``UNPUBLISHED_COLUMNS``: log ratios, standard errors, log-likelihoods,
    deviances, AIC) are dropped; ratios and their limits are rounded to 2 decimal places, the LR
    statistic and c-statistic to 2, percentages explained to whole numbers and p-values to 2
    significant figures. Fit summaries of crude models are dropped. A complete-case note is
    rewritten by :func:`complete_case_note` from ``complete_cases`` (the extra table of
    :func:`model_tables`) and the published ``rates``; without ``complete_cases`` it is removed.
    Works on every table of :func:`model_tables` (columns it lacks are skipped).
    """
    low, high, base = rules["suppress_min"], rules["suppress_max"], rules["rounding_base"]
    out = table.copy()
    if {"measure", "model"} <= set(out.columns):  # the fit summaries: no crude rows
        out = out[out["model"].astype(str) != "crude"].reset_index(drop=True)
    out = out.drop(columns=[c for c in out.columns if c in UNPUBLISHED_COLUMNS])
    for column in _COUNT_COLUMNS:
        if column in out.columns:
            small = is_small(out[column], low, high)
            out[column] = round_to_base(out[column], base).mask(small)
    for column, decimals in _DECIMALS.items():
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).round(decimals)
    for column, digits in _SIGNIFICANT.items():
        if column in out.columns:
            out[column] = round_significant(out[column], digits)

    if "note" in out.columns:
        published = published_rates(rates) if rates is not None else {}
        notes_of: dict[tuple[str, str], str] = {}
        if complete_cases is not None:
            for counts in complete_cases.to_dict("records"):
                key = (str(counts["area_code"]), str(counts["outcome"]))
                area_rows = published.get(key, {}) if rates is not None else None
                notes_of[key] = complete_case_note(counts, rules, area_rows)
        notes = []
        areas = out["area_code"] if "area_code" in out.columns else [""] * len(out)
        for area, outcome, note in zip(areas, out["outcome"], out["note"], strict=True):
            rest, had_cc = _split_cc(note)
            cc = notes_of.get((str(area), str(outcome)), "") if had_cc else ""
            notes.append(_join_notes(rest, cc))
        out["note"] = notes
    return out


def _p_text(p_value: float) -> str:
    return f"{p_value:.2g}"


def empty_table_notes(
    published: dict[str, pd.DataFrame], reasons: pd.DataFrame, p_threshold: float
) -> dict[str, str]:
    """Why each published table without rows is empty by design, by published CSV name.

    ``published`` holds the tables of :func:`publish_model_tables`; ``reasons`` is the
    ``empty_reasons`` table of :func:`model_tables`. A table without rows and without a reason is
    left out: it is not empty by design, and the workbook and appendix stop on it.
    """
    notes: dict[str, str] = {}
    for key in TABLE_KEYS:
        if len(published[key]):
            continue
        mine = reasons[reasons["table"] == key]
        if mine.empty:
            continue
        texts = list(dict.fromkeys(r for r in mine["reason"] if r != STRATIFIED_WHEN_SIGNIFICANT))
        p_values = mine.loc[mine["reason"] == STRATIFIED_WHEN_SIGNIFICANT, "p_value"]
        if len(p_values):
            shown = sorted({float(v) for v in round_significant(p_values.dropna(), 2)})
            if len(p_values) == 1 and len(shown) == 1:
                texts.append(f"{STRATIFIED_WHEN_SIGNIFICANT} (p = {_p_text(shown[0])})")
            else:
                span = (
                    f"p = {_p_text(shown[0])} to {_p_text(shown[-1])}"
                    if len(shown) > 1
                    else f"p = {_p_text(shown[0])}"
                    if shown
                    else "not tested"
                )
                texts.append(
                    f"{STRATIFIED_WHEN_SIGNIFICANT} (p < {p_threshold:g}); it is significant "
                    f"for no area and outcome ({span})"
                )
        notes[MODEL_OUTPUTS[key]] = "; ".join(texts)
    return notes


def publish_model_tables(
    tables: dict[str, pd.DataFrame], rules: dict, rates: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Disclosure control of every table of :func:`model_tables` (see :func:`publish_models`).

    Returns the tables of TABLE_KEYS in the columns of ``PUBLISHED_COLUMNS``; ``rates`` is the
    published rates table the complete-case notes take their counts from.
    """
    complete_cases = tables.get(COMPLETE_CASES)
    out = {}
    for key in TABLE_KEYS:
        table = publish_models(tables[key], rules, complete_cases=complete_cases, rates=rates)
        out[key] = table.reindex(columns=PUBLISHED_COLUMNS[key])
    return out
