"""The appendix's tables and the workbook say the same thing in the same words: model names,
formulas, exposures, groups, p-values and funnel positions come from ``core.labels`` alone."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from birthgaps.appendix import headlines, indicator_tables, model_tables, tables, wording
from birthgaps.appendix import inputs as reading
from birthgaps.core import labels
from birthgaps.core.provenance import label_table
from birthgaps.core.settings import load_config
from birthgaps.publish.presentation import present_table
from birthgaps.publish.readable import readable_table

AREA = "X06000001"
SRC = Path(__file__).resolve().parents[1] / "src" / "birthgaps"
SETTINGS = load_config(Path(__file__).resolve().parents[1] / "config" / "config.yaml")
MODELS = SETTINGS["models"]


@pytest.fixture(scope="module")
def csvs(fake_models, fake_model_tables, fake_indicator_tables, tmp_path_factory):
    """The fake published tables written as CSVs: what both the appendix and the workbook read."""
    folder = tmp_path_factory.mktemp("shared_labels")
    paths = {}
    for name, table in {
        "models": label_table(fake_models, "demo", True, "national"),
        "model_fit": fake_model_tables["model_fit"],
        "funnel": label_table(fake_indicator_tables["funnel"], "demo", True),
        "inequality": label_table(fake_indicator_tables["inequality"], "demo", True),
        "rates": label_table(fake_indicator_tables["rates"], "demo", True, "national"),
    }.items():
        paths[name] = folder / f"{name}.csv"
        table.to_csv(paths[name], index=False)
    return paths


def _inputs(csvs, **tables_read) -> reading.AppendixInputs:
    return reading.AppendixInputs(
        release="demo",
        release_label="Demo",
        area_code=AREA,
        area_name="Northbrook",
        synthetic=True,
        rates=pd.DataFrame(),
        models=reading.read_models(csvs["models"]),
        flow=pd.DataFrame(),
        figures_dir=csvs["models"].parent,
        disclosure=SETTINGS["disclosure"],
        statistics=SETTINGS["statistics"],
        **tables_read,
    )


def _workbook(csvs, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The CSV as text and the table as the workbook shows it (codes in words)."""
    text = pd.read_csv(csvs[key], dtype=str, keep_default_na=False)
    return text, present_table(key, text, models=MODELS)


def test_model_fit_table_names_models_formulas_and_p_values_as_the_workbook(csvs):
    inputs = _inputs(csvs, model_fit=reading.read_model_fit(csvs["model_fit"]))
    appendix = model_tables.format_fit_table(inputs, "preterm")
    text, book = _workbook(csvs, "model_fit")
    rows = text["area_code"].eq(AREA) & text["outcome"].eq("preterm")
    rows &= text["measure"].eq("odds_ratio")
    assert rows.sum() == len(appendix) >= 2
    assert list(appendix["Model"]) == list(book.loc[rows, "model"])
    assert list(appendix["Terms"]) == list(book.loc[rows, "terms"])
    assert list(appendix["Goodness of fit (p)"]) == list(book.loc[rows, "pattern_p_value"])
    # checked against the words themselves, not only against each other
    assert list(appendix["Model"]) == [
        "Adjusted for deprivation quintile, ethnic group, mother's age band and year of birth",
        "Adjusted, with the interaction term",
    ]
    assert appendix["Terms"].iloc[1].endswith("+ Deprivation (IMD quintile) × Ethnic group")
    published = float(text.loc[rows, "pattern_p_value"].iloc[0])
    assert appendix["Goodness of fit (p)"].iloc[0] == f"{published:.3f}"


def test_a_fit_row_names_its_model_from_its_own_terms():
    """A model fit row has no ``term``: its model is said with the terms it lists, not the
    config's, so a release fitted with fewer terms is not described as adjusted for more."""
    fit = pd.DataFrame(
        {
            "model": ["adjusted", "interaction"],
            "terms": ["imd_quintile + year", "imd_quintile + year + imd_quintile:year"],
        }
    )
    words = readable_table(fit, definitions=None, models=MODELS)
    assert list(words["model"]) == [
        "Adjusted for deprivation quintile and year of birth",
        "Adjusted, with the interaction term",
    ]
    assert words["terms"].iloc[1] == (
        "Deprivation (IMD quintile) + Year of birth + Deprivation (IMD quintile) × Year of birth"
    )


def test_odds_ratio_table_names_exposures_and_groups_as_the_workbook(csvs):
    inputs = _inputs(csvs)
    appendix = tables.format_models_table(
        inputs.models, AREA, "preterm", disclosure=SETTINGS["disclosure"]
    )
    text, book = _workbook(csvs, "models")
    rows = text["area_code"].eq(AREA) & text["outcome"].eq("preterm")
    book_pairs = set(zip(book.loc[rows, "term"], book.loc[rows, "level"], strict=True))
    book_pairs |= set(zip(book.loc[rows, "term"], book.loc[rows, "reference"], strict=True))
    appendix_pairs = set(zip(appendix["Exposure"], appendix["Group"], strict=True))
    assert appendix_pairs and appendix_pairs <= book_pairs
    assert ("Deprivation (IMD quintile)", "1 (most deprived)") in appendix_pairs


def test_funnel_positions_are_words_in_the_appendix_and_the_workbook(csvs):
    inputs = _inputs(csvs, funnel=reading.read_funnel(csvs["funnel"]))
    appendix = indicator_tables.format_funnel_table(inputs, "lbw")
    text, book = _workbook(csvs, "funnel")
    rows = text["area_code"].eq(AREA) & text["outcome"].eq("lbw")
    rows &= text["row_type"].isin(["area", "area_year"]) & text["significance"].ne("")
    shown = set(appendix["Funnel position"]) - {"[c]"}
    assert shown and shown <= set(labels.FUNNEL_POSITIONS.values())
    assert shown == set(book.loc[rows, "significance"])
    assert not any("(0.0" in str(v) for v in book["significance"])  # no PHE notation left
    assert labels.funnel_position_text("High (0.001)") == "Above the upper 99.8% limit"
    assert labels.funnel_position_text("Low (0.025)") == "Below the lower 95% limit"
    assert wording.significance_phrase("Not significant") == "within the 95% limits"
    assert wording.significance_phrase("") == "not placed on the funnel"


@pytest.mark.parametrize("dimension", ["age_band", "imd_quintile", "ethnic_group"])
def test_rate_table_groups_are_named_as_in_the_workbook(csvs, dimension):
    appendix = tables.format_rates_table(
        reading.read_rates(csvs["rates"]),
        AREA,
        "preterm",
        dimension,
        disclosure=SETTINGS["disclosure"],
        statistics=SETTINGS["statistics"],
    )
    text, book = _workbook(csvs, "rates")
    rows = text["area_code"].eq(AREA) & text["outcome"].eq("preterm")
    rows &= text["dimension"].eq(dimension)
    assert sorted(appendix.iloc[:, 0]) == sorted(book.loc[rows, "group"])
    if dimension == "age_band":
        assert {"Under 20", "40 and over"} <= set(appendix.iloc[:, 0])


def test_the_complete_case_note_reads_as_in_the_workbook(fake_models, tmp_path):
    models = fake_models.copy()
    first = models.index[models["area_code"].eq(AREA)][0]
    models.loc[first, "note"] = (
        "complete cases: 1,105 of 19,605 births (5.6%) left out (imd_quintile Unknown 235, "
        "ethnic_group Not stated 865, age_band Unknown 40)"
    )
    path = tmp_path / "models.csv"
    label_table(models, "demo", True, "national").to_csv(path, index=False)
    sentence = headlines.data_summary_sentences(_inputs({"models": path}))[-1]
    text, book = _workbook({"models": path}, "models")
    note = book.loc[text["note"].str.startswith("complete cases"), "note"].iloc[0]
    assert note.removeprefix("complete cases: ") in sentence
    assert "(deprivation quintile Unknown 235, ethnic group Not stated 865, mother's age " in note


def test_inequality_measures_are_named_as_in_the_workbook(csvs):
    inputs = _inputs(csvs, inequality=reading.read_inequality(csvs["inequality"]))
    appendix = indicator_tables.format_inequality_table(inputs, "preterm")
    text, book = _workbook(csvs, "inequality")
    rows = text["area_code"].eq(AREA) & text["outcome"].eq("preterm")
    names = set(book.loc[rows, "measure"])
    assert len(names) >= 4 and "Slope index of inequality (SII)" in names
    for shown in appendix["Measure"]:
        assert any(shown.startswith(name) for name in names), shown
    assert "Rate ratio by deprivation (IMD quintile)" in set(appendix["Measure"])
    assert "Slope index of inequality (SII), percentage points" in set(appendix["Measure"])


def test_every_funnel_code_of_the_stats_stage_has_words():
    from birthgaps.stats import funnel

    codes = set(re.findall(r'"((?:High|Low) \(0\.0\d+\)|Not significant)"', _source(funnel)))
    assert codes == set(labels.FUNNEL_POSITIONS)


def test_p_values_read_alike_in_tables_and_sentences():
    assert labels.p_value_text(0.0004) == "<0.001"
    assert labels.p_value_text(0.0461) == "0.046"
    assert labels.p_value_text(0.1497) == "0.150"
    # a p-value just under the threshold never reads as the threshold
    assert labels.p_value_text(0.04996) == "0.050"
    assert labels.p_value_text(0.04949, 0.05) == "0.049"
    assert labels.p_value_text(0.04951, 0.05) == "0.0495"
    assert labels.p_value_text(0.05, 0.05) == "0.050"
    assert labels.p_value_phrase(0.0004) == "p < 0.001"
    assert labels.p_value_phrase(0.0042) == "p = 0.004"
    assert labels.terms_phrase("ethnic_group + age_band:year") == (
        "ethnic group and mother's age band × year of birth"
    )
    assert labels.model_terms("imd_quintile + year + imd_quintile:ethnic_group") == [
        "imd_quintile",
        "year",
    ]


def test_the_appendix_keeps_no_label_or_p_value_copies_of_its_own():
    """The old private copies are gone: one place (core.labels) for each of these words."""
    modules = ("model_tables", "tables", "indicator_tables", "findings", "wording", "headlines")
    for module in modules:
        source = (SRC / "appendix" / f"{module}.py").read_text(encoding="utf-8")
        for copy in (
            "_MODEL_LABELS",
            "def fmt_p(",
            "def _terms_words",
            "TERM_HEADINGS = {",
            "\nNOTE_WORDS = {",
        ):
            assert copy not in source, (module, copy)
        assert '"High (0.0' not in source and "p < 0.001" not in source, module
    assert not hasattr(model_tables, "fmt_p")


def _source(module) -> str:
    return Path(module.__file__).read_text(encoding="utf-8")
