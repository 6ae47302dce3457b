"""Linked infant deaths of the synthetic release: a separate deaths extract (baby_id, death_date)
drawn from a known true model (rate ratios by IMD quintile, ethnic group and age band) with the
birth-weight shape and ages at death of the ONS 2022 tables, plus the dirt of a real linkage.

Deaths use their own random stream, so the births extract is unchanged by them. Every dirty record
is an extra record (unlinked id, death after the follow-up end, death before birth, duplicate,
death of a stillborn baby), so the true infant deaths are all present exactly once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import logit

from birthgaps.ingest.synth_draws import hex_ids, pick_disjoint
from birthgaps.ingest.synth_truth import cell_probabilities, within_cell_probabilities

#: Columns of the deaths extract.
DEATH_COLUMNS = ["baby_id", "death_date"]
#: Id of the random stream of the deaths (seeded with [seed, stream]).
DEATHS_STREAM = 13

#: Birth-weight bands (g): < 1000, 1000-1499, ..., 3000-3499, 3500 and over.
WEIGHT_BAND_EDGES = [1000, 1500, 2000, 2500, 3000, 3500]
#: ONS, Child and infant mortality in England and Wales: 2022, Table 9 (birthweight, 2022):
#: live births, early neonatal, neonatal, postneonatal and infant deaths in each band (3500-3999
#: and 4000 and over added together). The deaths of babies whose weight was implausible or not
#: stated (early neonatal 412, neonatal 509, postneonatal 105, infant 614; mostly extremely
#: preterm: Table 17 counts 302 infant deaths of babies born before 22 weeks) are added to the
#: under-1,000 g band, so the bands add up to the published infant mortality of 3.9 per 1,000.
ONS_2022_BY_WEIGHT = np.array(
    [
        [2167, 653 + 412, 768 + 509, 90 + 105, 858 + 614],
        [2861, 65, 90, 23, 113],
        [7270, 51, 70, 45, 115],
        [28705, 47, 75, 65, 140],
        [104070, 51, 82, 89, 171],
        [218985, 46, 85, 101, 186],
        [225498, 28, 49, 50, 99],
    ],
    dtype=float,
)
#: Log-odds shape of infant death by band within a cell: the ONS 2022 infant mortality rates.
WEIGHT_OFFSETS = logit(ONS_2022_BY_WEIGHT[:, 4] / ONS_2022_BY_WEIGHT[:, 0])
#: Share of a band's infant deaths that are early neonatal (0-6 days), late neonatal (7-27 days)
#: and postneonatal (28-364 days), from the same table.
AGE_PERIOD_SHARES = (
    np.column_stack(
        [
            ONS_2022_BY_WEIGHT[:, 1],
            ONS_2022_BY_WEIGHT[:, 2] - ONS_2022_BY_WEIGHT[:, 1],
            ONS_2022_BY_WEIGHT[:, 3],
        ]
    )
    / ONS_2022_BY_WEIGHT[:, [4]]
)
#: ONS 2022, Table 1 (England and Wales): 977 of the 1,385 early neonatal deaths were under one
#: day; postneonatal deaths at 4 weeks to 3 months, 3 to 6 months, 6 months to 1 year: 317, 151, 117.
DAY_ZERO_SHARE = 977 / 1385
LATER_EARLY_DAYS = np.array([6, 5, 4, 3, 2, 1], dtype=float)  # days 1..6, invented decline
POSTNEONATAL_PERIODS = [(28, 91, 317), (91, 182, 151), (182, 365, 117)]


def simulate_deaths(p: dict, b: dict, complete_to: np.datetime64) -> pd.DataFrame:
    """The deaths extract: one row per linked death record, in date order.

    ``b`` holds numpy arrays over birth records (before duplicates): ``cell`` (true quintile x group
    x age band index), ``live``, ``weight`` (true grams), ``ids``, ``birth_date`` (datetime64[D]);
    ``n_cells``. ``complete_to`` is the follow-up end: dirty "later" deaths are dated after it.
    """
    rng = np.random.default_rng([p["seed"], DEATHS_STREAM])
    live = np.flatnonzero(b["live"])
    cell = b["cell"][live]
    band = np.searchsorted(WEIGHT_BAND_EDGES, b["weight"][live], side="right")
    cell_n = np.bincount(cell, minlength=b["n_cells"]).astype(float)
    p_cell = cell_probabilities(p["log_or"]["infant"], cell_n, p["target_rates"]["infant"], "rate")
    prob = within_cell_probabilities(cell, band, WEIGHT_OFFSETS, p_cell)
    dies = rng.random(len(live)) < prob
    dead = live[dies]
    age = _age_at_death(rng, band[dies])
    dates = b["birth_date"][dead] + age.astype("timedelta64[D]")
    ids = b["ids"][dead]

    # dirt: extra records only (the true deaths stay exactly once)
    dirt = p["dirt"]
    n_true = len(dead)
    survivors = np.setdiff1d(live, dead)
    k_after, k_before, k_unlinked, k_still = (
        int(round(dirt[key] * n_true))
        for key in (
            "death_after_follow_up",
            "death_before_birth",
            "death_unlinked",
            "death_of_stillbirth",
        )
    )
    chosen = survivors[rng.choice(len(survivors), size=k_after + k_before, replace=False)]
    after, before = chosen[:k_after], chosen[k_after:]
    first_day = np.maximum(complete_to, b["birth_date"][after]) + np.timedelta64(1, "D")
    after_dates = first_day + rng.integers(0, 365, size=len(after)).astype("timedelta64[D]")
    before_dates = b["birth_date"][before] - rng.integers(1, 61, size=len(before)).astype(
        "timedelta64[D]"
    )
    unlinked_ids = _unknown_ids(rng, k_unlinked, b["ids"])
    start, end = b["birth_date"].min(), b["birth_date"].max()
    span = max(int((end - start).astype(int)), 1)
    unlinked_dates = start + rng.integers(0, span + 1, size=k_unlinked).astype("timedelta64[D]")
    (dup,) = pick_disjoint(rng, n_true, [dirt["death_duplicate"]])
    still = np.flatnonzero(~b["live"])
    of_still = still[rng.choice(len(still), size=min(k_still, len(still)), replace=False)]

    all_ids = np.concatenate(
        [ids, b["ids"][after], b["ids"][before], unlinked_ids, ids[dup], b["ids"][of_still]]
    )
    all_dates = np.concatenate(
        [dates, after_dates, before_dates, unlinked_dates, dates[dup], b["birth_date"][of_still]]
    )
    order = np.argsort(all_dates.astype(np.int64), kind="stable")
    return pd.DataFrame(
        {
            "baby_id": pd.array(all_ids[order], dtype="string"),
            "death_date": pd.Series(all_dates[order].astype("datetime64[ns]")),
        }
    )


def _age_at_death(rng: np.random.Generator, band: np.ndarray) -> np.ndarray:
    """Age at death in days (0-364) by birth-weight band, with the ONS 2022 shape."""
    cum = np.cumsum(AGE_PERIOD_SHARES, axis=1)[band]
    u = rng.random(len(band))
    period = (u[:, None] > cum[:, :-1]).sum(axis=1)  # 0 early, 1 late neonatal, 2 postneonatal
    later = np.cumsum(LATER_EARLY_DAYS) / LATER_EARLY_DAYS.sum()
    early = np.where(
        rng.random(len(band)) < DAY_ZERO_SHARE,
        0,
        1 + np.minimum(np.searchsorted(later, rng.random(len(band)), side="right"), 5),
    )
    late = rng.integers(7, 28, size=len(band))
    weights = np.array([w for _, _, w in POSTNEONATAL_PERIODS], dtype=float)
    sub = np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(len(band)), side="right")
    sub = np.minimum(sub, len(weights) - 1)
    lo = np.array([a for a, _, _ in POSTNEONATAL_PERIODS])[sub]
    hi = np.array([z for _, z, _ in POSTNEONATAL_PERIODS])[sub]
    post = lo + np.floor(rng.random(len(band)) * (hi - lo)).astype(np.int64)
    return np.select([period == 0, period == 1], [early, late], post).astype(np.int64)


def _unknown_ids(rng: np.random.Generator, n: int, known: np.ndarray) -> np.ndarray:
    """n pseudonymous ids of the births' form that are not among the known ids."""
    out = np.array([], dtype="U13")
    while len(out) < n:
        fresh = hex_ids(rng, n - len(out))
        out = np.concatenate([out, fresh[~np.isin(fresh, known) & ~np.isin(fresh, out)]])
    return out
