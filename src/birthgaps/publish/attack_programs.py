"""Integer programs: one release (or two consecutive ones) and the bounds the other attacks found in; the
minimum and maximum of every hidden count over all integer tables consistent with what is published out."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix, csr_matrix

from birthgaps.core.disclosure import AdditiveSet
from birthgaps.publish.attack_bounds import (
    AttackResult,
    bounds_findings,
    score_bounds,
    structural_sets,
    summary_of,
)
from birthgaps.publish.attack_view import QUANTITIES, SMALL, Release, row_index


@dataclass
class _Program:
    """A linear system over integer variables: rows of A x (=, <=) b, variable bounds."""

    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    rows: list[list[tuple[int, float]]] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)

    def add_vars(self, lb: np.ndarray, ub: np.ndarray, integer: bool = True) -> np.ndarray:
        start = len(self.lb)
        self.lb += list(map(float, lb))
        self.ub += list(map(float, ub))
        self.integer += [1 if integer else 0] * len(lb)
        return np.arange(start, start + len(lb))

    def add(self, terms: Sequence[tuple[int, float]], low: float, high: float) -> None:
        self.rows.append(list(terms))
        self.low.append(low)
        self.high.append(high)

    def matrix(self) -> csr_matrix:
        r, c, v = [], [], []
        for i, terms in enumerate(self.rows):
            for j, coef in terms:
                r.append(i)
                c.append(j)
                v.append(coef)
        shape = (len(self.rows), len(self.lb))
        return coo_matrix((v, (r, c)), shape=shape).tocsr()


def _add_release(
    program: _Program,
    bounds: pd.DataFrame,
    sets: Sequence[AdditiveSet],
    rates: pd.DataFrame,
    strong: bool,
) -> dict[str, np.ndarray]:
    """Variables (events, denominator) of every rates row with the one-release constraints."""
    variables = {}
    for q in QUANTITIES:
        lo = bounds[f"{q}_lo"].to_numpy(float)
        hi = bounds[f"{q}_hi"].to_numpy(float)
        variables[q] = program.add_vars(np.ceil(lo), np.floor(hi))
    ev, den = variables["events"], variables["denominator"]
    for i in range(len(ev)):
        program.add([(den[i], 1.0), (ev[i], -1.0)], 0.0, np.inf)  # events <= denominator
    for s in sets:
        for v in (ev, den):
            program.add([(v[s.total], 1.0), *[(v[m], -1.0) for m in s.members]], 0.0, 0.0)
    if strong:
        _add_strong(program, bounds, rates, ev, den)
    return variables


def _add_strong(
    program: _Program, bounds: pd.DataFrame, rates: pd.DataFrame, ev: np.ndarray, den: np.ndarray
) -> None:
    """What a well-informed attacker adds: shown non-events are 0 or >= 8 (a disjunction with a
    binary), term LBW events <= LBW events, term LBW births <= preterm non-events (same key)."""
    big = 1e6
    hidden = bounds["hidden"].to_numpy()
    for i in np.flatnonzero(~hidden):
        if bounds["denominator_lo"].iloc[i] - bounds["events_hi"].iloc[i] >= SMALL[1] + 1:
            continue
        z = program.add_vars(np.array([0.0]), np.array([1.0]))[0]
        # non-events >= 8 z and non-events <= big z  (so 0 when z = 0, >= 8 when z = 1)
        program.add([(den[i], 1.0), (ev[i], -1.0), (z, -(SMALL[1] + 1.0))], 0.0, np.inf)
        program.add([(den[i], 1.0), (ev[i], -1.0), (z, -big)], -np.inf, 0.0)
    index = row_index(rates)
    for key, i in index.items():
        area, outcome, dimension, group = key
        if outcome != "term_lbw":
            continue
        lbw = index.get((area, "lbw", dimension, group))
        pre = index.get((area, "preterm", dimension, group))
        if lbw is not None:
            program.add([(ev[lbw], 1.0), (ev[i], -1.0)], 0.0, np.inf)
        if pre is not None:
            program.add([(den[pre], 1.0), (ev[pre], -1.0), (den[i], -1.0)], 0.0, np.inf)


def _components(program: _Program) -> np.ndarray:
    """Connected component of each variable (variables linked by a shared constraint)."""
    from scipy.sparse.csgraph import connected_components

    a = program.matrix()
    incidence = (a != 0).astype(float)
    graph = incidence.T @ incidence
    return connected_components(graph, directed=False)[1]


_LP_CACHE: dict[int, tuple] = {}


def _lp_form(sub: csr_matrix, low: np.ndarray, high: np.ndarray) -> tuple:
    """``sub`` x within [low, high] as linprog's A_ub x <= b_ub, A_eq x = b_eq (cached per matrix)."""
    key = id(sub)
    cached = _LP_CACHE.get(key)
    if cached is not None and cached[0] is sub:
        return cached[1]
    from scipy.sparse import vstack

    eq = low == high
    upper = np.isfinite(high) & ~eq
    lower = np.isfinite(low) & ~eq
    a_ub = b_ub = a_eq = b_eq = None
    if upper.any() or lower.any():
        a_ub = vstack([sub[np.flatnonzero(upper)], -sub[np.flatnonzero(lower)]]).tocsr()
        b_ub = np.concatenate([high[upper], -low[lower]])
    if eq.any():
        a_eq, b_eq = sub[np.flatnonzero(eq)], low[eq]
    form = (a_ub, b_ub, a_eq, b_eq)
    _LP_CACHE.clear()
    _LP_CACHE[key] = (sub, form)
    return form


def _solve_one(
    c: np.ndarray,
    sub: csr_matrix,
    low: np.ndarray,
    high: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    integrality: np.ndarray | None,
    time_limit: float,
) -> float | None:
    """Minimum of c'x (None if not solved): MILP with ``integrality``, else the LP relaxation."""
    if integrality is not None:
        res = milp(
            c,
            constraints=LinearConstraint(sub, low, high),
            integrality=integrality,
            bounds=Bounds(lb, ub),
            options={"time_limit": time_limit},
        )
        if res.status == 0:
            return float(res.fun)
        bound = getattr(res, "mip_dual_bound", None)  # cut short: the dual bound is still valid
        return None if bound is None or not np.isfinite(bound) else float(bound)
    a_ub, b_ub, a_eq, b_eq = _lp_form(sub, low, high)
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=np.column_stack([lb, ub]),
        method="highs",
    )
    return float(res.fun) if res.status == 0 else None


def _solve_extremes(
    program: _Program,
    targets: np.ndarray,
    *,
    time_limit: float,
    integer: bool = True,
    milp_width: float = 12,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of each target variable over the program's integer points.

    Each target is solved within its connected component. The LP relaxation comes first (its
    bounds, rounded inwards, are valid); with ``integer`` the MILP then tightens every target
    whose LP range is at most ``milp_width`` wide (a wider range cannot plausibly shrink to the
    widths scored here, and skipping it keeps the run short).
    """
    a = program.matrix()
    lb, ub = np.array(program.lb), np.array(program.ub)
    low, high = np.array(program.low), np.array(program.high)
    integrality = np.array(program.integer)
    comp = _components(program)
    mins = lb[targets].astype(float).copy()
    maxs = ub[targets].astype(float).copy()
    cache: dict[int, tuple] = {}
    for k, t in enumerate(targets):
        cid = comp[t]
        if cid not in cache:
            cols = np.flatnonzero(comp == cid)
            rows = np.flatnonzero(np.asarray(abs(a[:, cols]).sum(axis=1)).ravel() > 0)
            cache[cid] = (cols, a[rows][:, cols].tocsr(), low[rows], high[rows])
        cols, sub, lo_r, hi_r = cache[cid]
        if len(lo_r) == 0:
            continue
        position = int(np.searchsorted(cols, t))
        args = (sub, lo_r, hi_r, lb[cols], ub[cols])
        values = []
        for sign in (1.0, -1.0):
            c = np.zeros(len(cols))
            c[position] = sign
            value = _solve_one(c, *args, None, 0)
            values.append(np.nan if value is None else sign * value)
        lo_v, hi_v = values
        if not np.isnan(lo_v):
            mins[k] = max(mins[k], np.ceil(lo_v - 1e-6))
        if not np.isnan(hi_v):
            maxs[k] = min(maxs[k], np.floor(hi_v + 1e-6))
        if integer and maxs[k] - mins[k] <= milp_width and maxs[k] > mins[k]:
            for sign in (1.0, -1.0):
                c = np.zeros(len(cols))
                c[position] = sign
                value = _solve_one(c, *args, integrality[cols], time_limit)
                if value is None:
                    continue
                if sign > 0:
                    mins[k] = max(mins[k], np.ceil(value - 1e-6))
                else:
                    maxs[k] = min(maxs[k], np.floor(-value + 1e-6))
    return mins, maxs


def milp_bounds(
    release: Release,
    bounds: pd.DataFrame,
    *,
    strong: bool = False,
    time_limit: float = 5.0,
    shown: bool = False,
    sets: Sequence[AdditiveSet] | None = None,
) -> AttackResult:
    """Minimum and maximum of every hidden count by mixed-integer programming (HiGHS).

    Variables: events and denominator of every rates row, integer, within ``bounds`` (shown
    rounded counts as intervals, narrowed by the inversion attacks). Constraints: every additive
    set exact, events <= denominator; with ``strong`` also the disjunctions and cross-outcome
    inclusions of ``_add_strong``. Each hidden count is minimised and maximised within its
    connected component (``_solve_extremes``: LP relaxation, then the MILP where the LP range is
    narrow; ``time_limit`` seconds per MILP solve, a solve cut short reports its dual bound,
    which is still valid). With ``shown`` the shown counts are bounded too, by the LP
    relaxation (rounded inwards), which proves pins but may miss some.
    """
    started = time.perf_counter()
    rates = release.rates
    sets = structural_sets(rates) if sets is None else sets
    program = _Program()
    variables = _add_release(program, bounds, sets, rates, strong)
    hidden = bounds["hidden"].to_numpy()
    frames = []
    for q in QUANTITIES:
        rows = np.flatnonzero(hidden)
        lo, hi = _solve_extremes(program, variables[q][rows], time_limit=time_limit)
        frames.append(bounds_findings(rows, q, lo, hi, "milp_strong" if strong else "milp"))
        if shown:
            rows = np.flatnonzero(~hidden)
            lo, hi = _solve_extremes(program, variables[q][rows], time_limit=0, integer=False)
            frames.append(bounds_findings(rows, q, lo, hi, "lp"))
    findings = pd.concat(frames, ignore_index=True)
    scored = score_bounds(findings, rates, release.truth)
    name = "milp_strong" if strong else "milp"
    return AttackResult(name, scored, summary_of(scored), time.perf_counter() - started)


def milp_two_releases(
    first: Release,
    second: Release,
    bounds_first: pd.DataFrame,
    bounds_second: pd.DataFrame,
    *,
    kind: str = "year",
    time_limit: float = 5.0,
    shown: bool = False,
) -> dict[str, AttackResult]:
    """Differencing across two consecutive releases by mixed-integer programming.

    ``kind="year"``: ``second`` covers one year more. Every row key of both releases that is
    not a ``year`` row satisfies second = first + d with d >= 0 (events, non-events); ``year``
    rows of the common years are equal. ``kind="record"``: ``second`` has one late record more,
    so every common key has second = first + d with d in {0, 1}. Both releases keep their own
    additive sets. Returns one result per release (keys ``first`` and ``second``).
    """
    if kind not in {"year", "record"}:
        raise ValueError("kind must be 'year' or 'record'")
    started = time.perf_counter()
    program = _Program()
    parts = []
    for release, bounds in ((first, bounds_first), (second, bounds_second)):
        sets = structural_sets(release.rates)
        parts.append(_add_release(program, bounds, sets, release.rates, False))
    index_first = row_index(first.rates)
    index_second = row_index(second.rates)
    years_first = set(first.rates.loc[first.rates["dimension"] == "year", "group"].astype(str))
    for key, i in index_first.items():
        j = index_second.get(key)
        if j is None:
            continue
        ev1, den1 = parts[0]["events"][i], parts[0]["denominator"][i]
        ev2, den2 = parts[1]["events"][j], parts[1]["denominator"][j]
        if kind == "year" and key[2] == "year":
            if key[3] in years_first:
                program.add([(ev2, 1.0), (ev1, -1.0)], 0.0, 0.0)
                program.add([(den2, 1.0), (den1, -1.0)], 0.0, 0.0)
            continue
        most = np.inf if kind == "year" else 1.0
        program.add([(ev2, 1.0), (ev1, -1.0)], 0.0, most)
        program.add([(den2, 1.0), (den1, -1.0), (ev2, -1.0), (ev1, 1.0)], 0.0, most)
        if kind == "record":
            program.add([(den2, 1.0), (den1, -1.0)], 0.0, 1.0)
    out = {}
    for label, release, bounds, variables in (
        ("first", first, bounds_first, parts[0]),
        ("second", second, bounds_second, parts[1]),
    ):
        hidden = bounds["hidden"].to_numpy()
        frames = []
        for q in QUANTITIES:
            rows = np.flatnonzero(hidden)
            lo, hi = _solve_extremes(program, variables[q][rows], time_limit=time_limit)
            frames.append(bounds_findings(rows, q, lo, hi, f"two_releases_{kind}"))
            if shown:
                rows = np.flatnonzero(~hidden)
                lo, hi = _solve_extremes(program, variables[q][rows], time_limit=0, integer=False)
                frames.append(bounds_findings(rows, q, lo, hi, "lp"))
        findings = pd.concat(frames, ignore_index=True)
        scored = score_bounds(findings, release.rates, release.truth)
        out[label] = AttackResult(
            f"two_releases_{kind}_{label}",
            scored,
            summary_of(scored),
            time.perf_counter() - started,
        )
    return out
