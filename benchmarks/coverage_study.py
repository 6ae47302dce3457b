"""Benchmark and validity study of birthgaps.models, the figures quoted in docs/models.md.

Usage: python3 -m uv run python benchmarks/coverage_study.py [--seeds 60] [--record-births 200000]

1. grouped-count fit against the record-level fit of the same model (time, largest difference);
2. models_table on the demo release (3 areas + ALL, 2 outcomes), through simulate -> clean -> cells;
3. recovery of the true odds ratios on one large release (800,000 live births, the demo seed);
4. 95% CI coverage over synthetic releases (seeds 1001, 1002, ..., as in tests/test_recovery.py).

Set OPENBLAS_NUM_THREADS=1 to time as Snakemake runs a script job with ``threads: 1``.
Prints Markdown. Everything is synthetic.
"""

from __future__ import annotations

import argparse
import copy
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
import yaml
from scipy.stats import binom

from birthgaps.cells import make_cells
from birthgaps.clean import clean_births
from birthgaps.models import _collapse, _design, fit_binomial_glm, fit_models, models_table
from birthgaps.synth import simulate_release

REPO = Path(__file__).resolve().parents[1]
OUTCOMES = ["preterm", "lbw"]
TERMS = ["imd_quintile", "ethnic_group", "age_band"]


def release_cells(config: dict, seed: int, live_births: int) -> tuple[pd.DataFrame, float]:
    """Cells of a synthetic release (simulate -> clean -> cells) and the seconds it took."""
    settings = copy.deepcopy(config["synthetic"])
    settings.update(seed=seed, live_births=live_births)
    years = config["releases"][config["release"]]["years"]
    start = time.perf_counter()
    extract, lookup = simulate_release(settings, config["areas"], years)
    clean, _ = clean_births(
        extract, lookup, areas=list(config["areas"]), years=years, definitions=config["definitions"]
    )
    return make_cells(clean, OUTCOMES), time.perf_counter() - start


def adjusted_with_truth(rows: pd.DataFrame, true_or: dict) -> pd.DataFrame:
    rows = rows[(rows["model"] == "adjusted") & rows["term"].isin(TERMS)].copy()
    keys = zip(rows["outcome"], rows["term"], rows["level"], strict=True)
    rows["true_or"] = [float(true_or[o][t][lv]) for o, t, lv in keys]
    rows["z"] = (rows["log_or"] - np.log(rows["true_or"])) / rows["se"]
    rows["covered"] = (rows["lower_95"] <= rows["true_or"]) & (rows["true_or"] <= rows["upper_95"])
    return rows


def record_vs_cells(config: dict, live_births: int) -> None:
    """Same adjusted model fitted to one row per birth and to the collapsed cells."""
    cells, _ = release_cells(config, config["synthetic"]["seed"], live_births)
    one = cells[cells["outcome"] == "preterm"]
    one = one[~one[TERMS].isin(["Unknown", "Not stated"]).any(axis=1)]
    terms = [*TERMS, "year"]
    reference = config["models"]["reference"]

    start = time.perf_counter()
    grouped = fit_binomial_glm(one, terms, reference)
    t_cells = time.perf_counter() - start

    collapsed = _collapse(one, terms)
    _, exog, _ = _design(collapsed, terms, reference)
    counts = collapsed["denominator"].to_numpy()
    events = collapsed["events"].to_numpy()
    # One row per birth: each pattern repeated, first `events` rows 1, the rest 0.
    rows = np.repeat(np.arange(len(collapsed)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    y = ((np.arange(len(rows)) - first) < np.repeat(events, counts)).astype(float)
    x = exog.to_numpy()[rows]
    start = time.perf_counter()
    record = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    t_records = time.perf_counter() - start

    d_params = np.max(np.abs(grouped.params.to_numpy() - record.params))
    d_se = np.max(np.abs(grouped.bse.to_numpy() - record.bse))
    print("## Grouped cells against one row per birth (adjusted preterm model)\n")
    print("| fit | rows | seconds |\n|---|---:|---:|")
    print(f"| record level | {len(y):,} | {t_records:.3f} |")
    print(f"| grouped cells | {len(collapsed):,} | {t_cells:.3f} |")
    print(f"\nlargest difference: coefficients {d_params:.1e}, standard errors {d_se:.1e}\n")


def demo_timing(config: dict) -> None:
    cells, t_prep = release_cells(config, config["synthetic"]["seed"], 60_000)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        table = models_table(cells, config["models"], config["areas"])
        times.append(time.perf_counter() - start)
    print("## Demo release (60,000 live births, 3 areas + ALL, 2 outcomes)\n")
    print(f"- cells: {len(cells):,} rows (simulate + clean + cells {t_prep:.2f} s)")
    print(f"- models_table: {len(table)} rows, 24 model fits; best of 5 {min(times):.3f} s, ")
    print(f"  median {float(np.median(times)):.3f} s")
    print(f"- rows with a note: {int((table['note'] != '').sum())}\n")


def recovery(config: dict, live_births: int) -> None:
    true_or = config["synthetic"]["true_odds_ratios"]
    cells, t_prep = release_cells(config, config["synthetic"]["seed"], live_births)
    start = time.perf_counter()
    table = models_table(cells, config["models"], config["areas"])
    t_fit = time.perf_counter() - start
    pooled = adjusted_with_truth(table[table["area_code"] == "ALL"], true_or)
    print(f"## Recovery on one release of {live_births:,} live births (pooled, adjusted)\n")
    print(f"simulate + clean + cells {t_prep:.1f} s; models_table {t_fit:.2f} s; ")
    print(f"n_births in the fit: {pooled['n_births'].iloc[0]:,} (preterm)\n")
    print(
        "| outcome | term | level | true OR | estimate (95% CI) | z |\n|---|---|---|---:|---|---:|"
    )
    for r in pooled.itertuples():
        ci = f"{r.odds_ratio:.3f} ({r.lower_95:.3f}-{r.upper_95:.3f})"
        print(f"| {r.outcome} | {r.term} | {r.level} | {r.true_or:.2f} | {ci} | {r.z:+.2f} |")
    print(
        f"\nlargest |z| = {pooled['z'].abs().max():.2f}; covered {int(pooled['covered'].sum())}/26\n"
    )


def coverage(config: dict, n_seeds: int) -> None:
    true_or = config["synthetic"]["true_odds_ratios"]
    m = config["models"]
    parts = []
    start = time.perf_counter()
    for seed in range(1001, 1001 + n_seeds):
        cells, _ = release_cells(config, seed, 60_000)
        for outcome in OUTCOMES:
            rows = fit_models(
                cells, outcome, m["exposures"], m["adjust_for"], m["reference"], m["min_events"]
            )
            parts.append(adjusted_with_truth(rows, true_or))
    elapsed = time.perf_counter() - start
    found = pd.concat(parts, ignore_index=True)
    n, k = len(found), int(found["covered"].sum())
    low, high = binom.ppf(0.0005, n, 0.95), binom.ppf(0.9995, n, 0.95)
    print(f"## Coverage over {n_seeds} releases of 60,000 live births ({elapsed:.0f} s)\n")
    print(f"covered {k}/{n} = {k / n:.3f}; 99.9% binomial band {low:.0f}-{high:.0f}")
    print(f"z-scores: mean {found['z'].mean():+.3f}, sd {found['z'].std():.3f}\n")
    by = found.groupby(["outcome", "term"]).agg(coverage=("covered", "mean"), mean_z=("z", "mean"))
    print("| outcome | term | coverage | mean z |\n|---|---|---:|---:|")
    for (outcome, term), r in by.iterrows():
        print(f"| {outcome} | {term} | {r.coverage:.3f} | {r.mean_z:+.3f} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=60)
    parser.add_argument("--record-births", type=int, default=200_000)
    parser.add_argument("--large-births", type=int, default=800_000)
    args = parser.parse_args()
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}\n")
    record_vs_cells(config, args.record_births)
    demo_timing(config)
    recovery(config, args.large_births)
    coverage(config, args.seeds)


if __name__ == "__main__":
    main()
