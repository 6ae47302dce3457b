"""Attacks on a published release: can anyone work back to a hidden or unrounded count? A release
folder (or two) in; each attack's findings and a summary table out. The attack suite's public face.

The attacker reads only the published CSV tables of a release (``published/tables/*.csv``) and
knows the methods (docs/statistics.md, docs/disclosure.md). Each attack returns an
:class:`AttackResult`: a tidy table of findings (one row per cell it bounds) and a summary. Scores
are computed against the restricted truth (``restricted/rates_unrounded.parquet`` and
``restricted/cells.parquet``), which the attacks themselves never read.

A *cell* is one count of one ``rates.csv`` row (``events`` or ``denominator``; ``non_events`` is
reported as well). The attacks:

The attacker's view is read by ``attack_view``, bounds are kept and scored by ``attack_bounds``;
the attacks live in ``attack_inversions`` (1, 2), ``attack_differencing`` (3) and
``attack_programs`` (4, 5), and their names are importable from here as well:

1. ``invert_wilson``: enumerate the integer counts consistent with a shown row's rounded counts
   (a box of +-2 around them) and keep those whose Wilson limits, rounded as published, match.
2. ``invert_rate_ratios``, ``invert_funnel``, ``invert_crude_models``: the same for the rate ratios
   of ``inequality.csv`` (both groups' counts at once), the funnel limits of ``funnel.csv`` (a
   function of the point's denominator and the baseline) and the crude odds ratios and standard
   errors of ``models.csv`` (complete-case counts of each level).
3. ``difference_sets``: interval arithmetic over every additive set (``rates_additive_sets``,
   listed from the key structure only), iterated until nothing narrows.
4. ``milp_bounds``: an integer program over all rates rows (additive sets exact, shown counts as
   intervals, inversion results as bounds) that minimises and maximises every hidden count.
5. ``milp_two_releases``: the same over two consecutive releases (one year more, or one late
   record more), with the differences between them as non-negative integers.

``attack_release`` and ``attack_pair`` run everything on result folders; ``benchmarks/
attack_release.py`` prints the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from birthgaps.publish.attack_bounds import (
    AttackResult,
    apply_findings,
    initial_bounds,
    score_bounds,
    structural_sets,
)
from birthgaps.publish.attack_differencing import difference_sets
from birthgaps.publish.attack_inversions import (
    complete_case_truth,
    invert_crude_models,
    invert_funnel,
    invert_rate_ratios,
    invert_wilson,
)
from birthgaps.publish.attack_programs import milp_bounds, milp_two_releases
from birthgaps.publish.attack_view import (
    BASE,
    FULL_PRECISION,
    HALF,
    KEYS,
    QUANTITIES,
    SMALL,
    Release,
    decimals,
    load_release,
    matches,
)

__all__ = [
    "BASE",
    "FULL_PRECISION",
    "HALF",
    "KEYS",
    "QUANTITIES",
    "SMALL",
    "AttackResult",
    "Release",
    "apply_findings",
    "attack_pair",
    "attack_release",
    "complete_case_truth",
    "decimals",
    "difference_sets",
    "initial_bounds",
    "inversion_bounds",
    "invert_crude_models",
    "invert_funnel",
    "invert_rate_ratios",
    "invert_wilson",
    "load_release",
    "matches",
    "milp_bounds",
    "milp_two_releases",
    "score_bounds",
    "structural_sets",
    "summary_table",
]


# ------------------------------------------------------------------------------------------------
# Running everything
# ------------------------------------------------------------------------------------------------


def inversion_bounds(
    release: Release, *, half: int | None = None
) -> tuple[pd.DataFrame, dict[str, AttackResult]]:
    """Bounds after every inversion attack (Wilson, rate ratios, funnel), and their results."""
    bounds = initial_bounds(release.rates, half=half)
    results: dict[str, AttackResult] = {}
    wilson = invert_wilson(release, bounds)
    results["wilson"] = wilson
    bounds = apply_findings(bounds, wilson.findings)
    for attack in (invert_rate_ratios, invert_funnel):
        result = attack(release, bounds)
        results[result.name] = result
        bounds = apply_findings(bounds, result.findings)
    results["crude_models"] = invert_crude_models(release)
    return bounds, results


def attack_release(
    release: Release | str | Path,
    *,
    time_limit: float = 5.0,
    strong: bool = True,
    shown: bool = True,
    baseline: bool = True,
) -> dict[str, AttackResult]:
    """Every one-release attack in turn, each starting from what the earlier ones found.

    Returns the results by name: ``wilson``, ``rate_ratio``, ``funnel``, ``crude_models``,
    ``differencing``, ``milp`` and (with ``strong``) ``milp_strong``; plus (with ``baseline``)
    ``rounding_only``, the integer program from the rounded counts alone (no inversion), for
    comparison. ``shown`` also bounds the shown counts in ``milp`` (LP relaxation).
    """
    if not isinstance(release, Release):
        release = load_release(release)
    bounds, results = inversion_bounds(release)
    sets = structural_sets(release.rates)
    if baseline:
        plain = initial_bounds(release.rates)
        only = milp_bounds(release, plain, time_limit=time_limit, sets=sets)
        only.name = "rounding_only"
        results["rounding_only"] = only
    results["differencing"] = difference_sets(release, bounds, sets)
    results["milp"] = milp_bounds(release, bounds, time_limit=time_limit, sets=sets, shown=shown)
    if strong:
        results["milp_strong"] = milp_bounds(
            release, bounds, strong=True, time_limit=time_limit, sets=sets
        )
    return results


def attack_pair(
    first: Release | str | Path,
    second: Release | str | Path,
    *,
    kind: str = "year",
    time_limit: float = 5.0,
    use_inversions: bool = True,
    carried: bool = False,
) -> dict[str, AttackResult]:
    """Two-release differencing (``milp_two_releases``) after each release's inversion attacks.

    ``carried``: the second release followed the first (``releases.<name>.previous``), so the
    attacker knows its shown counts may be up to ``base - 1`` from the truth, not ``base // 2``.
    """
    releases = [r if isinstance(r, Release) else load_release(r) for r in (first, second)]
    halves = [None, BASE - 1 if carried else None]
    if use_inversions:
        bounds = [inversion_bounds(r, half=h)[0] for r, h in zip(releases, halves, strict=True)]
    else:
        bounds = [initial_bounds(r.rates, half=h) for r, h in zip(releases, halves, strict=True)]
    return milp_two_releases(*releases, *bounds, kind=kind, time_limit=time_limit, shown=True)


def summary_table(results: Mapping[str, AttackResult]) -> pd.DataFrame:
    """One row per attack: its summary and run time."""
    rows = [
        {"attack": name, **r.summary, "seconds": round(r.seconds, 2)} for name, r in results.items()
    ]
    return pd.DataFrame(rows)
