"""Differencing: a release, its bounds and its additive sets in; each hidden count bounded by interval
arithmetic over every set (total = sum of the members), iterated until nothing narrows, out."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from birthgaps.core.disclosure import AdditiveSet
from birthgaps.publish.attack_bounds import (
    AttackResult,
    bounds_findings,
    score_bounds,
    structural_sets,
    summary_of,
)
from birthgaps.publish.attack_view import QUANTITIES, Release


def _propagate(
    lo: np.ndarray, hi: np.ndarray, sets: Sequence[AdditiveSet], rounds: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Interval propagation of total = sum(members) over all sets until nothing narrows."""
    lo, hi = lo.copy(), hi.copy()
    for _ in range(rounds):
        changed = False
        for s in sets:
            members = list(s.members)
            t = s.total
            # total within [sum lo, sum hi] of the members
            new_lo, new_hi = lo[members].sum(), hi[members].sum()
            if new_lo > lo[t]:
                lo[t], changed = new_lo, True
            if new_hi < hi[t]:
                hi[t], changed = new_hi, True
            # each member = total - others (an infinite upper bound counted apart)
            sum_lo = lo[members].sum()
            finite = np.isfinite(hi[members])
            sum_hi = hi[members][finite].sum()
            n_inf = int((~finite).sum())
            for m in members:
                others_lo = sum_lo - lo[m]
                if np.isfinite(hi[m]):
                    others_hi = sum_hi - hi[m] if n_inf == 0 else np.inf
                else:
                    others_hi = sum_hi if n_inf == 1 else np.inf
                cand_lo = lo[t] - others_hi
                cand_hi = hi[t] - others_lo
                if cand_lo > lo[m]:
                    lo[m], changed = cand_lo, True
                if cand_hi < hi[m]:
                    hi[m], changed = cand_hi, True
        if not changed:
            break
    return lo, hi


def difference_sets(
    release: Release, bounds: pd.DataFrame, sets: Sequence[AdditiveSet] | None = None
) -> AttackResult:
    """Differencing over every additive set, iterated (interval arithmetic on the bounds).

    A set with one hidden cell gives it as total minus the other members, to within the rounding
    of the shown ones (exactly, if the inversions pinned them). Iterating also narrows cells in
    sets with several hidden cells. Findings: the bounds of every hidden row's counts, plus
    ``single_sets``, the number of sets with exactly one hidden cell.
    """
    started = time.perf_counter()
    rates = release.rates
    sets = structural_sets(rates) if sets is None else sets
    hidden = bounds["hidden"].to_numpy()
    frames = []
    for q in QUANTITIES:
        lo, hi = _propagate(
            bounds[f"{q}_lo"].to_numpy(float), bounds[f"{q}_hi"].to_numpy(float), sets
        )
        rows = np.flatnonzero(hidden)
        frames.append(bounds_findings(rows, q, lo[rows], hi[rows], "differencing"))
    findings = pd.concat(frames, ignore_index=True)
    scored = score_bounds(findings, rates, release.truth)
    summary = summary_of(scored)
    summary["single_sets"] = sum(1 for s in sets if int(hidden[list(s.cells)].sum()) == 1)
    return AttackResult("differencing", scored, summary, time.perf_counter() - started)
