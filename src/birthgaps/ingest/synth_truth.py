"""Known truth for the synthetic release: cell probabilities from true odds or rate ratios, and
draws whose expected count in every (IMD quintile, ethnic group, age band) cell equals them exactly.

A cell is one combination of the true covariates (quintile 0..4, group, age band). An outcome with
a "within-cell modifier" (preterm birth for an emergency caesarean, birth weight for a death) gets
the modifier's effect inside each cell while the cell's expected rate stays the true one, so a
model on quintile, group and age band alone is correctly specified (docs/synthetic-data.md).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logit

#: Bisection steps of the within-cell calibration (2^-80 of the bracket: exact in double precision).
_BISECTION_STEPS = 80


def linear_predictor_cells(log_ratio: dict[str, np.ndarray]) -> np.ndarray:
    """Sum of log odds (or rate) ratios for every (quintile, group, age band) cell, flattened."""
    lin = (
        log_ratio["imd_quintile"][:, None, None]
        + log_ratio["ethnic_group"][None, :, None]
        + log_ratio["age_band"][None, None, :]
    )
    return lin.ravel()


def calibrate_intercept(lin_cells: np.ndarray, cell_n: np.ndarray, target: float) -> float:
    """Logistic intercept whose expected rate over the simulated units equals target."""
    total = cell_n.sum()
    if total == 0:
        return float(np.log(target / (1 - target)))

    def gap(b0: float) -> float:
        return float(cell_n @ expit(b0 + lin_cells) / total - target)

    return float(brentq(gap, -30.0, 30.0, xtol=1e-12))


def cell_probabilities(
    log_ratio: dict[str, np.ndarray], cell_n: np.ndarray, target: float, scale: str
) -> np.ndarray:
    """True probability in each cell: logistic ("odds") or log-linear ("rate") in the ratios, with
    the intercept set so that the expected rate over the simulated units equals target."""
    lin = linear_predictor_cells(log_ratio)
    if scale == "odds":
        return expit(calibrate_intercept(lin, cell_n, target) + lin)
    total = cell_n.sum()
    base = target * total / float(cell_n @ np.exp(lin)) if total else target
    return np.minimum(base * np.exp(lin), 1.0)


def within_cell_probabilities(
    cell: np.ndarray,
    level: np.ndarray,
    offsets: np.ndarray,
    p_cell: np.ndarray,
) -> np.ndarray:
    """Unit probabilities expit(alpha[cell] + offsets[level]) whose mean in each cell is p_cell.

    ``level`` indexes ``offsets`` (log-odds shifts of a modifier such as preterm birth); alpha is
    found per cell by bisection over the counts of each level in the cell, so the expected number
    of events in every cell is exactly n_cell * p_cell whatever the cell's mix of levels.
    """
    n_cells, n_levels = len(p_cell), len(offsets)
    counts = np.bincount(cell * n_levels + level, minlength=n_cells * n_levels)
    counts = counts.reshape(n_cells, n_levels).astype(float)
    n = counts.sum(axis=1)
    p = np.clip(p_cell, 1e-12, 1 - 1e-12)
    lo = np.full(n_cells, logit(p.min()) - offsets.max() - 1.0)
    hi = np.full(n_cells, logit(p.max()) - offsets.min() + 1.0)
    for _ in range(_BISECTION_STEPS):
        mid = (lo + hi) / 2
        mean = (counts * expit(mid[:, None] + offsets[None, :])).sum(axis=1)
        above = mean > n * p
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    alpha = (lo + hi) / 2
    return expit(alpha[cell] + offsets[level])
