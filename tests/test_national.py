"""National scale (issue 13): the generator's national mode (per-area births, deprivation and
ethnic mix), the England-like profiles read from ../shared, and England and region comparators
summed from the run's own cells when the release covers all of England."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from support import REPO, SHARED

from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import builtin_declarations
from birthgaps.ingest.national import ENGLAND
from birthgaps.ingest.synth import simulate_release
from birthgaps.ingest.synth_national import england_profiles, parse_profiles, upper_tier_areas
from birthgaps.stats.comparators import comparator_table
from birthgaps.stats.outcome_specs import resolve_outcomes
from birthgaps.stats.run_comparators import RUN_REGION_SOURCE, RUN_SOURCE, run_reference

CONFIG = yaml.safe_load((REPO / "config/config.yaml").read_text("utf-8"))
YEARS = [2019, 2020, 2021, 2022, 2023, 2024]
RULES = {"suppress_min": 1, "suppress_max": 7, "rounding_base": 5}
DATA = SHARED / "data"
needs_shared = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")

PROFILES = {
    "E08000025": {  # a big, deprived, diverse city
        "births": 14000,
        "deciles": [0.45, 0.15, 0.1, 0.08, 0.07, 0.05, 0.04, 0.03, 0.02, 0.01],
        "ethnic_mix": {"White": 0.45, "Asian": 0.35, "Black": 0.1, "Mixed": 0.06, "Other": 0.04},
    },
    "E06000017": {  # a small, affluent, mostly White county
        "births": 400,
        "deciles": [0, 0, 0, 0, 0, 0.15, 0.2, 0.35, 0.2, 0.1],
        "ethnic_mix": {"White": 0.95, "Asian": 0.02, "Black": 0.01, "Mixed": 0.01, "Other": 0.01},
    },
    "E10000012": {
        "births": 5000,
        "deciles": [0.05, 0.07, 0.08, 0.1, 0.1, 0.12, 0.12, 0.12, 0.12, 0.12],
        "ethnic_mix": {"White": 0.85, "Asian": 0.06, "Black": 0.04, "Mixed": 0.03, "Other": 0.02},
    },
}
AREAS = {"E08000025": "Birmingham", "E06000017": "Rutland", "E10000012": "Essex"}


@pytest.fixture(scope="module")
def national():
    """A small national-mode release: three very unequal areas."""
    settings = copy.deepcopy(CONFIG["synthetic"])
    settings.update(live_births=60_000, area_profiles=PROFILES)
    extract, lookup = simulate_release(settings, AREAS, YEARS)
    return extract, lookup


def test_births_follow_each_areas_share(national):
    extract, _ = national
    counts = extract["area_code"].value_counts(normalize=True)
    total = sum(p["births"] for p in PROFILES.values())
    for area, profile in PROFILES.items():
        assert counts[area] == pytest.approx(profile["births"] / total, abs=0.02), area


def test_deprivation_and_ethnic_mix_follow_each_profile(national):
    extract, lookup = national
    deciles = lookup.groupby("area_code")["imd_decile"].apply(lambda d: (d <= 2).mean())
    assert deciles["E08000025"] > 0.5 and deciles["E06000017"] == 0
    white = extract["mother_ethnic_category"].astype(str).str[0].isin(["A", "B", "C"])
    share = white.groupby(extract["area_code"].astype(str)).mean()
    assert share["E08000025"] == pytest.approx(0.45, abs=0.06)
    assert share["E06000017"] > 0.85


def test_without_profiles_the_demo_release_is_unchanged():
    """National mode is opt-in: the demo's draws (and so its ids) are those of equal areas."""
    plain, _ = simulate_release(CONFIG["synthetic"], CONFIG["areas"], YEARS)
    again, _ = simulate_release(
        {**CONFIG["synthetic"], "area_profiles": None}, CONFIG["areas"], YEARS
    )
    pd.testing.assert_frame_equal(plain, again)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"births": 0}, "births"),
        ({"deciles": [0.5, 0.5]}, "deciles"),
        ({"ethnic_mix": {"Martian": 1.0}}, "ethnic_mix"),
    ],
)
def test_bad_profiles_stop_naming_the_key(change, key):
    profiles = copy.deepcopy(PROFILES)
    profiles["E10000012"].update(change)
    with pytest.raises(InputError, match=key):
        parse_profiles(profiles, AREAS)
    with pytest.raises(InputError, match="no profile"):
        parse_profiles({"E10000012": PROFILES["E10000012"]}, AREAS)


@needs_shared
def test_every_upper_tier_authority_of_england_with_its_region():
    areas = upper_tier_areas(DATA)
    assert len(areas) == 152  # Cornwall and the Isles of Scilly are published together
    assert areas["code"].is_unique and areas["region_code"].notna().all()
    assert areas["live_births"].sum() == 563_561  # England, 2023 (Table 1)
    assert areas.groupby("region_name").size()["London"] == 33
    profiles = england_profiles(DATA, areas)
    assert set(profiles) == set(areas["code"])
    deprived = [p["deciles"][0] for p in profiles.values()]
    assert max(deprived) > 0.3 and min(deprived) == 0  # real areas differ
    white = {a: p["ethnic_mix"]["White"] for a, p in profiles.items()}
    assert white["E09000025"] < 0.5 < white["E06000017"]  # Newham against Rutland


# ----------------------------------------------------------------------------------------------
# England and regions from the run's own cells
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def all_of_england() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fabricated cells for every area of the shipped area -> region map, and the map."""
    regions = pd.read_csv(REPO / "resources/comparators/lad_region.csv", dtype=str)
    rng = np.random.default_rng(13)
    rows = []
    for area in regions["lad_code"]:
        for year in (2021, 2022, 2023):
            for outcome, rate in (("preterm", 0.08), ("infant", 0.004)):
                for quintile in "12345":
                    births = int(rng.integers(50, 400))
                    rows.append(
                        (area, year, quintile, "White", "25-29", outcome,
                         int(rng.binomial(births, rate)), births)
                    )  # fmt: skip
    columns = ["area_code", "year", "imd_quintile", "ethnic_group", "age_band", "outcome"]
    cells = pd.DataFrame(rows, columns=[*columns, "events", "denominator"])
    return cells, regions


def _declared() -> dict:
    return resolve_outcomes(None, builtin_declarations())


def test_england_is_the_sum_of_every_area(all_of_england):
    cells, regions = all_of_england
    declared = {k: v for k, v in _declared().items() if k in ("preterm", "infant")}
    reference = run_reference(cells, regions, declared, RULES)
    england = reference[reference["geography_code"] == ENGLAND].set_index(["outcome", "year"])
    sums = cells.groupby(["outcome", "year"])[["events", "denominator"]].sum()
    for key, row in sums.iterrows():
        got = england.loc[key]
        assert abs(int(got["numerator"]) - row["events"]) <= 2  # rounded to 5
        assert abs(int(got["denominator"]) - row["denominator"]) <= 2
        assert int(got["numerator"]) % 5 == 0 and got["source"] == RUN_SOURCE
    infant = england.loc[("infant", 2022)]
    assert infant["measure"] == "per_1000"
    assert infant["rate"] == pytest.approx(
        1000 * infant["numerator"] / infant["denominator"], abs=1e-4
    )


def test_each_region_is_the_sum_of_its_areas(all_of_england):
    cells, regions = all_of_england
    declared = {"preterm": _declared()["preterm"]}
    reference = run_reference(cells, regions, declared, RULES)
    london = reference[(reference["geography_code"] == "E12000007") & (reference["year"] == 2022)]
    mine = set(regions.loc[regions["region_code"] == "E12000007", "lad_code"])
    keep = cells["area_code"].isin(mine) & (cells["year"] == 2022) & (cells["outcome"] == "preterm")
    exact = cells.loc[keep, "events"].sum()
    assert len(london) == 1 and abs(int(london["numerator"].iloc[0]) - exact) <= 2
    assert london["geography_name"].iloc[0] == "London"
    assert london["source"].iloc[0] == RUN_REGION_SOURCE


def test_small_sums_are_withheld(all_of_england):
    cells, regions = all_of_england
    few = cells[cells["area_code"] == "E06000001"].copy()
    few["events"] = np.where(few["outcome"] == "infant", 1, few["events"])
    reference = run_reference(few, regions, _declared(), RULES)
    assert not (reference["outcome"] == "infant").any()  # 5 events a year: 1-7 withheld
    assert (reference["outcome"] == "preterm").any()


def test_areas_are_compared_with_the_run_england_and_labelled(all_of_england):
    cells, regions = all_of_england
    declared = {"preterm": _declared()["preterm"]}
    reference = run_reference(cells, regions, declared, RULES)
    areas = {"E06000016": "Leicester", "E09000025": "Newham"}
    table = comparator_table(reference, areas, [2021, 2022, 2023], declared, "england")
    whole = table[table["period"] == "all"].set_index("area_code")
    exact = cells[cells["outcome"] == "preterm"]
    expected = 100 * exact["events"].sum() / exact["denominator"].sum()
    assert whole.loc["E06000016", "value"] == pytest.approx(expected, abs=0.01)
    assert (table["source"] == RUN_SOURCE).all()
    region = comparator_table(
        reference,
        areas,
        [2022],
        declared,
        "region",
        dict(zip(regions.lad_code, regions.region_code, strict=True)),
    )
    assert set(region["geography_name"]) == {"East Midlands", "London"}
    assert (region["source"] == RUN_REGION_SOURCE).all()


def test_from_run_is_off_by_default():
    """The demo (fictional areas, not all of England) keeps the published ONS comparators."""
    from birthgaps.core.settings import schema_defaults

    assert schema_defaults("comparators")["from_run"] is False
    assert "from_run" not in (CONFIG.get("comparators") or {})


def test_benchmark_script_stops_without_shared(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "national_run", REPO / "benchmarks/national_run.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "SHARED", Path(tmp_path / "absent"))
    monkeypatch.setattr("sys.argv", ["national_run.py", "--areas", "2"])
    with pytest.raises(SystemExit, match="absent"):
        module.main()


def test_rolling_periods_all_withheld_do_not_stop_the_rates():
    """At national scale some area has every rolling period of a rare outcome withheld: nothing
    is shown, so nothing more is withheld (was: a reshape error stopped the rates rule)."""
    from birthgaps.stats.linked_counts import rolling_withheld

    counts = pd.DataFrame(
        {
            "area_code": ["E06000017"] * 3,
            "outcome": ["infant"] * 3,
            "dimension": ["year", "year", "overall"],
            "group": ["2019-2021", "2020-2022", "all"],
            "denominator": [1500, 1500, 2000],
        }
    )
    withheld = rolling_withheld(counts, np.array([True, True, True]), _declared())
    assert not withheld.any()
