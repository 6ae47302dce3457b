"""Cells, rates and disclosure control, checked by hand-countable examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_births

from birthgaps.cells import CELL_COLUMNS, make_cells
from birthgaps.clean import clean_births
from birthgaps.disclosure import control_counts, round_to_base
from birthgaps.rates import compute_rates, publish_rates
from birthgaps.stats import wilson_ci


@pytest.fixture
def clean(lookup, config):
    rng = np.random.default_rng(1)
    rows = [
        {
            "mother_lsoa": f"L{rng.integers(1, 6)}",
            "mother_ethnic_category": rng.choice(["A", "H", "N"]),
            "gestation_weeks": int(rng.choice([33, 39], p=[0.2, 0.8])),
            "birth_weight_g": int(rng.choice([2000, 3300], p=[0.15, 0.85])),
            "area_code": rng.choice(["X1", "X2"]),
            "birth_date": rng.choice(["2020-03-01", "2021-03-01"]),
        }
        for _ in range(600)
    ]
    births, _ = clean_births(
        make_births(rows),
        lookup,
        areas=["X1", "X2"],
        years=[2020, 2021],
        definitions=config["definitions"],
    )
    return births


def test_cells_sum_to_record_counts(clean):
    cells = make_cells(clean, ["preterm", "lbw", "term_lbw"])
    assert list(cells.columns) == CELL_COLUMNS
    for outcome in ("preterm", "lbw", "term_lbw"):
        part = cells[cells["outcome"] == outcome]
        assert part["events"].sum() == clean[outcome].sum()
        assert part["denominator"].sum() == clean[outcome].notna().sum()
    assert (cells["denominator"] > 0).all()
    assert not cells.duplicated(
        ["area_code", "year", "imd_quintile", "ethnic_group", "age_band", "outcome"]
    ).any()


def test_rates_match_direct_counts_and_wilson(clean):
    areas = {"X1": "One", "X2": "Two"}
    rates = compute_rates(make_cells(clean, ["preterm"]), areas)
    row = rates.query("area_code == 'X1' and dimension == 'imd_quintile' and group == '1'").iloc[0]
    sub = clean[(clean["area_code"] == "X1") & (clean["imd_quintile"] == "1")]
    assert row["events"] == sub["preterm"].sum()
    assert row["denominator"] == len(sub)
    lo, hi = wilson_ci(np.array([row["events"]]), np.array([row["denominator"]]))
    assert row["lower_95"] == pytest.approx(100 * lo[0])
    assert row["upper_95"] == pytest.approx(100 * hi[0])
    overall = rates.query("area_code == 'ALL' and dimension == 'overall'").iloc[0]
    assert overall["denominator"] == len(clean)
    assert set(rates["dimension"]) == {
        "overall",
        "imd_quintile",
        "ethnic_group",
        "age_band",
        "year",
        "imd_quintile_by_ethnic_group",
    }


def test_wilson_matches_the_closed_form():
    x, n, z = 169.0, 3905.0, 1.959963984540054
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    lo, hi = wilson_ci(np.array([x]), np.array([n]))
    assert lo[0] == pytest.approx(centre - half, rel=1e-12)
    assert hi[0] == pytest.approx(centre + half, rel=1e-12)
    lo0, hi0 = wilson_ci(np.array([0]), np.array([0]))
    assert np.isnan(lo0[0]) and np.isnan(hi0[0])


def test_wilson_matches_phe_proportion_reference(shared_dir):
    ref = pd.read_csv(shared_dir / "reference/pheindicatormethods/phe_proportion_expected.csv")
    ref = ref[(ref["multiplier"] == 1) & ref["Numerator"].notna() & ref["Denominator"].notna()]
    for level, lower, upper in (
        (0.95, "lower95_0cl", "upper95_0cl"),
        (0.998, "lower99_8cl", "upper99_8cl"),
    ):
        lo, hi = wilson_ci(ref["Numerator"], ref["Denominator"], level)
        np.testing.assert_allclose(lo, ref[lower], rtol=1e-6)
        np.testing.assert_allclose(hi, ref[upper], rtol=1e-6)


def test_rounding_and_suppression():
    assert round_to_base(pd.Series([0, 2, 3, 7, 8, 12, 13, 22, 23]), 5).tolist() == [
        0,
        0,
        5,
        5,
        10,
        10,
        15,
        20,
        25,
    ]
    table = pd.DataFrame({"n": [0, 1, 7, 8, 100]})
    out = control_counts(table, ["n"], {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5})
    assert out["suppressed"].tolist() == [False, True, True, False, False]
    assert out["n"].tolist()[0] == 0 and pd.isna(out["n"].iloc[1]) and out["n"].iloc[3] == 10


def test_published_rates_hide_small_events_nonevents_and_use_rounded_percent():
    rates = pd.DataFrame(
        {
            "area_code": ["X1"] * 4,
            "area_name": ["One"] * 4,
            "outcome": ["preterm"] * 4,
            "dimension": ["year"] * 4,
            "group": ["2020", "2021", "2022", "2023"],
            "events": [3, 52, 98, 0],
            "denominator": [400, 523, 100, 40],
            "percent": [0.75, 9.94, 98.0, 0.0],
            "lower_95": [0.1] * 4,
            "upper_95": [2.0] * 4,
        }
    )
    out = publish_rates(rates, {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5})
    assert out["suppressed"].tolist() == [True, False, True, False]
    assert out["flag"].tolist() == ["c", "", "c", ""]
    assert out["events"].iloc[1] == 50 and out["denominator"].iloc[1] == 525
    assert out["percent"].iloc[1] == pytest.approx(round(100 * 50 / 525, 2))
    assert out.loc[0, ["events", "percent", "lower_95", "upper_95"]].isna().all()
    assert out["percent"].iloc[3] == 0
