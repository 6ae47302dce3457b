"""The synthetic release's linked deaths extract: layout, calibrated infant and neonatal mortality
(ONS 2022 levels) on the demo's 60,000 births, risk by birth weight, deprivation and ethnicity,
the dirt of a real linkage in the configured numbers, and determinism."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from birthgaps.core.codes import ETHNIC_CATEGORY_TO_GROUP
from birthgaps.core.errors import InputError
from birthgaps.ingest.synth import simulate_linked_release, write_release
from birthgaps.ingest.synth_deaths import DEATH_COLUMNS
from birthgaps.ingest.synth_truth import within_cell_probabilities

CONFIG = yaml.safe_load((Path(__file__).parents[1] / "config/config.yaml").read_text("utf-8"))
SETTINGS = CONFIG["synthetic"]
AREAS = CONFIG["areas"]
RELEASE = CONFIG["releases"]["demo"]
YEARS = RELEASE["years"]
COMPLETE_TO = pd.Timestamp(RELEASE["deaths_complete_to"])
DIRT = SETTINGS["dirt"]


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return simulate_linked_release(SETTINGS, AREAS, YEARS, RELEASE["deaths_complete_to"])


def linked(extract: pd.DataFrame, deaths: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Live births (one row each) and their valid infant deaths within the follow-up."""
    births = extract.drop_duplicates()
    live = births[births["birth_outcome"] == "live"]
    d = deaths.drop_duplicates().merge(live[["baby_id", "birth_date"]], on="baby_id")
    d["age"] = (d["death_date"] - d["birth_date"]).dt.days
    d = d[(d["age"] >= 0) & (d["death_date"] <= COMPLETE_TO)]
    return live, live.assign(died=live["baby_id"].isin(d["baby_id"])).merge(
        d[["baby_id", "age"]], on="baby_id", how="left"
    )


def test_layout(demo, tmp_path):
    extract, _, deaths = demo
    assert list(deaths.columns) == DEATH_COLUMNS
    assert deaths["baby_id"].dtype == "string"
    assert str(deaths["death_date"].dtype).startswith("datetime64")
    assert deaths["death_date"].is_monotonic_increasing
    assert deaths["baby_id"].notna().all() and deaths["death_date"].notna().all()
    out = tmp_path / "raw"
    write_release(
        SETTINGS,
        AREAS,
        YEARS,
        out / "births.csv",
        out / "lookup.csv",
        out / "deaths.csv",
        RELEASE["deaths_complete_to"],
    )
    back = pd.read_csv(out / "deaths.csv", dtype=str, keep_default_na=False)
    assert list(back.columns) == DEATH_COLUMNS and len(back) == len(deaths)
    assert back["death_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_calibrated_mortality_levels(demo):
    """ONS 2022 (England and Wales): infant 3.9, neonatal 2.9, early neonatal 2.3 per 1,000 live
    births; neonatal deaths are 75% of infant deaths. Tolerances are about three standard errors
    on the demo's 60,000 births."""
    extract, _, deaths = demo
    live, babies = linked(extract, deaths)
    n = len(live)
    infant = babies["died"].sum() / n * 1000
    neonatal = (babies["age"] < 28).sum() / n * 1000
    early = (babies["age"] < 7).sum() / n * 1000
    assert abs(infant - SETTINGS["target_rates"]["infant"] * 1000) < 0.8
    assert 2.2 < neonatal < 3.6 and 1.6 < early < 2.9
    share = (babies["age"] < 28).sum() / babies["died"].sum()
    assert 0.6 <= share <= 0.8
    assert 0.65 < early / neonatal < 0.9
    assert babies["age"].dropna().between(0, 364).all()
    still = (extract.drop_duplicates()["birth_outcome"] == "still").sum()
    total = n + still
    perinatal = (still + (babies["age"] < 7).sum()) / total * 1000
    assert 4.5 < perinatal < 7.0  # ONS 2022: 6.3 (the demo's stillbirth rate is 3.5, not 4.0)


def test_risk_by_weight_deprivation_and_ethnicity(demo):
    extract, lookup, deaths = demo
    _, babies = linked(extract, deaths)
    weight = babies["birth_weight_g"]
    ok = weight.between(250, 6500).fillna(False)
    vlbw = babies[ok & (weight < 1500)]["died"].mean()
    normal = babies[ok & (weight >= 2500)]["died"].mean()
    assert vlbw > 100 * normal  # ONS 2022: about 290 vs 0.8 per 1,000
    gest = babies["gestation_weeks"]
    gest_ok = gest.between(22, 44).fillna(False)
    assert (
        babies[gest_ok & (gest < 37)]["died"].mean()
        > 10 * babies[gest_ok & (gest >= 37)]["died"].mean()
    )
    deciles = dict(zip(lookup["lsoa_code"], lookup["imd_decile"], strict=True))
    quintile = (babies["mother_lsoa"].map(deciles) + 1) // 2
    by_q = babies.groupby(quintile)["died"].mean()
    assert by_q[1] > 1.5 * by_q[5]
    group = babies["mother_ethnic_category"].map(ETHNIC_CATEGORY_TO_GROUP)
    by_g = babies.groupby(group)["died"].mean()
    assert by_g["Black"] > 1.5 * by_g["White"] and by_g["Asian"] > 1.3 * by_g["White"]


def test_dirt_counts_match_the_configured_shares(demo):
    """Every dirty record is an extra record: round(share x true deaths) of each kind."""
    extract, _, deaths = demo
    births = extract.drop_duplicates()
    live_ids = births.loc[births["birth_outcome"] == "live", "baby_id"]
    still_ids = births.loc[births["birth_outcome"] == "still", "baby_id"]
    dup = deaths.duplicated()
    unique = deaths[~dup]
    assert unique["baby_id"].is_unique  # no conflicting duplicates (ingest would stop)
    born = unique.merge(births[["baby_id", "birth_date"]].drop_duplicates(), on="baby_id")
    before = born["death_date"] < born["birth_date"]
    after = born["death_date"] > COMPLETE_TO
    to_still = unique["baby_id"].isin(still_ids)
    unlinked = ~unique["baby_id"].isin(births["baby_id"])
    true = born[~before & ~after & born["baby_id"].isin(live_ids)]
    n_true = len(true)
    assert n_true > 150
    expected = {
        "death_unlinked": unlinked.sum(),
        "death_after_follow_up": after.sum(),
        "death_before_birth": before.sum(),
        "death_duplicate": dup.sum(),
        "death_of_stillbirth": to_still.sum(),
    }
    for key, count in expected.items():
        assert count == round(DIRT[key] * n_true), key
        assert count >= 1, key
    assert len(deaths) == n_true + sum(expected.values())
    assert (unique["baby_id"].str.fullmatch(r"SYN[0-9A-F]{10}")).all()


def test_deaths_after_the_follow_up_end_can_be_infant_deaths():
    """With the contract's default follow-up end (31 December of the last year), true deaths of
    late-year babies fall after it, and the dirty later deaths are dated after it too."""
    settings = {**SETTINGS, "live_births": 20_000}
    extract, _, deaths = simulate_linked_release(settings, AREAS, YEARS)
    end = pd.Timestamp(f"{max(YEARS)}-12-31")
    later = deaths.merge(extract[["baby_id", "birth_date"]].drop_duplicates(), on="baby_id")
    later = later[later["death_date"] > end]
    assert len(later) > 0
    assert ((later["death_date"] - later["birth_date"]).dt.days < 365).any()


def test_truth_unchanged_by_dirt_and_deterministic(demo):
    extract, _, deaths = demo
    again = simulate_linked_release(
        copy.deepcopy(SETTINGS), dict(AREAS), list(YEARS), RELEASE["deaths_complete_to"]
    )[2]
    pd.testing.assert_frame_equal(deaths, again)
    _, _, tidy = simulate_linked_release(
        {**SETTINGS, "dirt": {}}, AREAS, YEARS, RELEASE["deaths_complete_to"]
    )
    assert not tidy.duplicated().any()
    live, babies = linked(extract, deaths)
    assert set(tidy["baby_id"]) == set(babies.loc[babies["died"], "baby_id"])


def test_bad_new_settings_fail_loudly():
    rates = copy.deepcopy(SETTINGS["true_rate_ratios"])
    del rates["infant"]["ethnic_group"]["Black"]
    with pytest.raises(InputError, match="true_rate_ratios.infant.ethnic_group"):
        simulate_linked_release({**SETTINGS, "true_rate_ratios": rates}, AREAS, YEARS)
    with pytest.raises(InputError, match="target_rates.smoking_at_delivery"):
        targets = {**SETTINGS["target_rates"], "smoking_at_delivery": 1.5}
        simulate_linked_release({**SETTINGS, "target_rates": targets}, AREAS, YEARS)
    with pytest.raises(InputError, match="true_odds_ratios.obesity"):
        ors = {k: v for k, v in SETTINGS["true_odds_ratios"].items() if k != "obesity"}
        simulate_linked_release({**SETTINGS, "true_odds_ratios": ors}, AREAS, YEARS)
    with pytest.raises(InputError, match="dirt"):
        dirt = {**DIRT, "bmi_missing": 0.6, "bmi_sentinel": 0.5}
        simulate_linked_release({**SETTINGS, "dirt": dirt}, AREAS, YEARS)


def test_within_cell_calibration_is_exact():
    """The expected events of every cell equal n_cell x p_cell whatever its mix of modifier
    levels (so the true cell rates hold marginally), and the modifier's odds ratio holds inside."""
    rng = np.random.default_rng(5)
    cell = rng.integers(0, 40, size=5000)
    level = (rng.random(5000) < 0.1 + 0.02 * (cell % 10)).astype(np.int64)
    p_cell = rng.uniform(0.001, 0.3, size=40)
    offsets = np.array([0.0, np.log(3.0)])
    prob = within_cell_probabilities(cell, level, offsets, p_cell)
    n = np.bincount(cell, minlength=40)
    np.testing.assert_allclose(np.bincount(cell, weights=prob, minlength=40), n * p_cell, rtol=1e-9)
    for c in range(40):
        p0, p1 = prob[(cell == c) & (level == 0)][:1], prob[(cell == c) & (level == 1)][:1]
        if len(p0) and len(p1):
            assert np.isclose(p1[0] / (1 - p1[0]) / (p0[0] / (1 - p0[0])), 3.0)
