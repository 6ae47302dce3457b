"""The attack suite (birthgaps.publish.audit) on small constructed tables: each attack must succeed where
counts leak, and find nothing on outputs computed from the protected counts. The attacks on the
pipeline's own outputs (one release, and two consecutive ones) are in
tests/test_workflow_releases.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.publish import audit
from birthgaps.stats.measures import proportion_ci, rate_ratio

LIMITS = ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]


# ------------------------------------------------------------------------------------------------
# Small constructed tables
# ------------------------------------------------------------------------------------------------


def rnd(values) -> np.ndarray:
    """Round to 5 as published (halves up)."""
    return (np.floor(np.asarray(values, dtype=float) / 5 + 0.5) * 5).astype(int)


def make_release(
    rows: list[tuple], *, hidden: set[int] = frozenset(), from_rounded: bool = False, **extra
) -> audit.Release:
    """A Release from (area, outcome, dimension, group, events, denominator) rows.

    Shown counts are rounded to 5; Wilson limits (percent, 2 decimals) are computed from the
    unrounded counts, or from the rounded ones with ``from_rounded``. Hidden rows are blank.
    """
    frame = pd.DataFrame(rows, columns=[*audit.KEYS, "events", "denominator"])
    truth = frame[[*audit.KEYS, "events", "denominator"]].copy()
    out = frame[audit.KEYS].copy()
    ev, den = rnd(frame["events"]), rnd(frame["denominator"])
    base_e = ev if from_rounded else frame["events"].to_numpy()
    base_n = den if from_rounded else frame["denominator"].to_numpy()
    ci = proportion_ci(base_e, base_n, confidence=(0.95, 0.998), multiplier=100)
    mask = np.array([i in hidden for i in range(len(frame))])
    out["events"] = pd.array(np.where(mask, pd.NA, ev), dtype="Int64")
    out["denominator"] = pd.array(np.where(mask, pd.NA, den), dtype="Int64")
    for column in LIMITS:
        out[column] = ci[column].round(2).where(~mask)
    out["suppressed"] = mask
    tables = {"rates": out, **extra}
    text = {name: t.astype("string").fillna("").astype(str) for name, t in tables.items()}
    return audit.Release(Path("."), tables, text, truth=truth)


def wilson_rows(events: list[int], denominators: list[int]) -> list[tuple]:
    return [
        ("A", "lbw", "ethnic_group", f"g{i}", e, n)
        for i, (e, n) in enumerate(zip(events, denominators, strict=True))
    ]


EVENTS = [123, 87, 241, 56, 312, 99]
DENOMINATORS = [1457, 1103, 2976, 843, 4012, 1288]


def test_wilson_limits_from_exact_counts_give_them_back():
    release = make_release(wilson_rows(EVENTS, DENOMINATORS))
    result = audit.invert_wilson(release)
    events = result.findings[result.findings["quantity"] == "events"]
    assert events["correct"].all()
    assert events["exact"].sum() >= 5  # 4 decimals of a proportion pin the events
    assert result.summary["shown_unrounded"] >= 4


def test_wilson_limits_from_rounded_counts_give_nothing():
    release = make_release(wilson_rows(EVENTS, DENOMINATORS), from_rounded=True)
    result = audit.invert_wilson(release)
    assert result.findings.empty
    assert result.summary["shown_pinned"] == 0


def rate_ratio_release(from_rounded: bool) -> audit.Release:
    groups = [("1", 130, 1411), ("2", 96, 1302), ("5", 61, 1187)]
    rows = [("A", "lbw", "imd_quintile", g, e, n) for g, e, n in groups]
    ineq = []
    ref = groups[-1]
    for g, e, n in groups[:-1]:
        a, n1, b, n0 = (int(v) for v in (e, n, ref[1], ref[2]))
        if from_rounded:
            a, n1, b, n0 = (int(v) for v in rnd([a, n1, b, n0]))
        rr = {
            level: rate_ratio(a, n1, b, n0, confidence=level, kind="risk")
            for level in (0.95, 0.998)
        }
        ineq.append(
            {
                "area_code": "A",
                "outcome": "lbw",
                "measure": "rate_ratio",
                "dimension": "imd_quintile",
                "group": g,
                "reference": ref[0],
                "value": round(float(rr[0.95]["ratio"].iloc[0]), 4),
                "lower_95": round(float(rr[0.95]["lower_95"].iloc[0]), 4),
                "upper_95": round(float(rr[0.95]["upper_95"].iloc[0]), 4),
                "lower_99_8": round(float(rr[0.998]["lower_99_8"].iloc[0]), 4),
                "upper_99_8": round(float(rr[0.998]["upper_99_8"].iloc[0]), 4),
            }
        )
    release = make_release(rows, from_rounded=True, inequality=pd.DataFrame(ineq))
    return release


def test_rate_ratios_from_exact_counts_give_them_back():
    release = rate_ratio_release(from_rounded=False)
    bounds = audit.initial_bounds(release.rates)
    result = audit.invert_rate_ratios(release, bounds)
    assert result.findings["correct"].all()
    assert result.summary["shown_unrounded"] >= 3


def test_rate_ratios_from_rounded_counts_give_nothing():
    release = rate_ratio_release(from_rounded=True)
    result = audit.invert_rate_ratios(release, audit.initial_bounds(release.rates))
    assert result.summary["shown_pinned"] == 0


def crude_model_release(from_rounded: bool) -> audit.Release:
    """A crude OR table (closed form of the one-factor logit) for levels 1, 2 against 5."""
    counts = {"1": (130, 1411), "2": (96, 1302), "5": (61, 1187)}
    rows = [("A", "lbw", "imd_quintile", g, e, n) for g, (e, n) in counts.items()]
    c, m0 = counts["5"]
    if from_rounded:
        c, m0 = (int(v) for v in rnd([c, m0]))
    models = []
    for level in ("1", "2"):
        a, m1 = counts[level]
        if from_rounded:
            a, m1 = (int(v) for v in rnd([a, m1]))
        odds = (a / (m1 - a)) / (c / (m0 - c))
        se = np.sqrt(1 / a + 1 / (m1 - a) + 1 / c + 1 / (m0 - c))
        models.append(
            {
                "area_code": "A",
                "outcome": "lbw",
                "model": "crude",
                "term": "imd_quintile",
                "level": level,
                "reference": "5",
                "odds_ratio": odds,
                "se": se,
            }
        )
    cells = pd.DataFrame(
        [("A", 2020, g, "White", "25-29", "lbw", e, n) for g, (e, n) in counts.items()],
        columns=[
            "area_code",
            "year",
            "imd_quintile",
            "ethnic_group",
            "age_band",
            "outcome",
            "events",
            "denominator",
        ],
    )
    release = make_release(rows, models=pd.DataFrame(models))
    release.cells = cells
    return release


def test_crude_odds_ratios_with_standard_errors_give_counts_back():
    result = audit.invert_crude_models(crude_model_release(from_rounded=False))
    area = result.findings[result.findings["area_code"] == "A"]
    assert len(area) == 3
    assert area["recovered"].all()


def test_crude_odds_ratios_from_rounded_counts_give_only_rounded_counts():
    result = audit.invert_crude_models(crude_model_release(from_rounded=True))
    assert not result.findings["recovered"].any()
    assert result.summary.get("levels_recovered", 0) == 0


def set_release() -> audit.Release:
    """Overall = three groups; group g2 (true events 3) hidden."""
    rows = [
        ("A", "lbw", "overall", "All", 503, 5012),
        ("A", "lbw", "age_band", "g1", 246, 2506),
        ("A", "lbw", "age_band", "g2", 3, 41),
        ("A", "lbw", "age_band", "g3", 254, 2465),
    ]
    return make_release(rows, hidden={2})


def exact_bounds(release: audit.Release) -> pd.DataFrame:
    """Bounds as if every shown count had been recovered exactly (e.g. by inversion)."""
    bounds = audit.initial_bounds(release.rates)
    shown = ~bounds["hidden"]
    for q in audit.QUANTITIES:
        true = release.truth[q].astype(float)
        bounds.loc[shown, f"{q}_lo"] = true[shown]
        bounds.loc[shown, f"{q}_hi"] = true[shown]
    return bounds


def test_structural_sets_need_no_truth():
    release = set_release()
    sets = audit.structural_sets(release.rates)
    assert len(sets) == 1 and sets[0].total == 0 and sets[0].members == (1, 2, 3)


def test_differencing_a_set_with_one_hidden_cell():
    release = set_release()
    exact = audit.difference_sets(release, exact_bounds(release))
    assert exact.summary["hidden_recovered"] == 2  # events and denominator
    rounded = audit.difference_sets(release, audit.initial_bounds(release.rates))
    events = rounded.findings[rounded.findings["quantity"] == "events"].iloc[0]
    assert events["correct"] and events["width"] <= 12  # 3 +- the rounding of three counts
    assert rounded.summary["hidden_small_narrow"] == 0


def test_milp_finds_one_hidden_cell_and_not_two():
    release = set_release()
    found = audit.milp_bounds(release, exact_bounds(release), time_limit=2)
    assert found.summary["hidden_exact"] == 2
    assert found.findings["correct"].all()
    two = make_release(
        [
            ("A", "lbw", "overall", "All", 503, 5012),
            ("A", "lbw", "age_band", "g1", 246, 2506),
            ("A", "lbw", "age_band", "g2", 3, 41),
            ("A", "lbw", "age_band", "g3", 254, 2465),
        ],
        hidden={1, 2},
    )
    safe = audit.milp_bounds(two, exact_bounds(two), time_limit=2, strong=True)
    assert safe.findings["correct"].all()
    assert safe.summary["hidden_exact"] == 0
    assert safe.summary["hidden_small_narrow"] == 0


def year_releases() -> tuple[audit.Release, audit.Release]:
    first = make_release(
        [
            ("A", "lbw", "overall", "All", 301, 3020),
            ("A", "lbw", "year", "2019", 151, 1490),
            ("A", "lbw", "year", "2020", 150, 1530),
        ]
    )
    second = make_release(
        [
            ("A", "lbw", "overall", "All", 304, 3061),
            ("A", "lbw", "year", "2019", 151, 1490),
            ("A", "lbw", "year", "2020", 150, 1530),
            ("A", "lbw", "year", "2021", 3, 41),
        ],
        hidden={2, 3},
    )
    return first, second


def test_two_releases_one_year_more():
    first, second = year_releases()
    alone = audit.milp_bounds(second, exact_bounds(second), time_limit=2)
    assert alone.summary["hidden_exact"] == 0
    both = audit.milp_two_releases(
        first, second, exact_bounds(first), exact_bounds(second), kind="year", time_limit=2
    )
    assert both["second"].summary["hidden_recovered"] == 4
    rounded = audit.milp_two_releases(
        first,
        second,
        audit.initial_bounds(first.rates),
        audit.initial_bounds(second.rates),
        kind="year",
        time_limit=2,
    )
    assert rounded["second"].findings["correct"].all()
    assert rounded["second"].summary["hidden_small_narrow"] == 0


def test_decimals_and_matches():
    assert audit.decimals(pd.Series(["1.5", "2.25", "", "3"])) == 2
    assert audit.decimals(pd.Series(["1.2e-05"])) == audit.FULL_PRECISION
    assert audit.matches(np.array([7.664, 7.666]), 7.66, 2).tolist() == [True, False]


def detailed_rows() -> list[tuple]:
    """Overall = Asian + Black high-level groups = four detailed groups; Indian (events 3) small."""
    return [
        ("A", "lbw", "overall", "All", 160, 1700),
        ("A", "lbw", "ethnic_group", "Asian", 80, 900),
        ("A", "lbw", "ethnic_group", "Black", 80, 800),
        ("A", "lbw", "ethnic_group_detailed", "Indian", 3, 40),
        ("A", "lbw", "ethnic_group_detailed", "Pakistani", 77, 860),
        ("A", "lbw", "ethnic_group_detailed", "African", 60, 600),
        ("A", "lbw", "ethnic_group_detailed", "Caribbean", 20, 200),
    ]


def test_differencing_knows_detailed_groups_sum_to_their_high_level_group():
    from birthgaps.core.disclosure import rates_additive_sets, secondary_mask

    rows = detailed_rows()
    sets = audit.structural_sets(make_release(rows).rates)
    assert {(s.total, s.members) for s in sets} >= {(1, (3, 4)), (2, (5, 6)), (0, (3, 4, 5, 6))}
    truth = pd.DataFrame(rows, columns=[*audit.KEYS, "events", "denominator"])
    primary = np.array([i == 3 for i in range(len(rows))])
    size = truth["denominator"].to_numpy()
    # blind to the hierarchy, the complement of Indian is Caribbean (the smallest detailed group)
    blind = secondary_mask(primary, rates_additive_sets(truth, nested={}), size)
    assert set(np.flatnonzero(blind)) == {3, 6}
    naive = make_release(rows, hidden=set(np.flatnonzero(blind)))
    found = audit.difference_sets(naive, exact_bounds(naive))
    assert found.summary["hidden_recovered"] >= 2  # Indian = Asian - Pakistani
    # knowing it, the complement is Pakistani, which protects both sets Indian is in
    aware = secondary_mask(primary, rates_additive_sets(truth), size)
    assert set(np.flatnonzero(aware)) == {3, 4}
    safe = make_release(rows, hidden=set(np.flatnonzero(aware)))
    result = audit.difference_sets(safe, exact_bounds(safe))
    assert result.summary["hidden_exact"] == 0 and result.summary["single_sets"] == 0
