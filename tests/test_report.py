"""Appendix notebook rendering, HTML helpers and the release index page."""

from __future__ import annotations

import html as htmlmod
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from support.appendix import AREA, AREA_NAME, MODEL_TABLES, TEMPLATE
from support.appendix import appendix_parameters as _parameters

from birthgaps.appendix import (
    blocks,
    charts_models,
    figures,
    frames,
    headlines,
    indicator_tables,
    model_tables,
    notes,
    sections,
    tables,
    wording,
)
from birthgaps.appendix import inputs as reading
from birthgaps.appendix import notebook as rendering
from birthgaps.appendix.blocks import block_html
from birthgaps.appendix.index import write_index
from birthgaps.core import labels
from birthgaps.core.errors import InputError
from birthgaps.core.provenance import SYNTHETIC_NOTICE
from birthgaps.core.settings import load_config

REPO = Path(__file__).resolve().parents[1]
AREAS = {"X06000001": "Northbrook", "X06000002": "Eastmere", "X06000003": "Southwick"}
#: The demo config's resolved disclosure and statistics settings (what the tables' notes say).
SETTINGS = load_config(REPO / "config" / "config.yaml")
DISCLOSURE, STATISTICS = SETTINGS["disclosure"], SETTINGS["statistics"]
#: The adjusted model of the fit table, named as in the workbook (core.labels.model_label).
ADJUSTED_FOR_ALL = (
    "Adjusted for deprivation quintile, ethnic group, mother's age band and year of birth"
)


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")


def _image_alts(page: str) -> list[str]:
    """The alt attribute of every image, unescaped."""
    parser = _Images()
    parser.feed(page)
    return parser.alts


# ----------------------------------------------------------------------------- the template


def test_template_is_commit_ready():
    notebook = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert notebook["cells"][0] is code[0]
    assert "parameters" in code[0]["metadata"]["tags"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert set(rendering.template_parameters(TEMPLATE)) == {
        "release",
        "release_label",
        "area_code",
        "area_name",
        "synthetic",
        "rates_csv",
        "outcomes_csv",
        "death_markers_csv",
        "models_csv",
        "flow_csv",
        "trends_csv",
        "inequality_csv",
        "funnel_csv",
        "risk_ratios_csv",
        "interaction_csv",
        "stratified_csv",
        "excess_explained_csv",
        "model_fit_csv",
        "empty_tables_json",
        "figures_dir",
        "disclosure",
        "statistics",
        "previous_rates_csv",
        "previous_label",
        "previous_changes_csv",
    }


# ----------------------------------------------------------------------------- rendering


def test_rendered_html_has_content_but_no_code(rendered, published):
    page = rendered["annex"].read_text(encoding="utf-8")
    assert '<html lang="en-GB"' in page
    assert "import " not in page and "load_appendix_inputs" not in page
    assert AREA_NAME in page
    assert SYNTHETIC_NOTICE in page
    for heading in (
        "Headline findings",
        "Data and methods",
        "Definitions",
        "Trends and comparison with the benchmark",
        "Inequality",
        "Funnel plot",
        "Limitations",
    ):
        assert heading in page
    assert "Preterm birth is more common in more deprived areas" in page
    alts = _image_alts(page)
    # a dot chart per outcome group, every chart of the four modelled outcomes, odds and risk ratio
    # forest plots of the two in the models table, the exclusion flow
    assert len(alts) == 3 + 4 * (4 + 3) + 2 * 2 + 1
    for alt_file in sorted(published["figures_dir"].glob("*.txt")):
        assert alt_file.read_text(encoding="utf-8").strip() in alts, alt_file.name
    assert "data:image/png;base64," in page  # self-contained: images inline, no CDN scripts
    assert 'src="https://' not in page and 'src="http://' not in page
    assert '<th scope="col"' in page and ">[c]<" in page  # tables with withheld cells


def test_same_inputs_give_the_same_page(rendered, published, tmp_path):
    again, annex = tmp_path / "again.html", tmp_path / "again_annex.html"
    parameters = _parameters(published)
    rendering.render_appendix(
        TEMPLATE, tmp_path / "again.ipynb", again, parameters, sys.executable, annex=annex
    )
    assert again.read_bytes() == rendered["html"].read_bytes()
    assert annex.read_bytes() == rendered["annex"].read_bytes()


def test_executed_notebook_has_no_run_timestamps(rendered):
    notebook = json.loads(rendered["executed"].read_text(encoding="utf-8"))
    assert "start_time" not in notebook["metadata"]["papermill"]
    for cell in notebook["cells"]:
        assert "execution" not in cell["metadata"]
        assert "start_time" not in cell["metadata"].get("papermill", {})
    assert "papermill" in rendered["log"].read_text(encoding="utf-8")


def test_bad_area_fails_clearly_and_leaves_nothing(published, tmp_path):
    executed, page = tmp_path / "bad.ipynb", tmp_path / "bad.html"
    with pytest.raises(rendering.NotebookError) as caught:
        rendering.render_appendix(
            TEMPLATE,
            executed,
            page,
            _parameters(published, area_code="X99999999"),
            sys.executable,
            tmp_path / "bad.log",
        )
    message = str(caught.value)
    assert "area_appendix.ipynb" in message
    assert "cell 2 of the template" in message
    assert "X99999999" in message and "InputError" in message
    assert not executed.exists() and not page.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.log"]


def test_unknown_or_mistyped_parameter_is_refused_before_running(published, tmp_path):
    executed, page = tmp_path / "x.ipynb", tmp_path / "x.html"
    with pytest.raises(rendering.NotebookError, match="unknown notebook parameter.*area_cod"):
        rendering.render_appendix(TEMPLATE, executed, page, {"area_cod": AREA}, sys.executable)
    with pytest.raises(rendering.NotebookError, match="synthetic must be true or false"):
        rendering.render_appendix(
            TEMPLATE, executed, page, _parameters(published, synthetic="yes"), sys.executable
        )
    assert list(tmp_path.iterdir()) == []


def test_missing_figures_are_named(published, tmp_path):
    with pytest.raises(InputError, match="figure file"):
        reading.load_appendix_inputs(**_parameters(published, figures_dir=str(tmp_path)))


# ----------------------------------------------------------------------------- HTML helpers


def test_format_rates_table_labels_and_suppression(fake_rates):
    table = tables.format_rates_table(
        fake_rates,
        "X06000003",
        "preterm",
        "ethnic_group",
        disclosure=DISCLOSURE,
        statistics=STATISTICS,
    )
    assert list(table.columns) == [
        "Ethnic group",
        "Live births",
        "Preterm birth",
        "%",
        "95% CI",
    ]
    assert list(table["Ethnic group"]) == [
        "Asian",
        "Black",
        "Mixed",
        "White",
        "Other",
        "Not stated",
    ]
    other = table[table["Ethnic group"] == "Other"].iloc[0]
    assert list(other[1:]) == ["[c]", "[c]", "[c]", "[c]"]
    assert notes.withheld_sentence(DISCLOSURE) in table.attrs["footnote"]
    assert "a count of 1 to 7 or a figure that would reveal one" in table.attrs["footnote"]
    imd = tables.format_rates_table(
        fake_rates, AREA, "preterm", "imd_quintile", disclosure=DISCLOSURE, statistics=STATISTICS
    )
    assert imd["IMD quintile"].iloc[0] == "1 (most deprived)"
    assert " to " in imd["95% CI"].iloc[0]
    cross = tables.format_rates_table(
        fake_rates,
        AREA,
        "lbw",
        "imd_quintile_by_ethnic_group",
        disclosure=DISCLOSURE,
        statistics=STATISTICS,
    )
    assert {"IMD quintile", "Ethnic group"} <= set(cross.columns)
    assert "[c]" in set(cross["%"])


def test_format_models_table_reference_and_too_few_events(fake_models):
    table = tables.format_models_table(fake_models, "X06000003", "preterm", disclosure=DISCLOSURE)
    white = table[table["Group"] == "White"].iloc[0]
    assert white["Adjusted OR (95% CI)"] == "1 (reference)"
    other = table[table["Group"] == "Other"].iloc[0]
    assert other["Adjusted OR (95% CI)"] == "too few events"
    black = table[table["Group"] == "Black"].iloc[0]
    assert black["Adjusted OR (95% CI)"] == "1.50 (1.19 to 1.90)"


def test_format_flow_table_shows_c(fake_flow):
    table = tables.format_flow_table(fake_flow, disclosure=DISCLOSURE)
    row = table[table["Step"].str.startswith("Mother resident outside")].iloc[0]
    assert row["Records"] == "[c]" and row["Type"] == "Removed"


def test_table_html_is_accessible():
    import pandas as pd

    frame = pd.DataFrame({"Group": ["A<b"], "%": ["1.0"]})
    out = blocks.table_html(frame, "Caption & more", footnote="Note")
    assert "<caption" in out and "Caption &amp; more" in out
    assert '<th scope="row"' in out and "A&lt;b" in out and "Note" in out


def test_headline_findings_come_from_the_numbers(published):
    inputs = reading.load_appendix_inputs(**_parameters(published))
    sentences = headlines.headline_findings(inputs)
    text = " ".join(sentences)
    assert "Preterm birth in the most deprived fifth" in text
    assert "higher in the most deprived fifth" in text
    assert "1.50 (95% CI 1.19 to 1.90) for Black mothers" in text


# ----------------------------------------------------------------------------- index page


def test_write_index_links_every_area_with_banner(tmp_path):
    index = tmp_path / "published" / "index.html"
    paths = {code: str(tmp_path / "published" / "appendix" / f"{code}.html") for code in AREAS}
    write_index("demo", "Demo release", AREAS, paths, True, index)
    page = index.read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in page and "<title>" in page
    assert SYNTHETIC_NOTICE in page
    for code, name in AREAS.items():
        assert f'<a href="appendix/{code}.html">{name}</a>' in page
    first = index.read_bytes()
    write_index("demo", "Demo release", AREAS, paths, True, index)
    assert index.read_bytes() == first

    write_index("demo", "Demo release", AREAS, paths, False, index)
    assert "SYNTHETIC" not in index.read_text(encoding="utf-8")


def test_write_index_links_pdfs_and_the_workbook(tmp_path):
    index = tmp_path / "published" / "index.html"
    paths = {code: str(tmp_path / "published" / "appendix" / f"{code}.html") for code in AREAS}
    pdfs = {code: path.replace(".html", ".pdf") for code, path in paths.items()}
    workbook = tmp_path / "published" / "birthgaps_demo.xlsx"
    write_index("demo", "Demo", AREAS, paths, True, index, pdf_paths=pdfs, workbook=workbook)
    page = index.read_text(encoding="utf-8")
    for code, name in AREAS.items():
        assert f'<a href="appendix/{code}.pdf">PDF version of the {name} appendix</a>' in page
    assert '<a href="birthgaps_demo.xlsx">' in page


def test_write_index_needs_a_path_per_area(tmp_path):
    with pytest.raises(InputError, match="X06000003"):
        write_index(
            "demo",
            "Demo",
            AREAS,
            {"X06000001": "a.html", "X06000002": "b.html"},
            True,
            tmp_path / "i.html",
        )


# ----------------------------------------------------------------------------- indicator sections


@pytest.fixture(scope="module")
def inputs(published):
    return reading.load_appendix_inputs(**_parameters(published))


def test_rendered_html_has_the_indicator_sections(rendered):
    page = rendered["annex"].read_text(encoding="utf-8")
    for text in (
        "Preterm birth: trend and comparison with All study areas",
        "Recent trend of preterm birth in Northbrook",
        "Preterm birth: inequality",
        "Slope index of inequality (SII), percentage points",
        "Preterm birth: funnel plot",
        "Funnel position",
        "Compared with All study areas",
    ):
        assert text in page, text


def test_trend_and_benchmark_sentences_and_tables(inputs):
    sentences = indicator_tables.trend_sentences(inputs, "preterm")
    row = frames.trend_row(inputs.trends, AREA, "preterm")
    assert sentences[0].startswith(
        f"Recent trend of preterm birth in Northbrook: no significant change in 2020–2024 "
        f"(chi-squared statistic {float(row['statistic']):.2f})"
    )
    overall = inputs.rates[
        (inputs.rates["area_code"] == AREA)
        & (inputs.rates["outcome"] == "preterm")
        & (inputs.rates["dimension"] == "overall")
    ].iloc[0]
    phrase = wording.comparison_phrase(str(overall["comparison"]), "All study areas")
    label = "" if overall["comparison"] == "Similar" else f"({overall['comparison']})"
    assert any(phrase in s and label in s for s in sentences)
    table = indicator_tables.format_benchmark_table(inputs, "preterm")
    assert list(table["Period"]) == [*map(str, range(2019, 2025)), "All years (2019–2024)"]
    assert list(table.columns)[-2:] == ["All study areas %", "Comparison"]
    trends = indicator_tables.format_trends_table(inputs, "preterm")
    assert trends["Group"].iloc[0] == "All births" and len(trends) == 1 + 5 + 5


def test_inequality_sentences_call_a_difference_clear_only_when_the_interval_says_so(inputs):
    sentences = indicator_tables.inequality_sentences(inputs, "preterm")
    rows = frames.inequality_rows(inputs.inequality, AREA, "preterm")
    q1 = frames.measure_row(rows, "rate_ratio", "1", "imd_quintile")
    assert q1["lower_95"] > 1
    assert any(
        f"{q1['value']:.2f} times that in the least deprived fifth" in s
        and "; a clear difference)" in s
        for s in sentences
    )
    assert any("slope index" in s and "relative index" in s for s in sentences)
    assert any(
        "in excess of what the least deprived fifth's rate would give" in s for s in sentences
    )
    assert not any(word in " ".join(sentences).lower() for word in ("caused", "because", "due to"))
    changed = inputs.inequality.copy()
    target = (
        (changed["area_code"] == AREA)
        & (changed["outcome"] == "preterm")
        & (changed["measure"] == "rate_ratio")
        & (changed["group"] == "1")
    )
    changed.loc[target, ["lower_95", "upper_95"]] = [0.9, 1.6]
    neutral = reading.AppendixInputs(**{**inputs.__dict__, "inequality": changed})
    text = " ".join(indicator_tables.inequality_sentences(neutral, "preterm"))
    assert "(95% CI 0.90 to 1.60; not a clear difference)" in text
    table = indicator_tables.format_inequality_table(inputs, "preterm")
    assert list(table.columns) == [
        "Measure",
        "Group",
        "Compared with",
        "Estimate",
        "95% CI",
        "Excess events",
        "Note",
    ]
    paf = table[table["Measure"] == "Population attributable fraction (PAF), %"].iloc[0]
    assert paf["Excess events"] == "[c]" or int(paf["Excess events"].replace(",", "")) % 5 == 0


def test_funnel_table_lists_the_area_and_its_years(inputs):
    table = indicator_tables.format_funnel_table(inputs, "lbw")
    assert list(table["Period"]) == ["All years (2019–2024)", *map(str, range(2019, 2025))]
    assert set(table["Funnel position"]) <= {
        "Above the upper 99.8% limit",
        "Above the upper 95% limit",
        "Below the lower 99.8% limit",
        "Below the lower 95% limit",
        "Within the 95% limits",
        "[c]",
    }


def test_rates_table_marks_not_calculated_and_unreliable_rates(inputs):
    rates = inputs.rates.copy()
    mask = (
        (rates["area_code"] == AREA)
        & (rates["outcome"] == "preterm")
        & (rates["dimension"] == "ethnic_group")
    )
    rows = rates[mask]
    mixed, black = rows[rows["group"] == "Mixed"].index[0], rows[rows["group"] == "Black"].index[0]
    rates.loc[mixed, ["events", "value", "lower_95", "upper_95"]] = [0, pd.NA, pd.NA, pd.NA]
    rates.loc[mixed, ["reliability", "suppressed"]] = ["x", False]
    rates.loc[black, "reliability"] = "u"
    table = tables.format_rates_table(
        rates, AREA, "preterm", "ethnic_group", disclosure=DISCLOSURE, statistics=STATISTICS
    )
    row = table[table["Ethnic group"] == "Mixed"].iloc[0]
    assert (row["Preterm birth"], row["%"], row["95% CI"]) == ("0", "x", "x")
    assert table[table["Ethnic group"] == "Black"].iloc[0]["%"].endswith(" u")
    assert "x = not calculated" in table.attrs["footnote"]
    assert "Compared with All study areas" in table.columns


# ----------------------------------------------------------------------------- risk ratios, interaction, excess explained

CAUSAL_WORDS = ("cause", "because", "due to", "effect of", "leads to", "driven by", "results in")


def _inputs_with(inputs, **tables) -> reading.AppendixInputs:
    return reading.AppendixInputs(**{**inputs.__dict__, **tables})


def _set(table: pd.DataFrame, area: str, outcome: str, **values) -> pd.DataFrame:
    """A copy of ``table`` with ``values`` set on the rows of one area and outcome."""
    changed = table.copy()
    mask = (changed["area_code"] == area) & (changed["outcome"] == outcome)
    for column, value in values.items():
        changed.loc[mask, column] = value
    return changed


def test_report_reads_the_model_tables_in_the_models_rule_format():
    """The column lists the appendix requires are exactly those the models rule publishes."""
    from birthgaps.models import tables as models

    assert models.PUBLISHED_COLUMNS["interaction"] == reading.INTERACTION_TABLE_COLUMNS
    assert models.PUBLISHED_COLUMNS["stratified"] == reading.STRATIFIED_TABLE_COLUMNS
    assert models.PUBLISHED_COLUMNS["excess_explained"] == reading.EXCESS_TABLE_COLUMNS
    assert models.PUBLISHED_COLUMNS["fit"] == reading.FIT_TABLE_COLUMNS
    assert set(frames.RISK_RATIOS_COLUMNS) <= set(models.PUBLISHED_COLUMNS["risk_ratios"])
    assert set(frames.MODELS_COLUMNS) <= set(models.PUBLISHED_COLUMNS["odds_ratios"])


def test_tables_from_the_real_models_code_give_a_section(
    fake_cells, fake_rates, repo_config, tmp_path
):
    """model_tables -> publish -> CSV -> readers -> section: the contract holds end to end."""
    from birthgaps.core.provenance import label_table
    from birthgaps.models.areas import model_tables as fit_model_tables
    from birthgaps.models.protect import publish_model_tables

    published = publish_model_tables(
        fit_model_tables(fake_cells, repo_config["models"], AREAS, fake_rates),
        repo_config["disclosure"],
        fake_rates,
    )
    names = {"odds_ratios": "models", "fit": "model_fit"}
    paths = {}
    for key, table in published.items():
        name = names.get(key, key)
        paths[name] = tmp_path / f"{name}.csv"
        label_table(table, "demo", True, "national").to_csv(paths[name], index=False)
    interaction = reading.read_interaction(paths["interaction"])
    assert interaction["significant"].dtype == bool
    inputs = reading.AppendixInputs(
        release="demo",
        release_label="Demo",
        area_code=AREA,
        area_name=AREA_NAME,
        synthetic=True,
        rates=pd.DataFrame(),
        models=reading.read_models(paths["models"]),
        flow=pd.DataFrame(),
        figures_dir=tmp_path,
        disclosure=DISCLOSURE,
        statistics=STATISTICS,
        model_outcomes=["preterm", "lbw"],
        risk_ratios=reading.read_risk_ratios(paths["risk_ratios"]),
        interaction=interaction,
        stratified=reading.read_stratified(paths["stratified"]),
        excess_explained=reading.read_excess_explained(paths["excess_explained"]),
        model_fit=reading.read_model_fit(paths["model_fit"]),
    )
    for outcome in ("preterm", "lbw"):
        figures.save_figure(
            *charts_models.forest_plot(inputs.risk_ratios, AREA, outcome, measure="risk_ratio"),
            tmp_path / f"{outcome}_risk_ratios",
        )
    page = block_html(sections.risk_ratio_section(inputs))
    assert "likelihood-ratio test of the interaction between ethnic group and deprivation" in page
    assert "evidence that the deprivation gradient differs by ethnic group (p " in page
    assert page.count("<table") == 2 * 3 + sum(
        bool(r["significant"]) for _, r in interaction[interaction["area_code"] == AREA].iterrows()
    )
    table = model_tables.format_risk_ratios_table(inputs, "preterm")
    assert "1 (reference)" in set(table["Adjusted RR (95% CI)"])
    fit = model_tables.format_fit_table(inputs, "preterm")
    assert list(fit["Model"]) == [ADJUSTED_FOR_ALL, "Adjusted, with the interaction term"]


def test_rendered_html_has_the_risk_ratio_section(rendered, published):
    page = rendered["annex"].read_text(encoding="utf-8")
    for text in (
        "Adjusted risk ratios, interaction and the part explained by deprivation",
        "Preterm birth: adjusted risk ratios, interaction and the part explained by deprivation",
        "Adjusted RR (95% CI)",
        "some evidence that the deprivation gradient differs by ethnic group (p = 0.012)",
        "no evidence that the deprivation gradient differs by ethnic group (p = 0.150)",
        "Odds ratios of preterm birth by deprivation quintile within each ethnic group",
        "Share of the excess explained by deprivation (95% CI)",
        "Model fit (for analysts)",
        "c-statistic (logistic)",
    ):
        assert text in page, text
    assert "Odds ratios of low birth weight by deprivation quintile within each" not in page
    alt = (published["figures_dir"] / "preterm_risk_ratios.txt").read_text(encoding="utf-8")
    assert alt.strip() in _image_alts(page)
    assert alt.startswith("Synthetic data. Forest plot of crude and adjusted risk ratios")


def test_risk_ratio_table_sits_beside_the_odds_ratios(inputs, fake_model_tables, fake_models):
    table = model_tables.format_risk_ratios_table(inputs, "preterm")
    assert list(table.columns) == [
        "Exposure",
        "Group",
        "Adjusted RR (95% CI)",
        "Adjusted OR (95% CI)",
    ]
    assert list(table["Group"]) == [
        "1 (most deprived)",
        "2",
        "3",
        "4",
        "5 (least deprived)",
        "Asian",
        "Black",
        "Mixed",
        "White",
        "Other",
    ]
    rr = fake_model_tables["risk_ratios"]
    row = rr[
        (rr["area_code"] == AREA)
        & (rr["outcome"] == "preterm")
        & (rr["model"] == "adjusted")
        & (rr["level"] == "Black")
    ].iloc[0]
    black = table[table["Group"] == "Black"].iloc[0]
    assert black["Adjusted RR (95% CI)"] == (
        f"{row['risk_ratio']:.2f} ({row['lower_95']:.2f} to {row['upper_95']:.2f})"
    )
    assert black["Adjusted OR (95% CI)"] == "1.50 (1.19 to 1.90)"  # from the models table
    assert table[table["Group"] == "White"].iloc[0]["Adjusted RR (95% CI)"] == "1 (reference)"
    assert "Read with care" not in table.attrs["footnote"]
    # Southwick's "Other" has too few events; Eastmere's LBW ratios carry the risk-above-1 note
    flat = _inputs_with(inputs, area_code="X06000003", area_name="Southwick")
    other = model_tables.format_risk_ratios_table(flat, "preterm").set_index("Group").loc["Other"]
    assert other["Adjusted RR (95% CI)"] == other["Adjusted OR (95% CI)"] == "too few events"
    mid = _inputs_with(inputs, area_code="X06000002", area_name="Eastmere")
    footnote = model_tables.format_risk_ratios_table(mid, "lbw").attrs["footnote"]
    assert "Read with care: Asian (fitted risk above 1 in some covariate patterns)" in footnote


def test_interaction_sentences_for_a_significant_and_a_non_significant_test(inputs):
    significant = model_tables.interaction_sentences(inputs, "preterm")
    assert significant[0] == (
        "Preterm birth: likelihood-ratio test of the interaction between ethnic group and "
        "deprivation quintile (chi-squared 28.30 on 14 degrees of freedom): some evidence that "
        "the deprivation gradient differs by ethnic group (p = 0.012)."
    )
    assert "2 of the 16 combinations" in significant[1]
    assert not any("little power" in s for s in significant)
    plain = model_tables.interaction_sentences(inputs, "lbw")
    assert plain[0].endswith(
        "(chi-squared 15.77 on 11 degrees of freedom): no evidence that the deprivation gradient "
        "differs by ethnic group (p = 0.150)."
    )
    assert any("little power" in s for s in plain)
    # the wording follows the published flag, not a threshold of its own
    flipped = _inputs_with(
        inputs, interaction=_set(inputs.interaction, AREA, "lbw", significant=True)
    )
    assert "some evidence" in model_tables.interaction_sentences(flipped, "lbw")[0]
    text = " ".join(significant + plain).lower()
    assert not any(word in text for word in CAUSAL_WORDS)


def test_an_untestable_interaction_says_why_without_the_complete_case_note(inputs):
    flat = _inputs_with(inputs, area_code="X06000003", area_name="Southwick")
    sentences = model_tables.interaction_sentences(flat, "lbw")
    assert sentences == [
        "The interaction between ethnic group and deprivation quintile could not be tested for "
        "low birth weight: no estimable interaction term."
    ]
    missing = _inputs_with(inputs, interaction=inputs.interaction.iloc[0:0])
    assert (
        "No interaction test was published" in model_tables.interaction_sentences(missing, "lbw")[0]
    )


def test_p_values_never_round_onto_the_threshold():
    assert labels.p_value_phrase(0.1497) == "p = 0.150"
    assert labels.p_value_phrase(0.012) == "p = 0.012"
    assert labels.p_value_phrase(0.0042) == "p = 0.004"
    assert labels.p_value_phrase(0.0004) == "p < 0.001"
    assert labels.p_value_phrase(0.04951, 0.05) == "p = 0.0495"
    assert labels.p_value_phrase(0.04951) == "p = 0.050"
    assert labels.p_value_phrase(0.05, 0.05) == "p = 0.050"


def test_stratified_table_only_when_the_interaction_is_significant(inputs):
    page = block_html(sections.risk_ratio_section(inputs))
    assert "Odds ratios of preterm birth by deprivation quintile within each ethnic group" in page
    assert "Odds ratios of low birth weight by deprivation quintile within each" not in page
    table = model_tables.format_stratified_table(inputs, "preterm")
    assert list(table.columns) == [
        "Ethnic group",
        "IMD 1 v 5 (95% CI)",
        "IMD 2 v 5 (95% CI)",
        "IMD 3 v 5 (95% CI)",
        "IMD 4 v 5 (95% CI)",
        "Births in the model",
    ]
    assert list(table["Ethnic group"]) == ["Asian", "Black", "Mixed", "White", "Other"]
    assert table.set_index("Ethnic group").loc["Other", "IMD 1 v 5 (95% CI)"] == (
        "too few events in the reference level"
    )
    births = [b for b in table["Births in the model"] if b != "[c]"]
    assert births and all(int(b.replace(",", "")) % 5 == 0 for b in births)
    flat = _inputs_with(
        inputs,
        area_code="X06000003",
        interaction=_set(inputs.interaction, "X06000003", "preterm", significant=True),
    )
    southwick = model_tables.format_stratified_table(flat, "preterm").set_index("Ethnic group")
    assert southwick.loc["Other", "Births in the model"] == "[c]"  # a withheld count stays [c]
    # significant, but the stratified rows were not published (stratified: when_significant)
    none = _inputs_with(
        inputs, stratified=inputs.stratified[inputs.stratified["area_code"] != AREA]
    )
    assert "The stratified estimates were not published." in block_html(
        sections.risk_ratio_section(none)
    )


def test_excess_explained_uses_the_risk_ratio_rows_and_says_not_estimated(inputs):
    table = model_tables.format_excess_table(inputs, "preterm")
    assert list(table.columns) == [
        "Ethnic group",
        "RR before adding deprivation (95% CI)",
        "RR after adding deprivation (95% CI)",
        "Share of the excess explained by deprivation (95% CI)",
        "Note",
    ]
    rows = table.set_index("Ethnic group")
    assert rows.loc["Asian", "RR before adding deprivation (95% CI)"] == "1.33 (1.19 to 1.48)"
    assert rows.loc["Asian", "Share of the excess explained by deprivation (95% CI)"] == (
        "30% (16% to 45%)"
    )
    assert rows.loc["Mixed", "Share of the excess explained by deprivation (95% CI)"] == (
        "not estimated"
    )
    assert rows.loc["Mixed", "Note"].startswith("no clear excess to explain (the ratio before")
    sentences = model_tables.excess_sentences(inputs, "preterm")
    assert sentences[0].startswith(
        "About 30% (95% CI 16% to 45%) of the excess risk of preterm birth among Asian mothers "
        "compared with White mothers is explained by deprivation: the risk ratio is 1.33 "
        "(95% CI 1.19 to 1.48) before and 1.22 (95% CI 1.09 to 1.36) after adding deprivation."
    )
    assert sentences[-1] == (
        "The share explained is not estimated for Mixed-ethnicity and Other-ethnicity mothers: no "
        "clear excess to explain (the ratio before adding deprivation has a 95% confidence "
        "interval that includes 1)."
    )
    odds = model_tables.format_excess_table(inputs, "preterm", measure="odds_ratio")
    assert odds.set_index("Ethnic group").loc["Asian", "OR before adding deprivation (95% CI)"] == (
        "1.40 (1.25 to 1.55)"
    )
    text = " ".join(sentences + [table.attrs["footnote"]]).lower()
    assert not any(word in text for word in CAUSAL_WORDS)


def test_excess_explained_too_few_events_deficit_and_widening(inputs):
    flat = _inputs_with(inputs, area_code="X06000003", area_name="Southwick")
    other = model_tables.format_excess_table(flat, "lbw").set_index("Ethnic group").loc["Other"]
    assert other["RR before adding deprivation (95% CI)"] == "too few events"
    assert other["Share of the excess explained by deprivation (95% CI)"] == "not estimated"
    assert other["Note"] == "too few events"
    mid = _inputs_with(inputs, area_code="X06000002", area_name="Eastmere")
    mixed = model_tables.format_excess_table(mid, "lbw").set_index("Ethnic group").loc["Mixed"]
    assert mixed["Note"] == "lower risk than the reference group: the share is of the deficit"
    assert any(
        "of the lower risk of low birth weight among Mixed-ethnicity mothers" in s
        for s in model_tables.excess_sentences(mid, "lbw")
    )
    black = model_tables.format_excess_table(mid, "preterm").set_index("Ethnic group").loc["Black"]
    assert black["Note"] == "adding deprivation widened the difference"
    assert black["Share of the excess explained by deprivation (95% CI)"].startswith("-")
    assert any(
        s.startswith("Among Black mothers compared with White mothers, adding deprivation widened")
        for s in model_tables.excess_sentences(mid, "preterm")
    )


def test_fit_table_for_analysts(inputs):
    table = model_tables.format_fit_table(inputs, "preterm")
    assert list(table["Model"]) == [ADJUSTED_FOR_ALL, "Adjusted, with the interaction term"]
    adjusted = table.set_index("Model").loc[ADJUSTED_FOR_ALL]
    assert adjusted["Terms"] == (
        "Deprivation (IMD quintile) + Ethnic group + Mother's age (years) + Year of birth"
    )
    assert (adjusted["Goodness of fit (p)"], adjusted["Parameters"], adjusted["Births"]) == (
        "0.540",
        "19",
        "18,500",
    )
    assert "AIC" not in table.columns  # not published: it would give counts back
    assert adjusted["c-statistic (logistic)"] == "0.57"
    assert adjusted["c-statistic (modified Poisson)"] == "0.57"
    interaction = table.set_index("Model").loc["Adjusted, with the interaction term"]
    assert interaction["c-statistic (modified Poisson)"] == "–"
    assert interaction["Terms"].endswith("+ Deprivation (IMD quintile) × Ethnic group")


def test_section_shows_published_counts_and_no_causal_words(inputs):
    page = block_html(sections.risk_ratio_section(inputs))
    assert "fitted to 18,500 births with every characteristic known, 1,200 of them" in page
    assert page.count("<h3>") == 2 and page.count("<h4>") == 2 * 3
    lowered = page.lower()
    assert not any(word in lowered for word in CAUSAL_WORDS)


def test_model_tables_are_optional_and_checked(published, tmp_path):
    """Without the further tables the section says so and no risk-ratio figure is required; a
    table with a missing column is named."""
    bare = {k: v for k, v in _parameters(published).items() if not k.startswith(MODEL_TABLES)}
    empty_figures = tmp_path / "figures"
    empty_figures.mkdir()
    for source in published["figures_dir"].iterdir():
        if "_risk_ratios" not in source.name:
            (empty_figures / source.name).write_bytes(source.read_bytes())
    inputs = reading.load_appendix_inputs(**{**bare, "figures_dir": str(empty_figures)})
    assert inputs.risk_ratios.empty and not any(s.kind == "risk_forest" for s in inputs.specs)
    page = block_html(sections.risk_ratio_section(inputs))
    assert "Not available: the published risk ratios table was not given" in page
    with pytest.raises(InputError, match="figure file"):
        reading.load_appendix_inputs(
            **{**_parameters(published), "figures_dir": str(empty_figures)}
        )
    broken = tmp_path / "interaction.csv"
    pd.read_csv(published["interaction_csv"]).drop(columns="lr_statistic").to_csv(broken)
    with pytest.raises(InputError, match="interaction table lacks column.*lr_statistic"):
        reading.read_interaction(broken)


def test_a_kernel_that_dies_while_starting_is_started_again(published, tmp_path, monkeypatch):
    """Parallel jobs' kernels can race for a port and die before answering: retry, do not fail."""
    real_run = subprocess.run
    calls = []

    def flaky_run(command, *args, **kwargs):
        calls.append(command)
        if "papermill" in command and len(calls) == 1:
            return subprocess.CompletedProcess(
                command, 1, "", f"RuntimeError: {rendering.KERNEL_DIED}"
            )
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(rendering.subprocess, "run", flaky_run)
    executed, page, log = tmp_path / "a.ipynb", tmp_path / "a.html", tmp_path / "a.log"
    rendering.render_appendix(TEMPLATE, executed, page, _parameters(published), sys.executable, log)
    assert page.exists() and executed.exists()
    assert sum("papermill" in c for c in calls) == 2
    assert "kernel died while starting (attempt 1)" in log.read_text()


# ----------------------------------------------------------------------------- two documents


class _Page(HTMLParser):
    """Headings (tag, id, text), tables (caption and rows of cell text) and figures of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[str, str | None, str]] = []
        self.tables: list[dict] = []
        self.figcaptions = 0
        self._heading: list | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in {"h1", "h2", "h3", "h4"}:
            self._heading = [tag, dict(attrs).get("id"), ""]
        elif tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in {"td", "th"}:
            self._cell = []
        elif tag == "figcaption":
            self.figcaptions += 1

    def handle_endtag(self, tag):
        if tag in {"h1", "h2", "h3", "h4"} and self._heading:
            self.headings.append((self._heading[0], self._heading[1], self._heading[2].strip()))
            self._heading = None
        elif tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag in {"td", "th"} and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[2] += data
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _page(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_key_message_links_to_a_section_of_the_same_page(rendered):
    """Each message's "(see ...)" link lands on a heading of the committee document itself."""
    import re

    page = rendered["html"].read_text(encoding="utf-8")
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    start = page.index('id="key-messages"')
    end = page.index("<h2", start + 1)
    links = re.findall(r'href="#([^"]+)"', page[start:end])
    assert len(links) >= 5
    assert set(links) <= ids, set(links) - ids


def test_committee_document_leads_with_key_messages_and_carries_only_its_charts(rendered):
    from birthgaps.appendix.messages import SECTION_ANCHORS

    page = rendered["html"].read_text(encoding="utf-8")
    parsed = _page(rendered["html"])
    assert [h[0] for h in parsed.headings[:2]] == ["h1", "h2"]
    assert parsed.headings[1][1] == SECTION_ANCHORS.get("key_messages", "key-messages")
    ids = [h[1] for h in parsed.headings if h[0] == "h2"]
    for topic, anchor in (
        ("level", "level-and-trend"),
        ("deprivation", "deprivation"),
        ("ethnicity", "ethnic-groups"),
        ("data", "data-and-methods"),
        ("disclosure", "disclosure"),
    ):
        assert SECTION_ANCHORS.get(topic, anchor) in ids, topic
    assert len(ids) == len(set(ids))  # one heading per anchor
    alts = _image_alts(page)
    assert 6 <= len(alts) <= 8 and parsed.figcaptions == len(alts)  # each with its caption
    assert "<details>" not in page and "Text description of this chart" not in page
    assert parsed.tables == []  # full tables are in the annex
    words = re.sub(r"data:image/[^\"')]+", "", page)  # not the images' base64 (may hold "AIC")
    for annex_only in ("Model fit", "Funnel plot", "Exclusion flow", "c-statistic", "AIC"):
        assert annex_only not in words, annex_only
    assert f"{AREA}_annex.html" in page  # points the reader to the annex
    assert page.count("withheld to protect confidentiality") == 1  # one note on disclosure


def test_annex_prints_each_charts_long_description(rendered, published):
    page = htmlmod.unescape(rendered["annex"].read_text(encoding="utf-8"))
    for alt_file in sorted(published["figures_dir"].glob("*.txt")):
        text = alt_file.read_text(encoding="utf-8").strip()
        assert f"<p>{text}</p>" in page, alt_file.name  # visible, not only alt text


def test_table_notes_are_said_once_per_section(rendered):
    page = rendered["annex"].read_text(encoding="utf-8")
    marker = notes.withheld_sentence(DISCLOSURE)
    sections = page.split("<h2 ")[1:]
    assert len(sections) >= 8
    assert sum(s.count(marker) for s in sections) >= 3  # the notes are still there ...
    for section in sections:
        assert section.count(marker) <= 1, section[:80]  # ... once per section
        assert section.count("Notes to the tables.") <= 1


def test_notes_once_gathers_each_sentence_once():
    one = pd.DataFrame({"Group": ["A"], "n": ["1"]})
    section = blocks.Section(
        "S",
        2,
        [
            blocks.Table(one, "first", "[c] withheld. Counts are rounded."),
            blocks.Section("s", 3, [blocks.Table(one, "second", "Counts are rounded. Also (x).")]),
        ],
    )
    out = blocks.block_html(blocks.notes_once(section))
    assert out.count("Counts are rounded.") == 1 and out.count("[c] withheld.") == 1
    assert out.index("second") < out.index("Notes to the tables.")  # at the section's end
    assert "Also (x)." in out
    bare = blocks.Section("S", 2, [blocks.Sentences(["Text."])])
    assert blocks.notes_once(bare) == bare


def test_a_true_zero_is_shown_one_way_and_never_as_the_marker(rendered):
    for text in ("0", "0.0", "0.00", "0.0%", " 0 "):
        assert blocks.cell_text(text) == blocks.ZERO
    for text in ("[c]", "10", "0.05", "–", "x", "0.0 to 1.2"):
        assert blocks.cell_text(text) == text
    for key in ("html", "annex"):
        cells = [c for t in _page(rendered[key]).tables for row in t["rows"] for c in row]
        zeros = [c for c in cells if re.fullmatch(r"0(\.0+)?%?", c)]
        assert set(zeros) <= {blocks.ZERO}, key


def _count(text: str) -> int | None:
    return None if text in ("[c]", "") else int(text.replace(",", ""))


def test_published_exclusion_flow_still_adds_up(rendered):
    flow = next(
        t for t in _page(rendered["annex"]).tables if t["caption"].startswith("Birth records")
    )
    header, *rows = flow["rows"]
    assert header == ["Step", "Records", "Records remaining", "Type"]
    base = DISCLOSURE.get("rounding_base") or 1
    withheld_max = DISCLOSURE.get("suppress_max") or 0
    remaining, withheld, checked = None, 0, 0
    for step, records, left, kind in rows:
        if kind == "Counted" and remaining is None:
            remaining = _count(left)
        elif kind == "Removed":
            if _count(records) is None:
                withheld += 1  # the count and what remains after it are withheld
                continue
            if _count(left) is not None:
                gap = remaining - _count(records) - _count(left)
                # rounded counts differ by at most 1.5 rounding bases; withheld rows by their range
                assert -1.5 * base <= gap <= withheld * withheld_max + 1.5 * base, step
                remaining, withheld, checked = _count(left), 0, checked + 1
    assert checked >= 2
    study = next(r for r in rows if r[0] == "Live births in the study")
    assert abs(_count(study[1]) - remaining) <= withheld * withheld_max + 1.5 * base


def test_split_notebook_keeps_untagged_cells_in_both_documents():
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "a = 1"},
            {"cell_type": "code", "metadata": {}, "source": "b = 2"},
            {"cell_type": "code", "metadata": {"tags": ["committee"]}, "source": "c"},
            {"cell_type": "code", "metadata": {"tags": ["annex"]}, "source": "d"},
        ],
        "metadata": {"area": "Northbrook", "title": "x"},
    }
    committee = rendering.split_notebook(notebook, "committee")
    annex = rendering.split_notebook(notebook, "annex")
    assert [c["source"] for c in committee["cells"]] == ["a = 1", "b = 2", "c"]
    assert [c["source"] for c in annex["cells"]] == ["a = 1", "b = 2", "d"]
    assert "committee" in committee["metadata"]["title"] and "annex" in annex["metadata"]["title"]
    assert "area" not in annex["metadata"]
    with pytest.raises(ValueError):
        rendering.split_notebook(notebook, "both")


def test_index_shows_release_date_version_and_links_both_documents(tmp_path, monkeypatch):
    from birthgaps.appendix.index import package_version, produced_date

    index = tmp_path / "published" / "index.html"
    folder = tmp_path / "published" / "appendix"
    paths = {code: str(folder / f"{code}.html") for code in AREAS}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764806400")  # 2025-12-04 00:00 UTC
    write_index(
        "demo",
        "Demo release",
        AREAS,
        paths,
        True,
        index,
        pdf_paths={code: str(folder / f"{code}.pdf") for code in AREAS},
        workbook=tmp_path / "published" / "birthgaps_demo.xlsx",
        annex_paths={code: str(folder / f"{code}_annex.html") for code in AREAS},
        annex_pdf_paths={code: str(folder / f"{code}_annex.pdf") for code in AREAS},
    )
    page = index.read_text(encoding="utf-8")
    assert "Demo release (<code>demo</code>)" in page
    assert "<dd>4 December 2025</dd>" in page
    assert f"<dd>birthgaps {package_version()}</dd>" in page and package_version() != ""
    for code in AREAS:
        for target in (f"{code}.html", f"{code}.pdf", f"{code}_annex.html", f"{code}_annex.pdf"):
            assert f'href="appendix/{target}"' in page, target
    assert 'href="birthgaps_demo.xlsx"' in page
    first = index.read_bytes()
    write_index("demo", "Demo release", AREAS, paths, True, index)
    write_index(
        "demo",
        "Demo release",
        AREAS,
        paths,
        True,
        index,
        pdf_paths={code: str(folder / f"{code}.pdf") for code in AREAS},
        workbook=tmp_path / "published" / "birthgaps_demo.xlsx",
        annex_paths={code: str(folder / f"{code}_annex.html") for code in AREAS},
        annex_pdf_paths={code: str(folder / f"{code}_annex.pdf") for code in AREAS},
    )
    assert index.read_bytes() == first  # same inputs and epoch: same bytes
    assert produced_date({"SOURCE_DATE_EPOCH": "0"}) == "1 January 1970"
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        produced_date({"SOURCE_DATE_EPOCH": "yesterday"})
