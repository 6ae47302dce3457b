"""Synthetic release generator: a record-level birth extract with a known true model, plus a
fictional LSOA -> IMD decile lookup and a linked deaths extract, for the demo run and for
statistical recovery tests (maternity-level columns: synth_maternity; deaths: synth_deaths).

Everything here is invented. Area codes, LSOA codes and people are fictional; the numbers only
resemble English local authorities closely enough to exercise the pipeline. See
docs/synthetic-data.md for the model, the calibration and the deliberate "dirt".

The generator is vectorised with numpy (no per-record Python loops) and deterministic: all
randomness comes from one ``numpy.random.default_rng(settings["seed"])`` consumed in a fixed order.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.special import expit, ndtri

from birthgaps.core.codes import (
    AGE_BANDS,
    ETHNIC_CATEGORY_TO_GROUP,
    REQUIRED_COLUMNS,
)
from birthgaps.ingest.synth_deaths import simulate_deaths
from birthgaps.ingest.synth_draws import hex_ids, pick_disjoint, sample_rows, truncnorm
from birthgaps.ingest.synth_maternity import MATERNITY_COLUMNS, simulate_maternity
from birthgaps.ingest.synth_model import (
    AGE_BAND_LABELS,
    AGE_DEPRIVATION_SHIFT,
    AGE_MAX,
    AGE_MEAN,
    AGE_MIN,
    AGE_SD,
    DEPRIVATION_PROFILES,
    ETHNIC_CODE_SHARES,
    ETHNIC_DEPRIVATION_TILT,
    GESTATION_CATEGORIES,
    GESTATION_IMPLAUSIBLE,
    GESTATION_SENTINEL,
    GESTATION_WEIGHTS,
    GROUPS,
    LIVE_WEIGHT_RANGE,
    LSOA_FERTILITY_TILT,
    NATIONAL_LSOAS,
    NATIONAL_RANK_STREAM,
    NOT_STATED_SPLIT,
    PROFILE_CYCLE,
    SEX_MALE_SHARE,
    SEX_UNKNOWN_SHARE,
    STILL_WEIGHT_FACTOR,
    STILL_WEIGHT_RANGE,
    STILLBIRTH_RR_GROUP,
    STILLBIRTH_RR_QUINTILE,
    UNKNOWN_LSOA_CODE_SHARE,
    WEEKS,
    WEIGHT_CV,
    WEIGHT_IMPLAUSIBLE,
    WEIGHT_MEDIAN,
    WEIGHT_SENTINEL,
    YEAR_TREND,
    parse_settings,
)
from birthgaps.ingest.synth_national import lsoa_counts, parse_profiles
from birthgaps.ingest.synth_truth import calibrate_intercept, linear_predictor_cells

#: Canonical birth-record columns filled before the maternity-level ones; the linked-death
#: columns come from the separate deaths extract, not from the births extract.
LINKED_DEATH_COLUMNS = ["death_date", "age_at_death_days"]
BASE_COLUMNS = list(REQUIRED_COLUMNS)
#: Columns of the synthetic births extract, in order.
EXTRACT_COLUMNS = [*BASE_COLUMNS, *MATERNITY_COLUMNS]

# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def simulate_release(
    settings: dict, areas: dict[str, str], years: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (extract, lsoa_lookup). settings = config['synthetic'] (seed inside it)."""
    extract, lookup, _ = simulate_linked_release(settings, areas, years)
    return extract, lookup


def simulate_linked_release(
    settings: dict,
    areas: dict[str, str],
    years: list[int],
    deaths_complete_to: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (extract, lsoa_lookup, deaths): the release with its separate linked deaths extract.

    ``deaths_complete_to`` (YYYY-MM-DD; default 31 December of the last year) is the follow-up
    end; the deaths extract's dirty "later" deaths are dated after it.
    """
    p = parse_settings(settings, areas, years)
    rng = np.random.default_rng(p["seed"])
    area_codes = list(areas)
    years = sorted(int(y) for y in years)

    # 1. Fictional neighbourhoods and their deprivation.
    profiles = parse_profiles(settings.get("area_profiles"), areas)
    lsoa_area, lsoa_decile, lsoa_weight = _make_lsoas(rng, len(area_codes), p["n_lsoas"], profiles)
    n_lsoa = len(lsoa_area)
    lsoa_codes = np.array([f"X01{i + 1:06d}" for i in range(n_lsoa)], dtype=object)
    lsoa_p = lsoa_weight / lsoa_weight.sum()

    # 2. Deliveries (maternities): where, when, who.
    q_still = (
        p["stillbirth_rate"] * (1 + p["twin_rate"]) / (1 + p["stillbirth_rate"] * p["twin_rate"])
    )
    n_deliv = int(round(p["live_births"] / ((1 - q_still) * (1 + p["twin_rate"]))))
    d_lsoa = rng.choice(n_lsoa, size=n_deliv, p=lsoa_p)
    d_decile = lsoa_decile[d_lsoa]
    d_score = (5.5 - d_decile) / 4.5
    d_quint = (d_decile - 1) // 2  # 0..4, 0 = most deprived

    year_w = YEAR_TREND ** np.arange(len(years))
    d_year_idx = rng.choice(len(years), size=n_deliv, p=year_w / year_w.sum())
    starts = np.array([np.datetime64(f"{y}-01-01") for y in years])
    ndays = np.array(
        [(np.datetime64(f"{y + 1}-01-01") - np.datetime64(f"{y}-01-01")).astype(int) for y in years]
    )
    d_day = np.floor(rng.random(n_deliv) * ndays[d_year_idx]).astype(np.int64)
    d_date = starts[d_year_idx] + d_day  # datetime64[D]

    decile_p = np.bincount(lsoa_decile - 1, weights=lsoa_p, minlength=10)
    if profiles is None:
        eth_table = _ethnic_given_decile(p["ethnic_mix"], decile_p)
        d_group = sample_rows(rng, eth_table, d_decile - 1)
    else:  # national mode: each area's own mix, tilted towards deprivation within the area
        eth_table = _area_ethnic_tables(profiles["ethnic_mix"], lsoa_area, lsoa_decile, lsoa_p)
        d_group = sample_rows(rng, eth_table, lsoa_area[d_lsoa] * 10 + d_decile - 1)
    code_list, code_table = _ethnic_code_table()
    d_code = sample_rows(rng, code_table, d_group)  # index into code_list

    age_mu = AGE_MEAN + AGE_DEPRIVATION_SHIFT * d_score
    d_age = np.floor(truncnorm(rng, age_mu, AGE_SD, AGE_MIN, AGE_MAX + 1)).astype(np.int64)
    d_age = np.clip(d_age, AGE_MIN, AGE_MAX)
    d_band = np.searchsorted([lo for lo, _ in AGE_BANDS.values()], d_age, side="right") - 1

    # 3. Stillbirth deliveries (singletons) and twins among live deliveries.
    rr = (
        np.asarray(STILLBIRTH_RR_QUINTILE)[d_quint]
        * np.array([STILLBIRTH_RR_GROUP[g] for g in GROUPS])[d_group]
    )
    p_still = np.minimum(q_still * rr / rr.mean(), 1.0)
    d_still = rng.random(n_deliv) < p_still
    d_twin = (rng.random(n_deliv) < p["twin_rate"]) & ~d_still
    d_nbabies = 1 + d_twin.astype(np.int64)

    # 4. Babies: one record each; twins share the delivery (mother, date, gestation).
    b_deliv = np.repeat(np.arange(n_deliv), d_nbabies)
    n_rec = len(b_deliv)
    b_live = ~d_still[b_deliv]
    first_of_deliv = np.concatenate([[0], np.cumsum(d_nbabies)[:-1]])

    # 5. Outcomes for live births: exact logistic marginals joined by a Gaussian copula.
    cell = (d_quint * len(GROUPS) + d_group) * len(AGE_BAND_LABELS) + d_band
    n_cells = 5 * len(GROUPS) * len(AGE_BAND_LABELS)
    cell_n = np.bincount(cell[b_deliv][b_live], minlength=n_cells).astype(float)
    z1_deliv = rng.standard_normal(n_deliv)
    e_baby = rng.standard_normal(n_rec)
    rho = p["rho"]
    z1 = z1_deliv[b_deliv]
    z2 = rho * z1 + np.sqrt(1.0 - rho * rho) * e_baby
    outcome = {}
    intercepts = {}
    for name, zz in (("preterm", z1), ("lbw", z2)):
        lin_cells = linear_predictor_cells(p["log_or"][name])
        b0 = calibrate_intercept(lin_cells, cell_n, p["target_rates"][name])
        intercepts[name] = b0
        prob = expit(b0 + lin_cells)[cell[b_deliv]]
        outcome[name] = (zz < ndtri(prob)) & b_live
    preterm = outcome["preterm"]  # identical within a delivery because z1 is shared
    lbw = outcome["lbw"]

    # 6. Gestation per delivery, consistent with the indicators; weight per baby.
    all_lbw = np.logical_and.reduceat(lbw, first_of_deliv)
    d_preterm = preterm[first_of_deliv]
    d_cat = np.where(
        d_still,
        GESTATION_CATEGORIES.index("still"),
        np.where(
            d_preterm,
            np.where(all_lbw, 0, 1),  # preterm_lbw, preterm_not_lbw
            np.where(all_lbw, 2, 3),  # term_lbw, term
        ),
    )
    ga_table = np.array([GESTATION_WEIGHTS[c] for c in GESTATION_CATEGORIES], dtype=float)
    ga_table /= ga_table.sum(axis=1, keepdims=True)
    d_week_idx = sample_rows(rng, ga_table, d_cat)
    d_gdays = rng.integers(0, 7, size=n_deliv)
    b_week_idx = d_week_idx[b_deliv]
    med = WEIGHT_MEDIAN[b_week_idx]
    sd = WEIGHT_CV * med
    still_b = ~b_live
    mean_w = np.where(still_b, STILL_WEIGHT_FACTOR * med, med)
    lo = np.where(still_b, STILL_WEIGHT_RANGE[0], np.where(lbw, LIVE_WEIGHT_RANGE[0], 2500.0))
    hi = np.where(still_b, STILL_WEIGHT_RANGE[1], np.where(lbw, 2500.0, LIVE_WEIGHT_RANGE[1]))
    w = truncnorm(rng, mean_w, sd, lo, hi)
    weight = np.where(lbw & b_live, np.minimum(np.floor(w), 2499), np.ceil(w)).astype(np.int64)
    weight = np.where(~lbw & b_live, np.maximum(weight, 2500), weight)

    u_sex = rng.random(n_rec)
    sex_idx = np.where(u_sex < SEX_MALE_SHARE, 0, np.where(u_sex < 1 - SEX_UNKNOWN_SHARE, 1, 2))

    # 7. Record-level columns before dirt (numpy arrays; masks mark missing values).
    cols = {
        "gest_weeks": WEEKS[b_week_idx].astype(np.int64),
        "gest_days": d_gdays[b_deliv].astype(np.int64),
        "gest_mask": np.zeros(n_rec, dtype=bool),
        "days_mask": np.zeros(n_rec, dtype=bool),
        "weight": weight,
        "weight_mask": np.zeros(n_rec, dtype=bool),
    }
    # mother-level values live on the delivery and are copied to each baby after dirt
    mother = {
        "age": d_age.copy(),
        "age_mask": np.zeros(n_deliv, dtype=bool),
        "eth": d_code.astype(np.int64),  # index into eth_codes; -1 = missing
        "lsoa": d_lsoa.astype(np.int64),  # index into lsoa code list; -1 = missing
    }
    eth_codes = [*code_list, "Z", "99"]

    # Truth inputs of the maternity columns and the deaths: true values, taken before the dirt.
    d_weeks = WEEKS[d_week_idx]
    deliveries = {
        "cell": cell,
        "n_cells": n_cells,
        "band": d_band,
        "twin": d_twin.astype(np.int64),
        "preterm": d_weeks < 37,
        "any_lbw": np.logical_or.reduceat(weight < 2500, first_of_deliv),
        "gestation_days": (d_weeks * 7 + d_gdays).astype(np.int64),
    }
    babies = {
        "cell": cell[b_deliv],
        "n_cells": n_cells,
        "live": b_live,
        "weight": weight.copy(),
        "birth_date": d_date[b_deliv],
    }

    # 8. Pseudonymous ids (drawn before the dirt, so a run without dirt has the same ids and the
    # same clean values), then dirt, missing completely at random (independent of every value).
    ids = hex_ids(rng, n_rec)
    dirt = p["dirt"]
    _dirt_gestation(rng, cols, dirt, n_rec)
    _dirt_weight(rng, cols, dirt, n_rec)
    n_unknown_codes = _dirt_mother(rng, mother, dirt, n_deliv, len(code_list), n_lsoa)
    lsoa_all = np.concatenate(
        [
            lsoa_codes,
            np.array([f"X01{900001 + i:06d}" for i in range(n_unknown_codes)], dtype=object),
        ]
    )

    # Maternity-level columns and deaths, each from its own random stream (the columns above and
    # the main stream are untouched by them).
    mat = simulate_maternity(p, deliveries)
    babies["ids"] = ids
    last = f"{years[-1]}-12-31" if deaths_complete_to is None else str(deaths_complete_to)[:10]
    deaths = simulate_deaths(p, babies, np.datetime64(last, "D"))

    # 9. Ordering and duplicates.
    n_dup = int(round(dirt["duplicate_records"] * n_rec))
    dup = np.sort(rng.choice(n_rec, size=n_dup, replace=False)) if n_dup else np.array([], int)
    rows = np.concatenate([np.arange(n_rec), dup])
    rows = rows[np.argsort(d_date[b_deliv][rows].astype(np.int64), kind="stable")]

    bd = b_deliv[rows]
    extract = pd.DataFrame(
        {
            "baby_id": pd.array(ids[rows], dtype="string"),
            "birth_date": pd.Series(d_date[bd].astype("datetime64[ns]")),
            "birth_outcome": _codes_to_string(np.where(b_live[rows], 0, 1), ["live", "still"]),
            "gestation_weeks": _int_array(cols["gest_weeks"][rows], cols["gest_mask"][rows]),
            "gestation_days": _int_array(cols["gest_days"][rows], cols["days_mask"][rows]),
            "birth_weight_g": _int_array(cols["weight"][rows], cols["weight_mask"][rows]),
            "baby_sex": _codes_to_string(sex_idx[rows], ["M", "F", "U"]),
            "plurality": _int_array(d_nbabies[bd], np.zeros(len(rows), dtype=bool)),
            "mother_age": _int_array(mother["age"][bd], mother["age_mask"][bd]),
            "mother_ethnic_category": _codes_to_string(mother["eth"][bd], eth_codes),
            "mother_lsoa": _codes_to_string(mother["lsoa"][bd], list(lsoa_all)),
            "area_code": _codes_to_string(lsoa_area[d_lsoa][bd], area_codes),
        }
    )
    extract = pd.concat([extract[BASE_COLUMNS], _maternity_frame(mat, bd)], axis=1)
    extract.attrs["true_intercepts"] = intercepts

    lookup = pd.DataFrame(
        {
            "lsoa_code": pd.array(lsoa_codes, dtype="string"),
            "area_code": _codes_to_string(lsoa_area, area_codes),
            "imd_decile": lsoa_decile.astype(np.int64),
            "imd_rank": _national_ranks(p["seed"], lsoa_decile),
        }
    )
    return extract, lookup, deaths


def write_release(
    settings: dict,
    areas: dict[str, str],
    years: list[int],
    extract_path: str | Path,
    lookup_path: str | Path,
    deaths_path: str | Path | None = None,
    deaths_complete_to: str | None = None,
) -> None:
    """Write the extract, the lookup and (when a path is given) the deaths extract as UTF-8 CSV;
    create parent folders."""
    extract, lookup, deaths = simulate_linked_release(settings, areas, years, deaths_complete_to)
    _write_csv(extract, Path(extract_path))
    _write_csv(lookup, Path(lookup_path))
    if deaths_path is not None:
        _write_csv(deaths, Path(deaths_path))


def _maternity_frame(mat: dict[str, np.ndarray], rows: np.ndarray) -> pd.DataFrame:
    """The maternity-level columns of the extract rows (each row takes its delivery's values)."""
    return pd.DataFrame(
        {
            "maternity_id": pd.array(mat["maternity_id"][rows], dtype="string"),
            "delivery_method": pd.array(mat["delivery_method"][rows], dtype="string"),
            "booking_gestation_days": _int_array(mat["booking"][rows], mat["booking_mask"][rows]),
            "smoking_at_delivery": pd.arrays.BooleanArray(
                mat["smoking"][rows], mat["smoking_mask"][rows]
            ),
            "mother_bmi": pd.arrays.FloatingArray(mat["bmi"][rows], mat["bmi_mask"][rows]),
        }
    )


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _make_lsoas(
    rng: np.random.Generator, n_areas: int, n_per_area: int, profiles: dict | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fictional LSOAs: area index, IMD decile (by the area's profile) and relative births; in
    national mode (``profiles``) each area's LSOA count follows its births and its deciles its
    own profile."""
    area_idx, deciles = [], []
    sizes = np.maximum(1, np.round(n_per_area * rng.uniform(0.85, 1.15, size=n_areas))).astype(int)
    if profiles is not None:
        sizes = lsoa_counts(profiles["births"], n_per_area)
    for a in range(n_areas):
        profile = (
            np.asarray(DEPRIVATION_PROFILES[PROFILE_CYCLE[a % len(PROFILE_CYCLE)]])
            if profiles is None
            else profiles["deciles"][a]
        )
        counts = _largest_remainder(profile / profile.sum(), sizes[a])
        dec = np.repeat(np.arange(1, 11), counts)
        deciles.append(rng.permutation(dec))
        area_idx.append(np.full(sizes[a], a))
    decile = np.concatenate(deciles).astype(np.int64)
    score = (5.5 - decile) / 4.5
    weight = rng.gamma(8.0, 1.0 / 8.0, size=len(decile)) * (1.0 + LSOA_FERTILITY_TILT * score)
    area = np.concatenate(area_idx).astype(np.int64)
    if profiles is not None:  # each area's births are its given share, whatever its deprivation
        weight = weight / np.bincount(area, weights=weight)[area] * profiles["births"][area]
    return area, decile, weight


def _national_ranks(seed: int, decile: np.ndarray) -> np.ndarray:
    """Fictional national IMD ranks (1 = most deprived) that agree with each LSOA's decile.

    England had 32,844 LSOAs (2011); decile d holds ranks N(d-1)/10 + 1 .. Nd/10. Ranks are drawn
    without repeats from a separate random stream, so the extract does not change.
    """
    rng = np.random.default_rng([int(seed), NATIONAL_RANK_STREAM])
    counts = np.bincount(decile - 1, minlength=10)
    n_national = max(NATIONAL_LSOAS, 10 * int(counts.max()))
    bounds = np.floor(np.arange(11) * n_national / 10).astype(np.int64)
    ranks = np.zeros(len(decile), dtype=np.int64)
    for d in range(1, 11):
        members = np.flatnonzero(decile == d)
        if members.size:
            width = int(bounds[d] - bounds[d - 1])
            ranks[members] = bounds[d - 1] + 1 + rng.choice(width, size=members.size, replace=False)
    return ranks


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to total, as close as possible to shares * total."""
    raw = shares * total
    counts = np.floor(raw).astype(int)
    short = total - counts.sum()
    if short > 0:
        counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def _ethnic_given_decile(mix: np.ndarray, decile_p: np.ndarray) -> np.ndarray:
    """P(group | decile) tilted towards deprivation, scaled so the overall shares equal mix."""
    score = (5.5 - np.arange(1, 11)) / 4.5
    tilt = np.exp(np.outer(score, [ETHNIC_DEPRIVATION_TILT[g] for g in GROUPS]))
    base = mix.copy()
    for _ in range(500):
        table = base * tilt
        table /= table.sum(axis=1, keepdims=True)
        achieved = decile_p @ table
        ok = achieved > 0
        if np.allclose(achieved[ok], mix[ok], rtol=1e-12, atol=1e-14):
            break
        base = np.where(ok, base * mix / np.where(ok, achieved, 1.0), 0.0)
    return table


def _area_ethnic_tables(
    mixes: np.ndarray, lsoa_area: np.ndarray, lsoa_decile: np.ndarray, lsoa_p: np.ndarray
) -> np.ndarray:
    """P(group | area, decile), rows ``area * 10 + decile - 1``: each area's mix tilted towards
    deprivation within the area (:func:`_ethnic_given_decile` on the area's own deciles)."""
    tables = []
    for a, mix in enumerate(mixes):
        mine = lsoa_area == a
        decile_p = np.bincount(lsoa_decile[mine] - 1, weights=lsoa_p[mine], minlength=10)
        tables.append(_ethnic_given_decile(mix, decile_p / decile_p.sum()))
    return np.vstack(tables)


def _ethnic_code_table() -> tuple[list[str], np.ndarray]:
    """All NHS codes used and a (group x code) table of within-group shares."""
    codes = [c for c, g in ETHNIC_CATEGORY_TO_GROUP.items() if g in GROUPS]
    table = np.zeros((len(GROUPS), len(codes)))
    for gi, g in enumerate(GROUPS):
        for c, share in ETHNIC_CODE_SHARES[g].items():
            table[gi, codes.index(c)] = share
    table /= table.sum(axis=1, keepdims=True)
    return codes, table


def _dirt_gestation(rng: np.random.Generator, cols: dict, dirt: dict, n: int) -> None:
    """Missing, sentinel (99) and implausible gestation on disjoint shares of records."""
    keys = ["gestation_missing", "gestation_sentinel", "gestation_implausible"]
    miss, sent, impl = pick_disjoint(rng, n, [dirt[k] for k in keys])
    cols["gest_mask"][miss] = True
    cols["days_mask"][miss] = True
    cols["gest_weeks"][sent] = GESTATION_SENTINEL
    cols["days_mask"][sent] = True
    cols["gest_weeks"][impl] = rng.choice(GESTATION_IMPLAUSIBLE, size=len(impl))


def _dirt_weight(rng: np.random.Generator, cols: dict, dirt: dict, n: int) -> None:
    """Missing, sentinel (9999) and implausible birth weight on disjoint shares of records."""
    keys = ["weight_missing", "weight_sentinel", "weight_implausible"]
    miss, sent, impl = pick_disjoint(rng, n, [dirt[k] for k in keys])
    cols["weight_mask"][miss] = True
    cols["weight"][sent] = WEIGHT_SENTINEL
    cols["weight"][impl] = rng.choice(WEIGHT_IMPLAUSIBLE, size=len(impl))


def _dirt_mother(
    rng: np.random.Generator, mother: dict, dirt: dict, n: int, n_codes: int, n_lsoa: int
) -> int:
    """Ethnicity not stated, unknown LSOA and missing age, per delivery (twins stay alike).

    Returns how many LSOA codes absent from the lookup were used (numbered after the real ones).
    """
    (eth,) = pick_disjoint(rng, n, [dirt["ethnicity_not_stated"]])
    u = rng.random(len(eth))
    z_share, nk_share = NOT_STATED_SPLIT
    mother["eth"][eth] = np.where(
        u < z_share, n_codes, np.where(u < z_share + nk_share, n_codes + 1, -1)
    )
    (lsoa,) = pick_disjoint(rng, n, [dirt["lsoa_unknown"]])
    as_code = rng.random(len(lsoa)) < UNKNOWN_LSOA_CODE_SHARE
    n_unknown = int(as_code.sum())
    mother["lsoa"][lsoa] = np.where(as_code, n_lsoa + np.cumsum(as_code) - 1, -1)
    (age,) = pick_disjoint(rng, n, [dirt["mother_age_missing"]])
    mother["age_mask"][age] = True
    return n_unknown


def _codes_to_string(codes: np.ndarray, labels: list[str]) -> pd.arrays.StringArray:
    """Integer codes (-1 = missing) to a pandas string array."""
    table = np.array([*labels, None], dtype=object)  # code -1 picks the trailing None
    return pd.array(table[np.asarray(codes, dtype=np.int64)], dtype="string")


def _int_array(values: np.ndarray, mask: np.ndarray) -> pd.arrays.IntegerArray:
    """Nullable Int64 array from values and a missing-value mask."""
    return pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), np.asarray(mask, dtype=bool))


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write CSV atomically (temporary file, then rename) so no partial output is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        frame.to_csv(
            tmp, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d"
        )
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def main(argv: list[str] | None = None) -> None:
    """Command line: regenerate a synthetic release from the config (python -m birthgaps.ingest.synth)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--config", default="config/config.yaml", help="config file")
    parser.add_argument("--release", default=None, help="release name (default: config release)")
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as fh:
        config = yaml.safe_load(fh)
    name = args.release or config["release"]
    release = config["releases"][name]
    if not release.get("synthetic"):
        raise SystemExit(f"birthgaps: release '{name}' is not synthetic; nothing to generate")
    deaths = (release.get("deaths") or {}).get("extract")
    complete_to = release.get("deaths_complete_to")
    write_release(
        config["synthetic"],
        config["areas"],
        release["years"],
        release["extract"],
        release["imd_lookup"],
        deaths,
        None if complete_to is None else str(complete_to),
    )
    written = [release["extract"], release["imd_lookup"], *([deaths] if deaths else [])]
    print(f"wrote {', '.join(written)}")


if __name__ == "__main__":
    main()
