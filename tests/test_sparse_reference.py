"""Sparse reference levels (docs/models.md, "Sparse reference levels"): in a deprived city the
least deprived quintile (the configured reference) holds a handful of births. The deprivation
estimates fall back to the nearest usable quintile and say so; the ethnic-group estimates never
lose their estimates because of another exposure's reference, and stay close to the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support.sparse import (
    AREA,
    CONFIG,
    REFERENCE,
    TRUE_LOG_OR,
    city_cells,
)

from birthgaps.core.errors import InputError
from birthgaps.models.areas import model_tables
from birthgaps.models.notes import NOTE_TOO_FEW_REFERENCE
from birthgaps.models.population import fallback_reference
from birthgaps.models.ratios import fit_models


def rates_of(cells: pd.DataFrame) -> pd.DataFrame:
    """A published rates table of the cells and of ``ALL`` (every row published, unrounded)."""
    cells = pd.concat([cells, cells.assign(area_code="ALL")], ignore_index=True)
    rows = []
    for dimension in ("imd_quintile", "ethnic_group", "age_band", "year"):
        sums = cells.groupby(["area_code", "outcome", dimension])[["events", "denominator"]].sum()
        for (area, outcome, group), (e, n) in sums.iterrows():
            rows.append([area, outcome, dimension, str(group), e, n, False])
    columns = ["area_code", "outcome", "dimension", "group", "events", "denominator", "suppressed"]
    return pd.DataFrame(rows, columns=columns)


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    cells = city_cells()
    five = cells[cells["imd_quintile"] == "5"]
    assert 0 < five["events"].sum() < 5 and five["denominator"].sum() < 60  # a handful
    return cells


@pytest.fixture(scope="module")
def tables(cells: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return model_tables(cells, CONFIG, AREA, rates_of(cells))


def _adjusted(table: pd.DataFrame, term: str) -> pd.DataFrame:
    rows = table[(table["model"] == "adjusted") & (table["term"] == term)]
    return rows.set_index("level")


def test_ethnic_estimates_are_not_blanked_and_close_to_the_truth(tables) -> None:
    odds = tables["odds_ratios"]
    odds = odds[odds["area_code"] == "ALL"]
    ethnic = _adjusted(odds, "ethnic_group")
    assert ethnic["reference"].eq("White").all()
    assert ethnic["odds_ratio"].notna().all()
    assert not ethnic["note"].str.contains("too few events").any()
    for level in ("Asian", "Black", "Mixed"):
        row = ethnic.loc[level]
        truth = TRUE_LOG_OR["ethnic_group"][level]
        assert abs(np.log(row["odds_ratio"]) - truth) < 3 * row["se"], level
        assert row["lower_95"] < np.exp(truth) < row["upper_95"] or level == "Mixed"


def test_deprivation_uses_the_nearest_usable_quintile_and_says_so(tables) -> None:
    odds = tables["odds_ratios"]
    odds = odds[odds["area_code"] == "ALL"]
    imd = odds[odds["term"] == "imd_quintile"]
    assert imd["reference"].eq("4").all()  # crude (from the rates table) and adjusted
    estimated = imd[imd["level"].isin(["1", "2", "3"])]
    assert len(estimated) == 6 and estimated["odds_ratio"].notna().all()
    note = "imd_quintile reference 4, not 5: 5 has fewer than 5 events or non-events"
    assert estimated["note"].str.contains(note, regex=False).all()
    # the fallback estimates are the true odds ratios against quintile 4
    adjusted = _adjusted(odds, "imd_quintile")
    for level in ("1", "2", "3"):
        row = adjusted.loc[level]
        truth = TRUE_LOG_OR["imd_quintile"][level] - TRUE_LOG_OR["imd_quintile"]["4"]
        assert abs(np.log(row["odds_ratio"]) - truth) < 3 * row["se"], level
    # quintile 5 itself is a sparse level, reported as such against the new reference
    five = imd[imd["level"] == "5"]
    assert len(five) == 2 and five["odds_ratio"].isna().all()
    assert five["note"].str.startswith("too few events").all()


def test_the_other_tables_follow_the_fallback(tables) -> None:
    excess = tables["excess_explained"]
    assert excess["adjusted_ratio"].notna().all() and excess["base_ratio"].notna().all()
    interaction = tables["interaction"]
    assert interaction["p_value"].notna().all()
    fit = tables["fit"]
    assert not fit["note"].str.contains("reference").any()
    assert fit.loc[fit["model"] == "adjusted", "c_statistic"].notna().all()


def test_fallback_none_blanks_only_the_sparse_terms_rows(cells) -> None:
    config = {**CONFIG, "reference_fallback": "none"}
    odds = model_tables(cells, config, AREA)["odds_ratios"]
    odds = odds[odds["area_code"] == "ALL"]
    imd = odds[(odds["model"] == "adjusted") & (odds["term"] == "imd_quintile")]
    assert len(imd) == 4 and imd["odds_ratio"].isna().all()
    assert imd["reference"].eq("5").all()
    assert imd["note"].str.startswith(f"{NOTE_TOO_FEW_REFERENCE} (imd_quintile 5)").all()
    ethnic = _adjusted(odds, "ethnic_group")
    assert ethnic["odds_ratio"].notna().all()
    # reparametrising one term does not move the others: the same ethnic estimates either way
    nearest = model_tables(cells, CONFIG, AREA)["odds_ratios"]
    nearest = _adjusted(nearest[nearest["area_code"] == "ALL"], "ethnic_group")
    np.testing.assert_allclose(ethnic["odds_ratio"], nearest["odds_ratio"], rtol=1e-6)


def test_a_bad_fallback_setting_names_the_config_key(cells) -> None:
    with pytest.raises(InputError) as error:
        model_tables(cells, {**CONFIG, "reference_fallback": "merge"}, AREA)
    assert "models.reference_fallback" in str(error.value)
    assert "nearest" in str(error.value)


def test_fit_models_without_rates_falls_back_too(cells) -> None:
    table = fit_models(cells, "preterm", CONFIG["exposures"], CONFIG["adjust_for"], REFERENCE)
    assert table.loc[table["term"] == "imd_quintile", "reference"].eq("4").all()
    assert table.loc[table["term"] == "ethnic_group", "odds_ratio"].notna().all()


def test_fallback_reference_rules() -> None:
    quintiles = ["1", "2", "3", "4", "5"]
    births = {"1": 900, "2": 800, "3": 300, "4": 40}
    assert fallback_reference("imd_quintile", "5", ["1", "2", "3", "4"], quintiles, births) == "4"
    assert fallback_reference("imd_quintile", "5", ["1", "2", "3"], quintiles, births) == "3"
    ages = ["<20", "20-24", "25-29", "30-34", "35-39", "40+"]
    usable = ["<20", "20-24", "30-34", "35-39"]
    sizes = {"20-24": 100, "30-34": 120}
    assert fallback_reference("age_band", "25-29", usable, ages, sizes) == "30-34"
    groups = ["Asian", "Black", "Mixed", "White", "Other"]
    sizes = {"Asian": 500, "Black": 700, "Mixed": 50}
    assert fallback_reference(
        "ethnic_group", "White", ["Asian", "Black", "Mixed"], groups, sizes
    ) == ("Black")
