"""Rates of every declared outcome: per-1,000 rates with exact and Byar's limits, each outcome's
small-number rules, rolling three-year periods, the definitions table, a removed outcome, and the
protection of stillbirths against the difference of total-birth and live-birth denominators."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from birthgaps.core.labels import OUTCOME_TABLE_COLUMNS
from birthgaps.core.labels import outcomes_table as definitions_table
from birthgaps.core.outcomes import builtin_declarations, registry
from birthgaps.core.settings import schema_defaults
from birthgaps.stats import linked_counts
from birthgaps.stats.comparators import comparator_table
from birthgaps.stats.outcome_specs import resolve_outcomes, rolling_periods
from birthgaps.stats.rates import compute_rates, grouped_counts, publish_rates, rate_statistics
from birthgaps.stats.steps import comparators_step, rates_step

AREAS = {"E06000016": "Leicester"}
NO_BENCHMARK = {"benchmark": {"source": "values", "values": {"infant": {"all": 4.0}}}}
Z95 = 1.959963984540054


def _config(outcomes, **statistics) -> dict:
    return {
        "outcomes": outcomes,
        "definitions": schema_defaults("definitions"),
        "statistics": statistics,
    }


def _counts(rows: list[tuple[str, str, str, int, int]]) -> pd.DataFrame:
    """A rates-shaped counts table: (outcome, dimension, group, events, denominator) per row."""
    frame = pd.DataFrame(rows, columns=["outcome", "dimension", "group", "events", "denominator"])
    frame.insert(0, "area_name", "Leicester")
    frame.insert(0, "area_code", "E06000016")
    return frame


def _cells(by_year: dict[int, dict[str, tuple[int, int]]], area: str = "E06000016") -> pd.DataFrame:
    """A cell table with one cell per year and outcome (quintile 1, White, 25-29)."""
    records = [
        {
            "area_code": area,
            "year": year,
            "imd_quintile": "1",
            "ethnic_group": "White",
            "age_band": "25-29",
            "outcome": outcome,
            "events": events,
            "denominator": denominator,
        }
        for year, outcomes in by_year.items()
        for outcome, (events, denominator) in outcomes.items()
    ]
    out = pd.DataFrame.from_records(records)
    for column in ("area_code", "imd_quintile", "ethnic_group", "age_band", "outcome"):
        out[column] = out[column].astype("string")
    return out.astype({"year": "int64", "events": "int64", "denominator": "int64"})


def _byar(observed: int) -> tuple[float, float]:
    """Byar's approximation to the Poisson 95% limits of a count (PHE technical guide), by hand."""
    lower = observed * (1 - 1 / (9 * observed) - Z95 / (3 * math.sqrt(observed))) ** 3
    o = observed + 1
    upper = o * (1 - 1 / (9 * o) + Z95 / (3 * math.sqrt(o))) ** 3
    return lower, upper


def test_infant_mortality_per_1000_with_byars_limits():
    """The Leicester scrutiny report's 105 infant deaths of 13,291 live births: 7.9 per 1,000."""
    counts = _counts([("infant", "overall", "All", 105, 13291)])
    row = rate_statistics(counts, NO_BENCHMARK).iloc[0]
    assert row["unit"] == "per 1,000"
    assert round(row["value"], 1) == 7.9
    lower, upper = _byar(105)
    assert row["lower_95"] == pytest.approx(1000 * lower / 13291, rel=1e-9)
    assert row["upper_95"] == pytest.approx(1000 * upper / 13291, rel=1e-9)
    assert (round(row["lower_95"], 2), round(row["upper_95"], 2)) == (6.46, 9.56)
    assert row["reliability"] == ""  # 105 deaths: reliable
    # England's 4.2 lies far below the interval: worse at 99.8%
    assert row["comparison"] == "Worse (99.8%)"


def test_exact_poisson_limits_below_10_events_and_ons_flags():
    # 4 deaths of 1,000 live births: the exact 95% limits of a count of 4 are 1.0899 and 10.2416
    # (chi-squared table: 8 and 10 degrees of freedom halved)
    counts = _counts(
        [
            ("infant", "overall", "All", 4, 1000),
            ("infant", "imd_quintile", "1", 2, 400),
            ("infant", "imd_quintile", "2", 15, 3000),
            ("preterm", "overall", "All", 4, 1000),
        ]
    )
    out = rate_statistics(counts, NO_BENCHMARK).set_index(["outcome", "group"])
    infant = out.loc[("infant", "All")]
    assert (round(infant["lower_95"], 4), round(infant["upper_95"], 4)) == (1.0899, 10.2416)
    assert infant["value"] == pytest.approx(4.0) and infant["reliability"] == "u"
    # ONS: no rate from fewer than 3 deaths, low reliability under 20
    fewer = out.loc[("infant", "1")]
    assert fewer["reliability"] == "x" and np.isnan(fewer["value"])
    assert np.isnan(fewer["upper_95"])
    assert out.loc[("infant", "2"), "reliability"] == "u"
    # the same counts for a percentage outcome: Wilson limits, in %
    preterm = out.loc[("preterm", "All")]
    assert preterm["unit"] == "%" and preterm["value"] == pytest.approx(0.4)
    assert preterm["lower_95"] == pytest.approx(0.15566, abs=1e-5)  # Wilson 4 of 1,000, by hand


def test_each_outcome_keeps_its_own_small_number_rules():
    strict = {"id": "infant", "small_numbers": {"min_events": 10, "unreliable_below": 50}}
    outcomes = registry(_config([strict, "neonatal"]))
    counts = _counts(
        [("infant", "overall", "All", 8, 2000), ("neonatal", "overall", "All", 8, 2000)]
    )
    out = rate_statistics(counts, NO_BENCHMARK, outcomes=outcomes).set_index("outcome")
    assert out.loc["infant", "reliability"] == "x" and np.isnan(out.loc["infant", "value"])
    assert out.loc["neonatal", "reliability"] == "u" and out.loc["neonatal", "value"] == 4.0


def test_rolling_three_year_periods_sum_the_years():
    cells = _cells(
        {
            2019: {"infant": (10, 3000), "preterm": (240, 3000)},
            2020: {"infant": (12, 3100), "preterm": (250, 3100)},
            2021: {"infant": (9, 2900), "preterm": (230, 2900)},
            2022: {"infant": (14, 3050), "preterm": (260, 3050)},
        }
    )
    assert rolling_periods([2019, 2020, 2021, 2022], 3) == [
        ("2019-2021", (2019, 2020, 2021)),
        ("2020-2022", (2020, 2021, 2022)),
    ]
    assert rolling_periods([2021, 2022], 3) == []  # shorter than a period: no year rows
    outcomes = resolve_outcomes(None, ["infant", "preterm"])
    rates = compute_rates(cells, AREAS, {"benchmark": {"source": "england"}}, outcomes=outcomes)
    years = rates[(rates["dimension"] == "year") & (rates["area_code"] == "E06000016")]
    infant = years[years["outcome"] == "infant"].set_index("group")
    assert list(infant.index) == ["2019-2021", "2020-2022"]
    assert (infant.loc["2019-2021", "events"], infant.loc["2019-2021", "denominator"]) == (
        31,
        9000,
    )
    assert infant.loc["2020-2022", "value"] == pytest.approx(1000 * 35 / 9050)
    # England pooled over the same three years, from the ONS counts of the shipped reference
    reference = pd.read_csv("resources/comparators/ons_reference.csv")
    england = reference[(reference["geography_code"] == "E92000001")]
    england = england[(england["outcome"] == "infant") & england["year"].isin([2019, 2020, 2021])]
    expected = 1000 * england["numerator"].sum() / england["denominator"].sum()
    assert infant.loc["2019-2021", "benchmark"] == pytest.approx(expected, abs=1e-4)
    assert infant.loc["2019-2021", "benchmark_label"] == "England"
    # preterm keeps single years; the whole period is unchanged for both
    assert list(years.loc[years["outcome"] == "preterm", "group"]) == [
        "2019",
        "2020",
        "2021",
        "2022",
    ]
    overall = rates[(rates["dimension"] == "overall") & (rates["area_code"] == "E06000016")]
    assert overall.set_index("outcome").loc["infant", "events"] == 45


def test_a_rolling_period_beyond_englands_years_is_not_compared():
    """ONS infant deaths stop at 2022: 2021-2023 has no England value, so no comparison."""
    reference = pd.read_csv("resources/comparators/ons_reference.csv")
    outcomes = resolve_outcomes(None, ["infant"])
    table = comparator_table(reference, AREAS, [2020, 2021, 2022, 2023], outcomes, "england")
    by_period = table.set_index("period")
    assert list(by_period.index) == ["2020-2022", "2021-2023", "all"]
    assert by_period.loc["2020-2022", "unit"] == "per 1,000"
    assert by_period.loc["2020-2022", "value"] == pytest.approx(1000 * 6549 / 1758189, abs=1e-4)
    assert np.isnan(by_period.loc["2021-2023", "value"])
    assert "2021-2023" in by_period.loc["2021-2023", "note"]
    cells = _cells({y: {"infant": (12, 3000)} for y in (2020, 2021, 2022, 2023)})
    statistics = {"benchmark": {"source": "england", "comparators": table.to_dict("records")}}
    rates = compute_rates(cells, AREAS, statistics, outcomes=outcomes)
    late = rates[(rates["group"] == "2021-2023") & (rates["area_code"] == "E06000016")].iloc[0]
    assert np.isnan(late["benchmark"]) and late["comparison"] == "Not compared"


def test_definitions_table_follows_the_registry():
    outcomes = registry(_config(["infant", "preterm", "smoking_at_delivery"]))
    table = definitions_table(outcomes)
    assert list(table.columns) == list(OUTCOME_TABLE_COLUMNS)
    assert list(table["outcome"]) == ["infant", "preterm", "smoking_at_delivery"]
    rows = table.set_index("outcome")
    assert (
        rows.loc["infant", "unit"] == "per 1,000" and rows.loc["infant", "pooling"] == "rolling_3"
    )
    assert rows.loc["infant", "group_label"] == "Mortality"
    assert rows.loc["preterm", "definition"].startswith("live births before 37 weeks")
    assert rows.loc["smoking_at_delivery", "denominator"] == "maternities"
    assert rows.loc["infant", "fingertips_id"] == 92196
    assert rows.loc["preterm", "fingertips_id"] == 91743
    assert pd.isna(definitions_table(registry(_config(["obesity"])))["fingertips_id"].iloc[0])


def _full_cells() -> pd.DataFrame:
    """Synthetic cells of every built-in outcome, two areas, three years, quintiles and groups."""
    rng = np.random.default_rng(12)
    records = []
    for area in ("E06000016", "E06000032"):
        for year in (2020, 2021, 2022):
            for quintile in ("1", "3", "5"):
                for group in ("White", "Asian", "Black"):
                    live = int(rng.integers(150, 900))
                    still = int(rng.integers(0, 5))
                    deaths = int(rng.binomial(live, 0.004))
                    neonatal = int(rng.binomial(deaths, 0.7))
                    early = int(rng.binomial(neonatal, 0.7))
                    maternities = live + still - int(rng.integers(0, 6))
                    counts = {
                        "stillbirth": (still, live + still),
                        "perinatal": (still + early, live + still),
                        "early_neonatal": (early, live),
                        "neonatal": (neonatal, live),
                        "postneonatal": (deaths - neonatal, live),
                        "infant": (deaths, live),
                    }
                    for outcome in builtin_declarations():
                        if outcome not in counts:
                            rate = rng.uniform(0.01, 0.3)
                            base = maternities if outcome in MATERNITY else live
                            counts[outcome] = (int(rng.binomial(base, rate)), base)
                    for outcome, (events, denominator) in counts.items():
                        records.append(
                            {
                                "area_code": area,
                                "year": year,
                                "imd_quintile": quintile,
                                "ethnic_group": group,
                                "age_band": "25-29",
                                "outcome": outcome,
                                "events": events,
                                "denominator": denominator,
                            }
                        )
    out = pd.DataFrame.from_records(records)
    for column in ("area_code", "imd_quintile", "ethnic_group", "age_band", "outcome"):
        out[column] = out[column].astype("string")
    return out


MATERNITY = {o for o, d in builtin_declarations().items() if d["denominator"] == "maternities"}
RULES = {"rule_set": "nhs_england", "suppress_min": 1, "suppress_max": 7, "rounding_base": 5}


def _run_step(tmp_path, outcomes: list, cells: pd.DataFrame) -> dict[str, pd.DataFrame]:
    config = _config(outcomes)
    params = [o.as_params() for o in registry(config).values()]
    areas = {"E06000016": "Leicester", "E06000032": "Luton"}
    paths = {k: tmp_path / f"{k}.{e}" for k, e in [("cells", "parquet"), ("rates", "parquet"),
             ("published", "csv"), ("outcomes", "csv"), ("comparators", "csv")]}  # fmt: skip
    cells.to_parquet(paths["cells"], index=False)
    benchmark = {"source": "england"}
    comparators_step(
        "resources/comparators/ons_reference.csv",
        "resources/comparators/lad_region.csv",
        paths["comparators"],
        areas=areas,
        years=[2020, 2021, 2022],
        outcomes=params,
        benchmark=benchmark,
        snapshot=None,
        release="test",
        synthetic=True,
    )
    rates_step(
        paths["cells"],
        paths["rates"],
        paths["published"],
        outcomes=params,
        areas=areas,
        statistics={"benchmark": benchmark},
        disclosure=RULES,
        release="test",
        synthetic=True,
        deprivation={},
        comparators=paths["comparators"],
        definitions_out=paths["outcomes"],
    )
    return {
        "rates": pd.read_parquet(paths["rates"]),
        "published": pd.read_csv(paths["published"], dtype={"group": "string"}),
        "outcomes": pd.read_csv(paths["outcomes"]),
        "comparators": pd.read_csv(paths["comparators"], dtype={"period": "string"}),
    }


def test_every_built_in_outcome_goes_through_the_rates_step(tmp_path):
    if not __import__("pathlib").Path("resources/comparators/lad_region.csv").exists():
        pytest.skip("the LAD -> region map is not where the test expects it")
    every = list(builtin_declarations())
    out = _run_step(tmp_path, every, _full_cells())
    published, definitions = out["published"], out["outcomes"]
    assert list(definitions["outcome"]) == every
    assert list(pd.unique(published["outcome"])) == sorted(every)
    units = published.groupby("outcome")["unit"].unique()
    for outcome, declared in builtin_declarations().items():
        expected = "per 1,000" if declared["measure"] == "per_1000" else "%"
        assert list(units[outcome]) == [expected], outcome
    years = published[published["dimension"] == "year"].groupby("outcome")["group"].unique()
    assert list(years["infant"]) == ["2020-2022"] and list(years["preterm"]) == [
        "2020",
        "2021",
        "2022",
    ]
    # a shown value is the published counts' rate in its unit
    shown = published[~published["suppressed"] & published["value"].notna()]
    multiplier = np.where(shown["unit"] == "per 1,000", 1000, 100)
    assert np.allclose(
        shown["value"], multiplier * shown["events"] / shown["denominator"], atol=0.0051
    )
    infant = out["comparators"]
    infant = infant[(infant["outcome"] == "infant") & (infant["period"] == "2020-2022")]
    assert set(infant["unit"]) == {"per 1,000"} and infant["value"].notna().all()


def test_an_outcome_removed_from_config_leaves_no_row(tmp_path):
    if not __import__("pathlib").Path("resources/comparators/lad_region.csv").exists():
        pytest.skip("the LAD -> region map is not where the test expects it")
    kept = [o for o in builtin_declarations() if o != "stillbirth"]
    out = _run_step(tmp_path, kept, _full_cells())  # the cells still count stillbirths
    for name, table in out.items():
        assert "stillbirth" not in set(table["outcome"].astype(str)), name
        assert "perinatal" in set(table["outcome"].astype(str)), name


# ------------------------------------------------------------------------------------------------
# Disclosure: stillbirths = total births (perinatal denominator) - live births (infant denominator)
# ------------------------------------------------------------------------------------------------


def _stillbirth_attack(published: pd.DataFrame, truth: pd.DataFrame) -> list[tuple]:
    """Withheld stillbirth counts of 1-7 given back exactly by a shown total-birth denominator
    less a shown live-birth denominator of the same area, breakdown and group."""
    keys = ["area_code", "dimension", "group"]
    shown = published[~published["suppressed"]]
    total = shown[shown["outcome"] == "perinatal"].set_index(keys)["denominator"]
    recovered = []
    for live_outcome in ("early_neonatal", "neonatal", "postneonatal", "infant"):
        live = shown[shown["outcome"] == live_outcome].set_index(keys)["denominator"]
        difference = (total - live).dropna()
        hidden = published[(published["outcome"] == "stillbirth") & published["suppressed"]]
        exact = truth[truth["outcome"] == "stillbirth"].set_index(keys)["events"]
        for key in hidden.set_index(keys).index:
            if key in difference.index and difference[key] == exact[key] and 1 <= exact[key] <= 7:
                recovered.append((live_outcome, *key))
    return recovered


def test_a_withheld_stillbirth_count_is_not_the_difference_of_two_published_denominators(
    monkeypatch,
):
    # no rounding (the counts are exact), as under a rule set that only suppresses
    rules = {"rule_set": "custom", "suppress_min": 1, "suppress_max": 7, "rounding_base": 1}
    outcomes = resolve_outcomes(None, ["stillbirth", "perinatal", "early_neonatal", "infant"])
    cells = _full_cells()
    cells = cells[cells["outcome"].isin(list(outcomes))]
    statistics = {"benchmark": {"source": "pooled"}}
    rates = compute_rates(cells, {"E06000016": "L", "E06000032": "T"}, statistics)
    hidden = rates[(rates["outcome"] == "stillbirth") & rates["events"].between(1, 7)]
    assert len(hidden) > 5  # the attack has targets
    # without the protection across outcomes, the subtraction gives stillbirths back
    monkeypatch.setattr(
        "birthgaps.stats.rates.linked_withheld", lambda counts, suppressed, *a: suppressed & False
    )
    exposed = publish_rates(rates, rules, statistics, outcomes=outcomes)
    assert _stillbirth_attack(exposed, rates)
    monkeypatch.undo()
    published = publish_rates(rates, rules, statistics, outcomes=outcomes, show_kind=True)
    assert _stillbirth_attack(published, rates) == []
    # and every additive set within an outcome still has no single withheld cell
    from birthgaps.core.disclosure import exactly_one_suppressed, rates_additive_sets

    sets = rates_additive_sets(rates[["area_code", "outcome", "dimension", "group", "events",
                                      "denominator"]])  # fmt: skip
    assert exactly_one_suppressed(published["suppressed"].to_numpy(bool), sets) == []
    # the pairs protected: total-birth outcomes over live-birth ones with as long a follow-up
    pairs = set(linked_counts.nested_pairs(outcomes))
    assert {("perinatal", "early_neonatal"), ("perinatal", "infant")} <= pairs
    assert ("infant", "early_neonatal") not in pairs  # infant needs a year's follow-up


def test_maternity_and_birth_denominators_are_protected_per_outcome():
    """Maternity indicators have their own denominators: suppression holds within each."""
    outcomes = resolve_outcomes(None, ["preterm", "emergency_caesarean", "smoking_at_delivery"])
    cells = _full_cells()
    cells = cells[cells["outcome"].isin(list(outcomes))]
    rates = compute_rates(cells, {"E06000016": "L"}, {"benchmark": {"source": "pooled"}})
    published = publish_rates(rates, RULES, {"benchmark": {"source": "pooled"}}, outcomes=outcomes)
    small = rates["events"].between(1, 7) | (rates["denominator"] - rates["events"]).between(1, 7)
    assert published.loc[small.to_numpy(), "suppressed"].all()
    shown = published[~published["suppressed"]]
    assert (shown["events"] % 5 == 0).all() and (shown["denominator"] % 5 == 0).all()
    units = published.drop_duplicates("outcome").set_index("outcome")["unit"]
    assert set(units) == {"%"}
    assert grouped_counts(cells, {"E06000016": "L"})["outcome"].nunique() == 3


def test_a_new_outcome_declared_in_config_needs_no_code(tmp_path):
    """Extremely preterm birth (under 28 weeks) per 1,000 live births, declared only in config."""
    declared = {
        "id": "extremely_preterm",
        "label": "Extremely preterm birth",
        "group": "birth_outcomes",
        "definition": "live births before 28 weeks, per 1,000 live births with stated gestation",
        "numerator": "gestation_weeks < 28",
        "requires": ["gestation_weeks"],
        "denominator": "live_births",
        "measure": "per_1000",
        "small_numbers": {"min_events": 5},
    }
    cells = _full_cells()
    preterm = cells[cells["outcome"] == "preterm"].copy()
    preterm["outcome"] = pd.array(["extremely_preterm"] * len(preterm), dtype="string")
    preterm["events"] = preterm["events"] // 20
    cells = pd.concat([cells, preterm], ignore_index=True)
    out = _run_step(tmp_path, ["preterm", declared, "infant"], cells)
    definitions = out["outcomes"]
    assert list(definitions["outcome"]) == ["preterm", "extremely_preterm", "infant"]
    rows = out["published"][out["published"]["outcome"] == "extremely_preterm"]
    assert set(rows["unit"]) == {"per 1,000"}
    exact = out["rates"][out["rates"]["outcome"] == "extremely_preterm"]
    assert (exact.loc[exact["events"] < 5, "reliability"] == "x").all()
    assert exact.loc[exact["events"] < 5, "value"].isna().all()
    shown = exact[exact["events"] >= 10]
    assert np.allclose(shown["value"], 1000 * shown["events"] / shown["denominator"])
    comparators = out["comparators"]
    new = comparators[comparators["outcome"] == "extremely_preterm"]
    assert new["value"].isna().all()
    assert new["note"].str.contains("no published england comparator").all()


def test_a_withheld_rolling_period_does_not_follow_from_the_others():
    """2019-2021 and 2022-2024 add up to the whole of 2019-2024: with the total and 2022-2024
    shown, a withheld 2019-2021 would be their difference."""
    deaths = {2019: 1, 2020: 1, 2021: 1, 2022: 5, 2023: 6, 2024: 4}
    cells = _cells({year: {"infant": (n, 3000)} for year, n in deaths.items()})
    statistics = {"benchmark": {"source": "pooled"}}
    outcomes = resolve_outcomes(None, ["infant"])
    rates = compute_rates(cells, AREAS, statistics, outcomes=outcomes)
    published = publish_rates(rates, RULES, statistics, outcomes=outcomes, show_kind=True)
    area = published[published["area_code"] == "E06000016"].set_index("group")
    periods = ["2019-2021", "2020-2022", "2021-2023", "2022-2024"]
    assert list(area.loc[periods, "events"].isna()) == [True, True, True, True]
    assert area.loc["All", "events"] == 20  # 18 rounded to 5: the whole period stays shown
    assert area.loc["2019-2021", "suppression"] == "primary"
    # by hand: each shown row as years, then no withheld period is a combination of them
    years = list(range(2019, 2025))

    def vector(group: str) -> np.ndarray:
        if group == "All":
            return np.ones(len(years))
        first, last = (int(y) for y in group.split("-"))
        return np.array([first <= y <= last for y in years], dtype=float)

    shown = [vector(g) for g in ["All", *periods] if not area.loc[g, "suppressed"]]
    for group in periods:
        target = vector(group)
        solution, *_ = np.linalg.lstsq(np.array(shown).T, target, rcond=None)
        assert not np.allclose(np.array(shown).T @ solution, target), group


def test_the_scan_reads_the_definitions_tables_denominator_as_a_population(tmp_path):
    from birthgaps.publish.scan import scan_published

    tables = tmp_path / "tables"
    tables.mkdir()
    definitions_table(registry(_config(list(builtin_declarations())))).to_csv(
        tables / "outcomes.csv", index=False
    )
    rules = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
    assert scan_published(tmp_path, rules=rules, restricted=None).empty
    # the same column name in the rates table is still a count
    pd.DataFrame({"denominator": [3]}).to_csv(tables / "rates.csv", index=False)
    findings = scan_published(tmp_path, rules=rules, restricted=None)
    assert list(findings["kind"]) == ["small_count"]


def test_infant_mortality_by_year_of_death_is_compared_with_onss_infant_rows():
    reference = pd.read_csv("resources/comparators/ons_reference.csv")
    outcomes = resolve_outcomes(None, ["infant_by_death_year", "very_preterm"])
    table = comparator_table(reference, AREAS, [2020, 2021, 2022], outcomes, "england")
    by = table.set_index(["outcome", "period"])
    # ONS England 2020-2022: 2,100 + 2,209 + 2,240 infant deaths of 1,758,189 live births
    assert by.loc[("infant_by_death_year", "2020-2022"), "value"] == pytest.approx(3.7248, 1e-4)
    assert np.isnan(by.loc[("very_preterm", "all"), "value"])  # nothing counts the same
