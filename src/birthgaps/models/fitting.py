"""Grouped-count GLMs: logistic (odds ratios) and modified Poisson (risk ratios), exactly.

Every model is fitted on grouped counts: cells are collapsed over the model's terms and each
covariate pattern contributes its events and births. The grouped likelihood has the same score and
information as the record-level (one row per birth) model, so coefficients and standard errors are
identical, at a small fraction of the cost (docs/models.md):

- odds ratios: binomial GLM, logit link, response ``[events, non-events]``, model-based errors;
- risk ratios: modified Poisson (Zou 2004): Poisson GLM, log link, ``events`` with a
  ``log(denominator)`` offset, robust (HC0 sandwich) errors computed exactly from the cells;
- fit statistics: record-level log-likelihood and the c-statistic from the cells.

A population (or cells) enters; a :class:`Fit` (or a statsmodels result) leaves."""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit, xlogy
from scipy.stats import norm
from statsmodels.genmod.generalized_linear_model import GLMResultsWrapper
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from birthgaps.models.frame import check_cells, collapse, dependent_columns, design
from birthgaps.models.population import Population

try:  # optional: keeps BLAS single-threaded while fitting many small models (see docs/models.md)
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - depends on the environment
    threadpool_limits = None


Family = Literal["logit", "poisson"]

#: Ratio measure -> GLM family that estimates it.
MEASURE_FAMILY: dict[str, Family] = {"odds_ratio": "logit", "risk_ratio": "poisson"}


#: A fitted coefficient beyond these bounds signals (quasi-)separation, not an estimate.
MAX_ABS_LOG_OR = 10.0
MAX_SE = 5.0

Z95 = float(norm.ppf(0.975))


def _glm(events: np.ndarray, denominator: np.ndarray, exog: Any, family: Family) -> sm.GLM:
    """The grouped GLM of ``family``: binomial ``[events, non-events]`` or Poisson with offset."""
    if family == "logit":
        endog = np.column_stack([events, denominator - events])
        return sm.GLM(endog, exog, family=sm.families.Binomial())
    return sm.GLM(events, exog, family=sm.families.Poisson(), offset=np.log(denominator))


def fitted_risk(x: np.ndarray, params: np.ndarray, family: Family) -> np.ndarray:
    """Fitted risk per birth of each pattern: expit(x'b) (logit) or exp(x'b) (log link)."""
    eta = x @ params
    if family == "logit":
        return expit(eta)
    with np.errstate(over="ignore"):
        return np.exp(eta)


def information(x: np.ndarray, denominator: np.ndarray, risk: np.ndarray, family: Family):
    """Fisher information X' W X of the canonical-link GLM (record level = grouped)."""
    variance = risk * (1 - risk) if family == "logit" else risk
    return x.T @ (x * (denominator * variance)[:, None])


def score_cross(
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
    bread = np.linalg.inv(information(x, denominator, risk, family))
    meat = score_cross(x, x, events, denominator, risk, risk)
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
class Fit:
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


def fit_population(
    population: Population, family: Family, extra: dict[str, np.ndarray] | None = None
) -> Fit | None:
    """Fit ``family`` to a prepared population (plus ``extra`` design columns); None if unfittable.

    Aliased columns are dropped first. Logit fits keep statsmodels' model-based covariance;
    Poisson (modified Poisson) fits get the exact grouped HC0 sandwich.
    """
    if population.problem:
        return None
    endog, exog, _ = design(population.cells, population.terms, population.refs)
    if extra:
        exog = pd.concat([exog, pd.DataFrame(extra, index=exog.index)], axis=1)
    dependent = dependent_columns(exog)
    if dependent:
        exog = exog.drop(columns=dependent)
    events = endog[:, 0]
    denominator = endog[:, 0] + endog[:, 1]
    fit = Fit(
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
    fit.risk = fitted_risk(fit.x, fit.params, family)
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
    check_cells(cells, terms)
    collapsed = collapse(cells, terms)
    collapsed = collapsed[collapsed["denominator"] > 0]
    endog, exog, _ = design(collapsed, terms, reference)
    with warnings.catch_warnings(), single_threaded_blas():
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
    check_cells(cells, terms)
    collapsed = collapse(cells, terms)
    collapsed = collapsed[collapsed["denominator"] > 0]
    endog, exog, _ = design(collapsed, terms, reference)
    events, denominator = endog[:, 0], endog[:, 0] + endog[:, 1]
    with warnings.catch_warnings(), single_threaded_blas():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        result = _glm(events, denominator, exog, "poisson").fit()
    x = exog.to_numpy(dtype=float)
    risk = fitted_risk(x, result.params.to_numpy(dtype=float), "poisson")
    cov = grouped_sandwich(x, events, denominator, risk, "poisson")
    names = list(exog.columns)
    cov_frame = pd.DataFrame(cov, index=names, columns=names)
    bse = pd.Series(np.sqrt(np.diag(cov)), index=names)
    return RobustFit(params=result.params, cov=cov_frame, bse=bse, result=result)


def single_threaded_blas() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread when threadpoolctl is installed (a no-op otherwise).

    The design matrices here are small (at most a few thousand rows by a few dozen columns):
    multi-threaded LAPACK gains nothing on them and, on a busy machine, waits for cores.
    """
    if threadpool_limits is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
