"""The release workbook (gptables) and the data dictionary, on the tables of a tiny real release.

The tables come from a small synthetic release run through the same package functions and in the
same way as the pipeline's scripts (simulate -> clean -> cells -> rates, trends, inequality, funnel,
models -> disclosure control -> labels -> CSV), then read back as the workbook rule reads them.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from support.cleaned import birth_outcomes_only

from birthgaps.appendix import wording
from birthgaps.clean.cells import make_cells
from birthgaps.clean.cleaning import clean_births, quintile_basis
from birthgaps.clean.flow import publish_flow
from birthgaps.clean.markers import make_marker_cells
from birthgaps.core import labels, methods, settings
from birthgaps.core.catalogue import (
    DOC_MARKER,
    MODEL_OUTPUTS,
    TABLE_KEYS,
    TABLES,
    describe_column,
    outputs_markdown,
)
from birthgaps.core.codes import CELL_DIMENSIONS
from birthgaps.core.columns import KINDS, suppressed_rows
from birthgaps.core.errors import InputError
from birthgaps.core.outcomes import builtin_declarations, registry
from birthgaps.core.provenance import SYNTHETIC_NOTICE, label_table
from birthgaps.ingest.national import read_reference
from birthgaps.ingest.synth import simulate_release
from birthgaps.models.areas import model_tables
from birthgaps.models.markers import death_markers_table
from birthgaps.models.protect import publish_model_tables
from birthgaps.publish.changes import compare_releases
from birthgaps.publish.dictionary import data_dictionary, published_dictionary
from birthgaps.publish.presentation import MARKERS, present_table
from birthgaps.publish.steps import workbook_step
from birthgaps.publish.workbook import build_workbook
from birthgaps.stats import indicators, rates
from birthgaps.stats.comparators import comparator_table, shipped_reference_path

REPO = Path(__file__).resolve().parents[1]


def _tiny_release(config: dict, folder: Path) -> dict[str, pd.DataFrame]:
    """Every published table of a 4,000-birth synthetic release, written and read back as CSV."""
    config = birth_outcomes_only(config)  # the births extract alone: no deaths extract here
    release = config["release"]
    spec = config["releases"][release]
    settings = {**copy.deepcopy(config["synthetic"]), "live_births": 4000}
    statistics = copy.deepcopy(config["statistics"])
    statistics["sii"]["reps"] = 1000  # quick; the limits are not under test here
    areas, years, rules = config["areas"], spec["years"], config["disclosure"]
    basis = quintile_basis(config.get("deprivation"))
    extract, lookup = simulate_release(settings, areas, years)
    clean, flow = clean_births(
        extract,
        lookup,
        areas=list(areas),
        years=years,
        definitions=config["definitions"],
        deprivation=config.get("deprivation"),
    )
    cells = make_cells(clean, config["outcomes"])
    published_rates = rates.publish_rates(
        rates.compute_rates(cells, areas, statistics), rules, statistics
    )
    hidden = rates.hidden_groups(published_rates)
    tables = {
        "exclusion_flow": label_table(publish_flow(flow, rules), release, True),
        "outcomes": label_table(labels.outcomes_table(registry(config)), release, True),
        "rates": label_table(published_rates, release, True, basis),
        "trends": label_table(
            indicators.trends_table(cells, areas, statistics, rules, hidden), release, True, basis
        ),
        "inequality": label_table(
            indicators.publish_inequality(
                indicators.inequality_table(published_rates, areas, statistics), rules, hidden
            ),
            release,
            True,
            basis,
        ),
        "funnel": label_table(
            indicators.publish_funnel(indicators.funnel_points(published_rates, areas), rules),
            release,
            True,
        ),
        "comparators": label_table(
            comparator_table(
                read_reference(shipped_reference_path()),
                areas,
                years,
                config["outcomes"],
                "england",
            ),
            release,
            True,
        ),
    }
    published = publish_model_tables(
        model_tables(cells, config["models"], areas, published_rates), rules, published_rates
    )
    for key, name in MODEL_OUTPUTS.items():
        tables[name] = label_table(published[key], release, True, basis)
    # the synthetic release has no deaths: one live birth in 50 is given a death at 10 days, so
    # that the markers sheet has rows
    died = (np.arange(len(clean)) % 50 == 0) & clean["live"].to_numpy(dtype=bool)
    with_deaths = clean.assign(age_at_death_days=pd.array(np.where(died, 10, None), dtype="Int64"))
    marker_cells = make_marker_cells(
        with_deaths,
        [*config["outcomes"], "infant"],
        definitions=config["definitions"],
        complete_to=pd.Timestamp(f"{max(years) + 1}-12-31"),
    )
    tables["death_markers"] = label_table(
        death_markers_table(marker_cells, areas, rules, published_rates), release, True, basis
    )
    # a first release: the changes table says there is nothing to compare
    tables["changes"] = compare_releases(tables, None, release=release)
    read_back = {}
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        table.to_csv(path, index=False)
        read_back[name] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return read_back


@pytest.fixture(scope="module")
def tiny(repo_config, tmp_path_factory) -> dict[str, pd.DataFrame]:
    return _tiny_release(repo_config, tmp_path_factory.mktemp("tables"))


def _build(tables, path, config, *, synthetic=True, **extra):
    spec = config["releases"][config["release"]]
    return build_workbook(
        tables,
        release=config["release"],
        release_label=spec["label"],
        synthetic=synthetic,
        areas=config["areas"],
        path=path,
        years=spec["years"],
        disclosure=config["disclosure"],
        statistics=config["statistics"],
        deprivation=config["deprivation"],
        models=config["models"],
        definitions=config["definitions"],
        publication=config.get("publication"),
        **extra,
    )


@pytest.fixture(scope="module")
def book(tiny, repo_config, tmp_path_factory):
    path = tmp_path_factory.mktemp("book") / "birthgaps_demo.xlsx"
    sheets = _build(tiny, path, repo_config)
    return path, sheets, openpyxl.load_workbook(path)


def _table_rows(ws) -> tuple[list[str], list[tuple]]:
    """Headings (first line, without unit or note) and data rows of the sheet's one Excel table."""
    (name,) = list(ws.tables.keys())
    ref = ws.tables[name].ref
    rows = list(ws[ref])
    headings = [str(cell.value).split("\n")[0] for cell in rows[0]]
    return headings, [tuple(cell.value for cell in row) for row in rows[1:]]


def _count_headings(key: str) -> dict[str, str]:
    return {c.heading: name for name, c in TABLES[key].columns.items() if c.kind == "count"}


# ------------------------------------------------------------------------------ structure


def test_workbook_opens_with_cover_contents_notes_and_one_sheet_per_table(book):
    path, sheets, wb = book
    expected = ["Cover", "Contents", "Notes", *(TABLES[k].sheet for k in TABLE_KEYS)]
    assert wb.sheetnames == expected == sheets
    for key in TABLE_KEYS:
        ws = wb[TABLES[key].sheet]
        assert list(ws.tables.keys()) == [key], key  # one marked-up table per sheet
        assert ws["A1"].value == TABLES[key].title
        texts = [c.value for c in ws["A"][:15] if isinstance(c.value, str)]
        assert any(t.startswith("Source: ") for t in texts), key
        assert any(SYNTHETIC_NOTICE in t for t in texts), key
        assert all(len(name) <= 31 and " " not in name for name in wb.sheetnames)
    contents = [r for r in wb["Contents"].iter_rows(values_only=True) if r[0]]
    listed = [r[0] for r in contents]
    for key in TABLE_KEYS:
        assert TABLES[key].sheet in listed
    assert all(not ws.merged_cells.ranges for ws in wb.worksheets)


def test_cover_says_what_where_when_and_how(book, repo_config):
    _, _, wb = book
    text = "\n".join(str(c.value) for c in wb["Cover"]["A"] if c.value)
    spec = repo_config["releases"]["demo"]
    for needed in (
        spec["label"],
        SYNTHETIC_NOTICE,
        "Source:",
        "Population:",
        "Period: births in 2019 to 2024",
        "[c] withheld to protect confidentiality: a count of 1 to 7 or a figure that would reveal",
        "rounded to the nearest 5",
        "How to use this workbook",
        "Contact",
        f"Email: {repo_config['publication']['email']}",
        *repo_config["areas"].values(),
    ):
        assert needed in text, needed
    assert wb.properties.title and spec["label"] in wb.properties.title


def test_a_real_release_has_no_synthetic_notice(tiny, config, tmp_path):
    config["releases"]["demo"]["label"] = "Births 2019 to 2024"
    real = {k: t.assign(data="") for k, t in tiny.items()}
    path = tmp_path / "real.xlsx"
    _build(real, path, config, synthetic=False)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and "SYNTHETIC" in v.upper() for v in row), ws.title


def test_units_are_in_the_column_headings(book):
    _, _, wb = book
    headings = {c.value for c in next(iter(wb["Rates"][wb["Rates"].tables["rates"].ref]))}
    assert "Value\n(see Unit column)" in headings
    assert any(str(h).startswith("Denominator\n(births)") for h in headings)
    fit = {c.value for c in next(iter(wb["Model_fit"][wb["Model_fit"].tables["model_fit"].ref]))}
    assert "c-statistic" in fit  # no unit, no brackets
    assert "AIC" not in fit  # not published: it would give counts back


def test_same_tables_give_a_byte_identical_workbook(tiny, repo_config, tmp_path):
    first, second = tmp_path / "a" / "book.xlsx", tmp_path / "b" / "book.xlsx"
    first.parent.mkdir()
    second.parent.mkdir()
    _build(tiny, first, repo_config)
    _build(tiny, second, repo_config)
    assert first.read_bytes() == second.read_bytes()


# ------------------------------------------------------------------------------ disclosure


def _count_breaches(wb, rules: dict) -> tuple[list[tuple], int, int]:
    """(breaches, counts checked, [c] markers) over the count columns and count-bearing notes."""
    low, high, base = rules["suppress_min"], rules["suppress_max"], rules["rounding_base"]
    breaches, checked, markers = [], 0, 0
    for key in TABLE_KEYS:
        headings, rows = _table_rows(wb[TABLES[key].sheet])
        counts = [i for i, h in enumerate(headings) if h in _count_headings(key)]
        assert len(counts) == len(_count_headings(key)), key
        for row in rows:
            for i in counts:
                value = row[i]
                if isinstance(value, str):
                    if value not in MARKERS:
                        breaches.append((key, headings[i], value))
                    markers += value == "[c]"
                elif not isinstance(value, int) or low <= abs(value) <= high or value % base:
                    breaches.append((key, headings[i], value))
                else:
                    checked += 1
            # counts written into notes ("complete cases: 105 of 1,905 births ... Unknown 15")
            for value in row:
                if isinstance(value, str):
                    for number in re.findall(r"(?:of|Unknown|stated) (\d[\d,]*)", value):
                        if low <= int(number.replace(",", "")) <= high:
                            breaches.append((key, "note", value))
    return breaches, checked, markers


def test_no_published_count_from_1_to_7_anywhere_in_the_workbook(book, repo_config):
    _, _, wb = book
    breaches, checked, markers = _count_breaches(wb, repo_config["disclosure"])
    assert breaches == []
    assert checked > 1000 and markers > 0  # the tiny release does suppress cells


def test_the_count_check_catches_a_leaked_count(tiny, repo_config, tmp_path):
    leaked = tiny["rates"].copy()
    leaked.loc[0, ["events", "suppressed", "flag"]] = ["3", "False", ""]
    path = tmp_path / "leak.xlsx"
    _build({**tiny, "rates": leaked}, path, repo_config)
    breaches, _, _ = _count_breaches(openpyxl.load_workbook(path), repo_config["disclosure"])
    assert breaches == [("rates", "Events", 3)]


def test_withheld_cells_show_c_and_keep_nothing_that_was_suppressed(tiny):
    rates = tiny["rates"]
    shown = present_table("rates", rates)
    withheld = rates["suppressed"].eq("True")
    assert withheld.any()
    for column in ("events", "denominator", "value", "lower_95", "upper_99_8"):
        assert shown.loc[withheld, column].eq("[c]").all(), column
    assert "suppressed" not in shown and "flag" not in shown and "release" not in shown


def test_markers_follow_the_reason_a_cell_is_empty(tiny):
    funnel = present_table("funnel", tiny["funnel"])
    limits = tiny["funnel"]["row_type"].eq("limits")
    assert funnel.loc[limits, "area_name"].eq("[z]").all()
    assert funnel.loc[~limits, "axis_denominator"].eq("[z]").all()
    rates = tiny["rates"]
    shown = present_table("rates", rates)
    assert shown.loc[rates["reliability"].eq("u"), "reliability"].eq("[u]").all()
    not_calculated = rates["reliability"].eq("x") & rates["suppressed"].eq("False")
    assert not_calculated.any() and shown.loc[not_calculated, "value"].eq("[x]").all()
    assert shown.loc[rates["area_code"].eq("ALL"), "comparison"].eq("[z]").all()
    strat = tiny["stratified"]
    too_few = strat["note"].str.startswith("too few events")
    assert (
        too_few.any()
        and present_table("stratified", strat).loc[too_few, "odds_ratio"].eq("[x]").all()
    )
    fit = present_table("model_fit", tiny["model_fit"])
    poisson = tiny["model_fit"]["measure"].eq("risk_ratio")
    assert fit.loc[poisson, "pattern_p_value"].eq("[z]").all()
    models = present_table("models", tiny["models"])
    withheld = tiny["models"]["note"].str.startswith("[c]")
    assert withheld.any()  # the tiny release withholds some rows of rates.csv
    assert models.loc[withheld, "odds_ratio"].eq("[c]").all()
    models = present_table("models", tiny["models"])
    assert models.loc[tiny["models"]["note"].eq(""), "note"].eq("none").all()
    for key, table in tiny.items():  # never a blank in the workbook
        shown = present_table(key, table)
        assert not shown.isna().any().any(), key
        assert not shown.map(lambda v: isinstance(v, str) and not v.strip()).any().any(), key


def test_revised_rates_are_marked_r_in_a_column_of_their_own(tiny, repo_config, tmp_path):
    """A release that follows another: the workbook step flags the rates revised since it [r] in
    a separate column, explains [r] in the legend, the notes and on the cover, and has the
    Changes sheet; the rates CSV and the data dictionary keep the published columns."""
    previous = copy.deepcopy(dict(tiny))
    years = previous["rates"]["dimension"] == "year"
    first = previous["rates"].index[years & ~suppressed_rows(previous["rates"])][0]
    previous["rates"].loc[first, "value"] = "0.01"
    changes = compare_releases(tiny, previous, release="tiny", previous_release="before")
    assert changes["change"].eq("revised").sum() == 1
    paths = {}
    for key, table in {**tiny, "changes": changes}.items():
        paths[key] = tmp_path / f"{key}.csv"
        table.to_csv(paths[key], index=False)
    (tmp_path / "empty.json").write_text("{}")
    config = repo_config
    spec = config["releases"][config["release"]]
    workbook_step(
        paths,
        tmp_path / "empty.json",
        tmp_path / "book.xlsx",
        tmp_path / "dictionary.csv",
        release=config["release"],
        release_label=spec["label"],
        synthetic=True,
        areas=config["areas"],
        years=spec["years"],
        disclosure=config["disclosure"],
        statistics=config["statistics"],
        deprivation=config["deprivation"],
        models=config["models"],
        definitions=config["definitions"],
    )
    wb = openpyxl.load_workbook(tmp_path / "book.xlsx")
    headings, rows = _table_rows(wb["Rates"])
    column = headings.index("Revised")
    assert headings[column - 1] == "Value"
    assert [row[column] for row in rows].count("[r]") == 1
    assert rows[first][column] == "[r]"
    legend = [c.value for c in wb["Rates"]["A"][:15] if isinstance(c.value, str)]
    assert any(text.startswith("[r] = revised since the previous release") for text in legend)
    notes = [row[1] for row in wb["Notes"].iter_rows(values_only=True) if row[1]]
    assert any(str(text).startswith("[r] Revised") for text in notes)
    cover = " ".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "[r] revised since the previous release" in cover
    _, change_rows = _table_rows(wb["Changes"])
    assert len(change_rows) == 1
    dictionary = pd.read_csv(tmp_path / "dictionary.csv")
    assert "revised" not in set(dictionary.loc[dictionary["table"] == "rates", "column"])


def test_every_marker_used_is_explained_in_the_notes(book):
    _, _, wb = book
    notes = {
        row[0]: row[1]
        for row in wb["Notes"].iter_rows(values_only=True)
        if isinstance(row[0], int) and row[1]
    }
    used = set()
    for key in TABLE_KEYS:
        ws = wb[TABLES[key].sheet]
        _, rows = _table_rows(ws)
        in_table = {v for row in rows for v in row if isinstance(v, str) and v in MARKERS}
        legend = [c.value for c in ws["A"][:15] if isinstance(c.value, str) and " = " in c.value]
        for marker in in_table:
            (line,) = [text for text in legend if text.startswith(f"{marker} = ")]
            number = int(re.search(r"\[note (\d+)\]", line).group(1))
            assert notes[number].startswith(marker), (key, marker, notes[number])
        used |= in_table
    # the tiny release needs all but [r]: a first release revises nothing (the next test has [r])
    assert used == set(MARKERS) - {"[r]"}
    referenced = set()
    for ws in wb.worksheets[3:]:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                referenced |= {int(n) for n in re.findall(r"\[note (\d+)\]", str(value))}
    assert referenced == set(notes)  # every note is referenced, every reference has a note
    texts = " ".join(notes.values()).lower()
    for topic in ("rounded to the nearest 5", "benchmark", "quintile 1 is the most deprived"):
        assert topic in texts, topic


# ------------------------------------------------------------------------------ dictionary


def test_every_column_of_every_published_table_has_a_dictionary_entry(tiny, repo_config):
    assert sorted(tiny) == sorted(TABLE_KEYS)
    for key, table in tiny.items():
        # the catalogue lists exactly the columns the pipeline writes, in its order
        assert list(TABLES[key].columns) == list(table.columns), key
    assert all(c.kind in KINDS for spec in TABLES.values() for c in spec.columns.values())
    dictionary = data_dictionary(tiny, repo_config["disclosure"], repo_config["statistics"])
    assert len(dictionary) == sum(len(t.columns) for t in tiny.values())
    assert dictionary["description"].str.len().gt(10).all()
    for key, part in dictionary.groupby("table"):
        headings = [h for c, h in zip(part["column"], part["heading"], strict=True)]
        assert len(set(headings)) == len(headings), key
    published = published_dictionary(
        tiny, "demo", True, repo_config["disclosure"], repo_config["statistics"]
    )
    assert list(published.columns) == [
        "release",
        "data",
        "table",
        "column",
        "heading",
        "description",
        "unit",
    ]


def test_an_undocumented_column_fails_loudly(tiny, repo_config, tmp_path):
    with pytest.raises(InputError) as caught:
        data_dictionary(
            {"rates": tiny["rates"].assign(new_measure="1")},
            repo_config["disclosure"],
            repo_config["statistics"],
        )
    message = str(caught.value)
    assert "new_measure" in message and "rates" in message
    with pytest.raises(InputError):
        _build(
            {**tiny, "rates": tiny["rates"].assign(new_measure="1")},
            tmp_path / "x.xlsx",
            repo_config,
        )
    assert not (tmp_path / "x.xlsx").exists()


def test_other_confidence_levels_are_described_from_the_95_entry():
    column = describe_column("rates", "lower_90")
    assert (
        "90%" in column.heading and "90%" in column.description and column.unit == "see Unit column"
    )
    assert "90%" in describe_column("inequality", "excess_upper_90").heading


def test_docs_outputs_md_is_generated_from_the_catalogue(repo_config):
    text = (REPO / "docs" / "outputs.md").read_text()
    assert DOC_MARKER in text, "docs/outputs.md lost its generated section"
    generated = text.split(DOC_MARKER, 1)[1].lstrip("\n")
    assert generated == outputs_markdown(repo_config["disclosure"], repo_config["statistics"]), (
        "docs/outputs.md is out of date: regenerate its section with "
        "`python3 -m uv run python tools/outputs_docs.py`"
    )


DEMO_DISCLOSURE = {
    "rule_set": "nhs_england",
    "suppress_min": 1,
    "suppress_max": 7,
    "rounding_base": 5,
}


def test_the_withheld_marker_is_explained_in_the_same_words_everywhere():
    """Item 6 of issue 8: a [c] may be a count of 1 to 7 or a row withheld to protect one."""
    from birthgaps.appendix import notes
    from birthgaps.core.settings import load_config

    disclosure = load_config("config/config.yaml")["disclosure"]
    text = "[c] withheld to protect confidentiality: a count of 1 to 7 or a figure that would reveal one"
    assert methods.withheld_text(DEMO_DISCLOSURE) == text
    assert notes.withheld_sentence(disclosure).startswith(text)
    footnotes = (
        notes.rates_note(disclosure),
        notes.flow_note(disclosure),
        notes.models_note(disclosure),
    )
    for footnote in footnotes:
        assert text in footnote
        assert "a count of 1 to 7, suppressed" not in footnote


# ------------------------------------------------------------------------------ for people

#: Code names of the published CSVs that a person should never meet as a workbook cell.
CODE_NAMES = {
    *builtin_declarations(),
    *CELL_DIMENSIONS,
    "overall",
    "imd_quintile_by_ethnic_group",
    "crude",
    "adjusted",
    "interaction",
    "rate_ratio",
    "sii",
    "rii",
    "paf",
    "paf_share",
    "odds_ratio",
    "risk_ratio",
    "area_year",
    "limits",
    "chi2 trend in proportions",
    "weighted slope",
}

#: Columns that keep the CSV's codes, for joining with the CSV files (said on the cover).
CODE_COLUMNS = {"Area code", "Step"}

#: Columns holding a group or level: a deprivation quintile shows its end ("1 (most deprived)").
GROUP_COLUMNS = {"Group", "Level", "Reference level", "Stratum"}

#: A code name inside running text (a note, a model formula).
CODE_IN_TEXT = re.compile(
    r"\b(imd_quintile|ethnic_group|age_band|term_lbw|very_lbw|very_preterm|paf_share|"
    r"rate_ratio|odds_ratio|risk_ratio|area_year)\b"
)


def test_no_cell_of_any_sheet_is_a_code_name(book):
    _, _, wb = book
    seen = 0
    for ws in wb.worksheets:
        exempt: set[int] = set()
        if ws.tables:
            headings, _ = _table_rows(ws)
            exempt = {i for i, h in enumerate(headings) if h in CODE_COLUMNS}
            groups = {i for i, h in enumerate(headings) if h in GROUP_COLUMNS}
            first = ws[ws.tables[next(iter(ws.tables))].ref][0][0].row
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str) or (cell.column - 1) in exempt:
                    continue
                seen += 1
                assert value.strip() not in CODE_NAMES, (ws.title, cell.coordinate, value)
                assert not CODE_IN_TEXT.search(value), (ws.title, cell.coordinate, value)
                if ws.tables and cell.row > first and (cell.column - 1) in groups:
                    assert value not in {"1", "5"}, (ws.title, cell.coordinate)
    assert seen > 5000
    cover = " ".join(str(c.value) for c in wb["Cover"]["A"] if c.value)
    assert "Area codes and the exclusion step codes are kept here too" in cover


def test_cells_say_what_the_codes_mean(book):
    _, _, wb = book
    headings, rows = _table_rows(wb["Rates"])
    column = {h: [r[i] for r in rows] for i, h in enumerate(headings)}
    assert "Preterm birth (born before 37 weeks)" in column["Outcome"]
    assert (
        "Low birth weight at term (born at 37 weeks or later weighing under 2,500 grams)"
        in column["Outcome"]
    )
    assert {"Deprivation (IMD quintile)", "Ethnic group", "Mother's age (years)"} <= set(
        column["Breakdown"]
    )
    assert {"1 (most deprived)", "5 (least deprived)", "Under 20", "40 and over"} <= set(
        column["Group"]
    )
    headings, rows = _table_rows(wb["Odds_ratios"])
    models = {r[headings.index("Model")] for r in rows}
    assert "Crude (this term alone)" in models
    # a year row is adjusted for the other terms of the demo config, not for year itself
    assert "Adjusted for deprivation quintile, ethnic group and mother's age band" in models
    headings, rows = _table_rows(wb["Model_fit"])
    assert any(" × " in r[headings.index("Model terms")] for r in rows)


def test_p_values_are_text_below_0001_or_to_3_decimals(book, tiny):
    _, _, wb = book
    pattern = re.compile(r"<0\.001|[01]\.\d{3}|\[[cxz]\]")
    small = 0
    for key in TABLE_KEYS:
        headings, rows = _table_rows(wb[TABLES[key].sheet])
        for i, heading in enumerate(headings):
            if heading.endswith("p-value"):
                for row in rows:
                    assert isinstance(row[i], str) and pattern.fullmatch(row[i]), (key, row[i])
                    small += row[i] == "<0.001"
    assert small > 0  # the tiny release has very small p-values
    # checked against the CSV: its first p-value of the models table, as published
    csv = tiny["models"]["p_value"]
    published = float(csv[csv.ne("")].iloc[0])
    shown = present_table("models", tiny["models"], models={"exposures": [], "adjust_for": []})
    expected = "<0.001" if published < 0.001 else f"{published:.3f}"
    assert shown.loc[csv.ne(""), "p_value"].iloc[0] == expected
    notes = " ".join(str(r[1]) for r in wb["Notes"].iter_rows(values_only=True))
    assert "<0.001 when below 0.001, otherwise to 3 decimal places" in notes


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (3.6e-43, "<0.001"),
        (0.00099, "<0.001"),
        (0.001, "0.001"),
        (0.0496, "0.050"),
        (0.17, "0.170"),
    ],
)
def test_p_value_text(p, text):
    assert labels.p_value_text(p) == text


def test_the_cover_shows_the_configured_producer_and_contact(book, repo_config):
    _, _, wb = book
    text = "\n".join(str(c.value) for c in wb["Cover"]["A"] if c.value)
    publication = repo_config["publication"]
    for value in publication.values():
        assert value in text
    assert "to be completed" not in text


def test_without_a_publication_block_the_cover_says_which_key_to_set(tiny, config, tmp_path):
    del config["publication"]
    path = tmp_path / "default.xlsx"
    _build(tiny, path, config)
    text = "\n".join(str(c.value) for c in openpyxl.load_workbook(path)["Cover"]["A"] if c.value)
    assert "to be completed" not in text
    for key in ("producer", "contact", "email"):
        assert f"set publication.{key} in the config" in text
    assert "Website:" not in text  # no url by default
    assert settings.publication_settings({})["producer"].startswith("Public health intelligence")


def test_the_workbook_rule_passes_the_publication_block():
    rule = (REPO / "workflow" / "rules" / "workbook.smk").read_text()
    assert 'publication=config["publication"]' in rule
    assert 'definitions=config["definitions"]' in rule


def test_outcome_thresholds_follow_the_definitions(repo_config):
    definitions = {**repo_config["definitions"], "preterm_weeks": 36}
    assert labels.outcome_title("preterm", definitions) == "Preterm birth (born before 36 weeks)"
    assert (
        labels.outcome_title("very_lbw", definitions)
        == "Very low birth weight (born weighing under 1,500 grams)"
    )


def test_the_appendix_and_the_workbook_share_one_set_of_labels():
    for name in ("outcome_label", "group_label", "imd_label", "level_label", "TERM_HEADINGS"):
        assert getattr(wording, name) is getattr(labels, name), name


def test_model_formulas_and_notes_in_words():
    assert labels.terms_text("imd_quintile + age_band + imd_quintile:ethnic_group") == (
        "Deprivation (IMD quintile) + Mother's age (years) + Deprivation (IMD quintile) × "
        "Ethnic group"
    )
    assert labels.terms_text("imd_quintile x ethnic_group") == (
        "Deprivation (IMD quintile) × Ethnic group"
    )
    assert labels.words_for_codes("imd_quintile reference 4, not 5; age_band Unknown 20") == (
        "deprivation quintile reference 4, not 5; mother's age band Unknown 20"
    )
    assert labels.breakdown_label("ethnic_group_detailed") == "Ethnic group (detailed, ONS 2021)"
    assert labels.breakdown_label("age_band_detailed") == "Age band detailed"  # a name without one
    assert labels.model_label("adjusted", "", ["imd_quintile", "year"]) == (
        "Adjusted for deprivation quintile and year of birth"
    )
