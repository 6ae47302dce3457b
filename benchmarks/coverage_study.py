"""Benchmark and validity study of birthgaps.models, the figures quoted in docs/models.md.

Usage: python3 -m uv run python benchmarks/coverage_study.py [--reps 2000] [--seeds 60]
       [--sections record,demo,recovery,pipeline,direct]

1. record: grouped-count fits against record-level fits of the same model (time, largest
   difference): logistic (model-based errors) and modified Poisson (HC0 sandwich errors);
2. demo: models_table and model_tables on the demo release (3 areas + ALL, 2 outcomes);
3. recovery: the true odds ratios on one large release (800,000 live births, the demo seed);
4. pipeline: 95% CI coverage of the adjusted ORs over synthetic releases (seeds 1001, ...);
5. direct: 95% CI coverage of every adjusted OR (logistic truth) and RR (log-linear truth) over
   ``--reps`` covariate-pattern tables drawn straight from the truth (binomial events per
   pattern), at 60,000 and 15,000 births, with model-based Poisson errors as a contrast.

Set OPENBLAS_NUM_THREADS=1 to time as Snakemake runs a script job with ``threads: 1``.
Prints Markdown. Everything is synthetic; seeds are fixed (no seed was ever chosen by result).
"""

from __future__ import annotations

import argparse
import copy
import itertools
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
import yaml
from scipy.stats import binom

from birthgaps.clean.cells import make_cells
from birthgaps.clean.cleaning import clean_births
from birthgaps.ingest.synth import simulate_release
from birthgaps.models.areas import model_tables, models_table
from birthgaps.models.fitting import fit_binomial_glm, fit_modified_poisson
from birthgaps.models.frame import collapse, design
from birthgaps.models.ratios import fit_models, fit_risk_ratios

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
    start = time.perf_counter()
    robust = fit_modified_poisson(one, terms, reference)
    t_rr_cells = time.perf_counter() - start

    collapsed = collapse(one, terms)
    _, exog, _ = design(collapsed, terms, reference)
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
    start = time.perf_counter()
    record_rr = sm.GLM(y, x, family=sm.families.Poisson()).fit(cov_type="HC0")
    t_rr_records = time.perf_counter() - start

    d_params = np.max(np.abs(grouped.params.to_numpy() - record.params))
    d_se = np.max(np.abs(grouped.bse.to_numpy() - record.bse))
    d_rr = np.max(np.abs(robust.params.to_numpy() - record_rr.params))
    d_rr_se = np.max(np.abs(robust.bse.to_numpy() - record_rr.bse))
    print("## Grouped cells against one row per birth (adjusted preterm model)\n")
    print("| model | fit | rows | seconds |\n|---|---|---:|---:|")
    print(f"| logistic | record level | {len(y):,} | {t_records:.3f} |")
    print(f"| logistic | grouped cells | {len(collapsed):,} | {t_cells:.3f} |")
    print(f"| modified Poisson (HC0) | record level | {len(y):,} | {t_rr_records:.3f} |")
    print(f"| modified Poisson (HC0) | grouped cells | {len(collapsed):,} | {t_rr_cells:.3f} |")
    print(
        f"\nlargest difference, logistic: coefficients {d_params:.1e}, standard errors {d_se:.1e}"
    )
    print(
        f"largest difference, modified Poisson: coefficients {d_rr:.1e}, robust SEs {d_rr_se:.1e}\n"
    )


def demo_timing(config: dict) -> None:
    cells, t_prep = release_cells(config, config["synthetic"]["seed"], 60_000)
    times, times_all = [], []
    for _ in range(5):
        start = time.perf_counter()
        table = models_table(cells, config["models"], config["areas"])
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        tables = model_tables(cells, config["models"], config["areas"])
        times_all.append(time.perf_counter() - start)
    print("## Demo release (60,000 live births, 3 areas + ALL, 2 outcomes)\n")
    print(f"- cells: {len(cells):,} rows (simulate + clean + cells {t_prep:.2f} s)")
    print(f"- models_table: {len(table)} rows; best of 5 {min(times):.3f} s, ")
    print(f"  median {float(np.median(times)):.3f} s")
    sizes = ", ".join(f"{k} {len(v)}" for k, v in tables.items())
    print(f"- model_tables (all six tables: {sizes}): best of 5 {min(times_all):.3f} s,")
    print(f"  median {float(np.median(times_all)):.3f} s")
    print(f"- rows with a note (odds ratios): {int((table['note'] != '').sum())}")
    inter = tables["interaction"]
    for r in inter.itertuples():
        print(
            f"  - interaction {r.area_code} {r.outcome}: df {r.df}, LR {r.lr_statistic:.1f}, "
            f"p {r.p_value:.3f}"
        )
    print()


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


# ---------------------------------------------------------------------------------------------
# Direct simulation from a known truth: every adjusted OR (logistic truth) and RR (log-linear truth)
# ---------------------------------------------------------------------------------------------

QUINTILES = ["1", "2", "3", "4", "5"]
GROUPS = ["White", "Asian", "Black", "Mixed", "Other"]
BANDS = ["<20", "20-24", "25-29", "30-34", "35-39", "40+"]
YEARS = [2019, 2020, 2021, 2022, 2023, 2024]
#: Intercepts: logit of the reference odds (logistic truth) or log of the reference risk
#: (log-linear truth; the largest risk is then 0.13 for preterm and 0.16 for LBW).
INTERCEPT = {
    "odds_ratio": {"preterm": -2.75, "lbw": -2.9},
    "risk_ratio": {"preterm": float(np.log(0.045)), "lbw": float(np.log(0.04))},
}
#: Random streams: (measure, births) -> first entry of the seed sequence (fixed in advance).
STREAMS = {
    ("odds_ratio", 60_000): 61,
    ("odds_ratio", 15_000): 62,
    ("risk_ratio", 60_000): 63,
    ("risk_ratio", 15_000): 64,
}


def pattern_table() -> tuple[pd.DataFrame, np.ndarray]:
    """Quintile x group x band x year patterns and their birth shares.

    Ethnic group and age band depend on the quintile (minorities and young mothers are commoner
    in deprived quintiles), so crude and adjusted estimates differ, as in tests/test_recovery.py.
    """
    frame = pd.DataFrame(
        list(itertools.product(QUINTILES, GROUPS, BANDS, YEARS)),
        columns=["imd_quintile", "ethnic_group", "age_band", "year"],
    )
    score = (3 - frame["imd_quintile"].astype(int).to_numpy()) / 2
    base_g, tilt_g = np.array([0.72, 0.15, 0.06, 0.04, 0.03]), np.array([0.0, 1.2, 1.3, 0.6, 0.5])
    base_a = np.array([0.03, 0.14, 0.28, 0.32, 0.18, 0.05])
    tilt_a = np.array([0.8, 0.4, 0.1, -0.2, -0.3, -0.3])
    g = frame["ethnic_group"].map({k: i for i, k in enumerate(GROUPS)}).to_numpy()
    a = frame["age_band"].map({k: i for i, k in enumerate(BANDS)}).to_numpy()
    pg = base_g[None, :] * np.exp(tilt_g[None, :] * score[:, None])
    pa = base_a[None, :] * np.exp(tilt_a[None, :] * score[:, None])
    rows = np.arange(len(frame))
    share = pg[rows, g] / pg.sum(axis=1) * pa[rows, a] / pa.sum(axis=1)
    return frame, share / share.sum()


def draw_cells(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    share: np.ndarray,
    n_births: int,
    measure: str,
    truth: dict,
) -> pd.DataFrame:
    """One cell table: multinomial births per pattern, binomial events from the truth."""
    births = rng.multinomial(n_births, share)
    parts = []
    for outcome in OUTCOMES:
        eta = np.full(len(frame), INTERCEPT[measure][outcome])
        for term in TERMS:
            eta += np.log(frame[term].map(truth[outcome][term]).to_numpy(dtype=float))
        risk = 1 / (1 + np.exp(-eta)) if measure == "odds_ratio" else np.exp(eta)
        parts.append(
            frame.assign(
                area_code="X06000001",
                outcome=outcome,
                events=rng.binomial(births, risk),
                denominator=births,
            )
        )
    cells = pd.concat(parts, ignore_index=True)
    return cells[cells["denominator"] > 0]


def direct_study(config: dict, measure: str, n_births: int, reps: int) -> pd.DataFrame:
    """Coverage indicators of every adjusted OR or RR with a true value, over ``reps`` tables."""
    truth = {
        o: {t: {str(k): float(v) for k, v in levels.items()} for t, levels in terms.items()}
        for o, terms in config["synthetic"]["true_odds_ratios"].items()
    }
    m = config["models"]
    fit = fit_models if measure == "odds_ratio" else fit_risk_ratios
    log_name = "log_or" if measure == "odds_ratio" else "log_rr"
    frame, share = pattern_table()
    naive = measure == "risk_ratio" and n_births == 60_000
    z95 = 1.959963984540054
    records = []
    for rep in range(reps):
        if rep and rep % 250 == 0:
            print(f"  {measure} {n_births:,}: {rep}/{reps}", file=sys.stderr, flush=True)
        rng = np.random.default_rng((STREAMS[(measure, n_births)], rep))
        cells = draw_cells(rng, frame, share, n_births, measure, truth)
        for outcome in OUTCOMES:
            rows = fit(
                cells, outcome, m["exposures"], m["adjust_for"], m["reference"], m["min_events"]
            )
            rows = rows[(rows["model"] == "adjusted") & rows["term"].isin(TERMS)]
            naive_se = None
            if naive:
                terms = [*m["exposures"], *m["adjust_for"]]
                naive_se = fit_modified_poisson(
                    cells[cells["outcome"] == outcome], terms, m["reference"]
                ).result.bse
            for r in rows.itertuples():
                true = float(np.log(truth[outcome][r.term][r.level]))
                est, se = getattr(r, log_name), r.se
                record = {
                    "outcome": outcome,
                    "term": r.term,
                    "level": r.level,
                    "truth": float(np.exp(true)),
                    "estimated": bool(np.isfinite(est)),
                    "covered": bool(abs(est - true) <= z95 * se) if np.isfinite(est) else False,
                    "z": (est - true) / se if np.isfinite(est) else np.nan,
                }
                if naive_se is not None:
                    nse = float(naive_se[f"{r.term}[T.{r.level}]"])
                    record["covered_naive"] = bool(abs(est - true) <= z95 * nse)
                records.append(record)
    return pd.DataFrame(records)


def direct_coverage(config: dict, reps: int) -> None:
    """Print the direct-simulation coverage tables (docs/models.md, "Coverage study")."""
    results = {}
    timings = {}
    for measure, n_births in STREAMS:
        start = time.perf_counter()
        results[(measure, n_births)] = direct_study(config, measure, n_births, reps)
        timings[(measure, n_births)] = time.perf_counter() - start
    mc_se = np.sqrt(0.95 * 0.05 / reps)
    print(f"## Coverage of 95% CIs, {reps:,} tables drawn from the truth per scenario\n")
    print(f"Monte Carlo SE of one parameter's coverage: {100 * mc_se:.2f} points.\n")
    print(
        "| measure (truth) | births | parameters | pooled coverage | lowest | highest "
        "| outside 93-97% | not estimated | mean z | sd z | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    per_parameter = {}
    for (measure, n_births), found in results.items():
        by = found.groupby(["outcome", "term", "level"], sort=False)
        cov = by["covered"].mean()
        per_parameter[(measure, n_births)] = cov
        outside = int(((cov < 0.93) | (cov > 0.97)).sum())
        label = "OR (logistic)" if measure == "odds_ratio" else "RR (log-linear)"
        print(
            f"| {label} | {n_births:,} | {len(cov)} | {100 * found['covered'].mean():.2f}% "
            f"| {100 * cov.min():.1f}% | {100 * cov.max():.1f}% | {outside} "
            f"| {int((~found['estimated']).sum())} | {found['z'].mean():+.3f} "
            f"| {found['z'].std():.3f} | {timings[(measure, n_births)]:.0f} |"
        )
    naive = results[("risk_ratio", 60_000)].groupby(["outcome", "term", "level"], sort=False)
    naive_cov = naive["covered_naive"].mean()
    print(
        f"\nModel-based (naive) Poisson errors instead of the sandwich, RR at 60,000 births: "
        f"pooled coverage {100 * naive_cov.mean():.2f}% (lowest {100 * naive_cov.min():.1f}%)\n"
    )
    print(
        "| outcome | term | level | truth | OR 60,000 | OR 15,000 | RR 60,000 | RR 15,000 "
        "| RR 60,000 naive SE |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    truth = results[("odds_ratio", 60_000)].groupby(["outcome", "term", "level"], sort=False)
    for key, value in truth["truth"].first().items():
        cells = [f"{100 * per_parameter[s][key]:.1f}" for s in STREAMS]
        print(
            f"| {' | '.join(key)} | {value:.2f} | {' | '.join(cells)} "
            f"| {100 * naive_cov[key]:.1f} |"
        )
    within = all(((cov - 0.95).abs() <= 0.02).all() for cov in per_parameter.values())
    print(
        f"\nevery parameter within 2 points of 95% in every scenario: {'yes' if within else 'NO'}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=60)
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--record-births", type=int, default=200_000)
    parser.add_argument("--large-births", type=int, default=800_000)
    parser.add_argument("--sections", default="record,demo,recovery,pipeline,direct")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}\n")
    if "record" in sections:
        record_vs_cells(config, args.record_births)
    if "demo" in sections:
        demo_timing(config)
    if "recovery" in sections:
        recovery(config, args.large_births)
    if "pipeline" in sections:
        coverage(config, args.seeds)
    if "direct" in sections:
        direct_coverage(config, args.reps)


if __name__ == "__main__":
    main()
