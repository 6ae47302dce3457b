"""Cells, rates and disclosure control, checked by hand-countable examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from support import REPO
from support.births import make_births
from support.cleaned import clean_births

from birthgaps.clean.cells import CELL_COLUMNS, make_cells
from birthgaps.core.disclosure import control_counts, round_to_base
from birthgaps.core.errors import InputError
from birthgaps.core.settings import validate_config
from birthgaps.stats import measures as stats
from birthgaps.stats.measures import proportion_ci, wilson_ci
from birthgaps.stats.rates import benchmark_settings, compute_rates, publish_rates


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
            "value": [0.75, 9.94, 98.0, 0.0],
            "lower_95": [0.1] * 4,
            "upper_95": [2.0] * 4,
        }
    )
    out = publish_rates(rates, {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5})
    assert out["suppressed"].tolist() == [True, False, True, False]
    assert out["flag"].tolist() == ["c", "", "c", ""]
    assert out["events"].iloc[1] == 50 and out["denominator"].iloc[1] == 525
    assert out["value"].iloc[1] == pytest.approx(round(100 * 50 / 525, 2))
    assert out.loc[0, ["events", "value", "lower_95", "upper_95"]].isna().all()
    # no events: ONS small-number rule, no rate from fewer than 3 events (flag x)
    assert pd.isna(out["value"].iloc[3]) and out["reliability"].iloc[3] == "x"
    assert out["events"].iloc[3] == 0 and out["denominator"].iloc[3] == 40


# ----------------------------------------------------------------------------- 99.8% CIs, small
# numbers and the benchmark comparison (birthgaps.stats.measures functions on hand-countable cells)

RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}


def small_cells(rows: list[tuple]) -> pd.DataFrame:
    """Cells from (area, year, quintile, events, denominator): one ethnic group and age band."""
    frame = pd.DataFrame(
        rows, columns=["area_code", "year", "imd_quintile", "events", "denominator"]
    )
    frame["ethnic_group"] = "White"
    frame["age_band"] = "25-29"
    frame["outcome"] = "preterm"
    for column in ("area_code", "imd_quintile", "ethnic_group", "age_band", "outcome"):
        frame[column] = frame[column].astype("string")
    return frame[CELL_COLUMNS]


CELLS = [
    ("X1", 2022, "1", 60, 500),
    ("X1", 2022, "5", 0, 300),  # no events: no rate (ONS "x")
    ("X1", 2023, "1", 12, 400),  # fewer than 20 events: "u"
    ("X2", 2022, "1", 30, 600),
    ("X2", 2023, "1", 40, 600),
]
AREAS = {"X1": "One", "X2": "Two"}


def _get(rates: pd.DataFrame, area: str, dimension: str, group: str) -> pd.Series:
    hit = rates[
        (rates["area_code"] == area) & (rates["dimension"] == dimension) & (rates["group"] == group)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


def test_rates_have_998_limits_and_ons_small_number_flags():
    rates = compute_rates(small_cells(CELLS), AREAS, {"confidence": [0.95, 0.998]})
    row = _get(rates, "X1", "imd_quintile", "1")
    expected = proportion_ci(72, 900, confidence=(0.95, 0.998), multiplier=100).iloc[0]
    for column in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        assert row[column] == pytest.approx(expected[column], rel=1e-12)
    assert row["value"] == pytest.approx(8.0) and row["reliability"] == ""
    zero = _get(rates, "X1", "imd_quintile", "5")
    assert zero["reliability"] == "x" and np.isnan(zero["value"]) and np.isnan(zero["upper_95"])
    assert zero["comparison"] == "Not compared"
    few = _get(rates, "X1", "year", "2023")
    assert few["reliability"] == "u" and few["value"] == pytest.approx(3.0)
    strict = compute_rates(
        small_cells(CELLS), AREAS, {"small_numbers": {"min_events": 13, "unreliable_below": 20}}
    )
    assert _get(strict, "X1", "year", "2023")["reliability"] == "x"
    published = publish_rates(rates, RULES)
    assert pd.isna(_get(published, "X1", "imd_quintile", "5")["value"])
    assert _get(published, "X1", "imd_quintile", "5")["events"] == 0  # the count is published


def test_pooled_benchmark_is_the_all_areas_value_for_the_same_period():
    pooled_source = {"benchmark": {"source": "pooled"}}  # the default is England
    rates = compute_rates(small_cells(CELLS), AREAS, pooled_source)
    pooled_overall = 100 * 142 / 2400
    pooled_2022 = 100 * 90 / 1400
    row = _get(rates, "X1", "overall", "All")
    assert row["benchmark_label"] == "All study areas"
    assert row["benchmark"] == pytest.approx(pooled_overall)
    assert _get(rates, "X1", "imd_quintile", "1")["benchmark"] == pytest.approx(pooled_overall)
    year = _get(rates, "X1", "year", "2022")
    assert year["benchmark"] == pytest.approx(pooled_2022)
    expected = stats.compare_with_benchmark(
        year["value"],
        year["lower_95"],
        year["upper_95"],
        pooled_2022,
        polarity="low_is_good",
        lower_998=year["lower_99_8"],
        upper_998=year["upper_99_8"],
    ).iloc[0]
    assert year["comparison"] == expected
    assert _get(rates, "X2", "overall", "All")["comparison"] == "Similar"  # 5.83% v 5.92%
    pooled = rates[rates["area_code"] == "ALL"]
    assert pooled["benchmark"].isna().all() and (pooled["comparison"] == "").all()
    published = publish_rates(rates, RULES, pooled_source)
    all_row = _get(published, "ALL", "overall", "All")
    assert _get(published, "X1", "overall", "All")["benchmark"] == all_row["value"]


def test_benchmark_values_by_year_and_whole_period():
    statistics = {
        "benchmark": {
            "label": "England",
            "source": "values",
            "values": {"preterm": {2022: 7.9, "all": 7.8}},
        }
    }
    rates = compute_rates(small_cells(CELLS), AREAS, statistics)
    assert set(rates["benchmark_label"]) == {"England"}
    assert _get(rates, "X1", "year", "2022")["benchmark"] == 7.9
    assert np.isnan(_get(rates, "X1", "year", "2023")["benchmark"])
    assert _get(rates, "X1", "year", "2023")["comparison"] == "Not compared"
    assert _get(rates, "X2", "ethnic_group", "White")["benchmark"] == 7.8
    overall = _get(rates, "ALL", "overall", "All")  # the pooled areas are compared with England
    assert overall["benchmark"] == 7.8 and overall["comparison"] == "Better (99.8%)"
    published = publish_rates(rates, RULES, statistics)
    assert _get(published, "X1", "year", "2022")["benchmark"] == 7.9
    with pytest.raises(InputError, match="statistics.benchmark.values"):
        benchmark_settings({"benchmark": {"source": "values"}})
    with pytest.raises(InputError, match="statistics.benchmark.source"):
        benchmark_settings({"benchmark": {"source": "national"}})


def test_readme_benchmark_example_validates_and_compares_a_one_year_release(config):
    text = (REPO / "config" / "README.md").read_text(encoding="utf-8")
    start = text.index("```yaml", text.index("Example of a national benchmark"))
    example = yaml.safe_load(text[start + len("```yaml") : text.index("```", start + 7)])
    config["statistics"].update(example["statistics"])
    validate_config(config)
    one_year = small_cells([row for row in CELLS if row[1] == 2022])
    cells = pd.concat(
        [one_year, one_year.assign(outcome=pd.array(["lbw"] * len(one_year), dtype="string"))],
        ignore_index=True,
    )
    rates = compute_rates(cells, AREAS, config["statistics"])
    lbw = _get(rates[rates["outcome"] == "lbw"], "X2", "overall", "All")
    assert lbw["benchmark"] == 7.0  # the 2022 value stands for the whole one-year period
    assert lbw["comparison"] == "Similar"  # 30/600 = 5.0% (95% CI 3.5 to 7.1)
    preterm = _get(rates[rates["outcome"] == "preterm"], "X2", "overall", "All")
    assert preterm["comparison"] == "Not compared"  # no preterm values in the example
