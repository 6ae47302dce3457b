"""Appendix notebook rendering, HTML helpers and the release index page."""

from __future__ import annotations

import json
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from birthgaps import figures, report
from birthgaps.errors import InputError

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "notebooks" / "area_appendix.ipynb"
AREA, AREA_NAME = "X06000001", "Northbrook"
AREAS = {"X06000001": "Northbrook", "X06000002": "Eastmere", "X06000003": "Southwick"}


TABLES = ("rates", "models", "flow", "trends", "inequality", "funnel")


@pytest.fixture(scope="module")
def published(tmp_path_factory, fake_indicator_tables, fake_models, fake_flow) -> dict:
    """The fake tables written as the pipeline publishes them (rates with the benchmark columns,
    the indicator tables), plus Northbrook's figure set."""
    root = tmp_path_factory.mktemp("published")
    tables = {**fake_indicator_tables, "models": fake_models, "flow": fake_flow}
    paths = {f"{name}_csv": root / "tables" / f"{name}.csv" for name in TABLES}
    paths["figures_dir"] = root / "figures" / AREA
    paths["rates_csv"].parent.mkdir(parents=True)
    for name in TABLES:
        tables[name].to_csv(paths[f"{name}_csv"], index=False)
    figures.write_area_figures(
        tables["rates"],
        fake_models,
        fake_flow,
        AREA,
        paths["figures_dir"],
        trends=tables["trends"],
        inequality=tables["inequality"],
        funnel=tables["funnel"],
        synthetic=True,
    )
    return {"root": root, **paths}


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


def _parameters(published: dict, **changes) -> dict:
    parameters = {
        "release": "demo",
        "release_label": "Demo release (synthetic data, fictional areas)",
        "area_code": AREA,
        "area_name": AREA_NAME,
        "synthetic": True,
        **{k: str(published[k]) for k in (*(f"{t}_csv" for t in TABLES), "figures_dir")},
    }
    parameters.update(changes)
    return parameters


@pytest.fixture(scope="module")
def rendered(published) -> dict:
    """Northbrook's appendix executed and rendered once."""
    out = published["root"] / "appendix"
    executed, page, log = out / f"{AREA}.ipynb", out / f"{AREA}.html", out / f"{AREA}.log"
    report.render_appendix(TEMPLATE, executed, page, _parameters(published), sys.executable, log)
    return {"executed": executed, "html": page, "log": log}


# ----------------------------------------------------------------------------- the template


def test_template_is_commit_ready():
    notebook = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert notebook["cells"][0] is code[0]
    assert "parameters" in code[0]["metadata"]["tags"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert set(report.template_parameters(TEMPLATE)) == {
        "release",
        "release_label",
        "area_code",
        "area_name",
        "synthetic",
        "rates_csv",
        "models_csv",
        "flow_csv",
        "trends_csv",
        "inequality_csv",
        "funnel_csv",
        "figures_dir",
    }


# ----------------------------------------------------------------------------- rendering


def test_rendered_html_has_content_but_no_code(rendered, published):
    page = rendered["html"].read_text(encoding="utf-8")
    assert '<html lang="en"' in page
    assert "import " not in page and "load_appendix_inputs" not in page
    assert AREA_NAME in page
    assert "SYNTHETIC DATA — fictional areas, not real births." in page
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
    assert len(alts) == 3 * (4 + 3) + 2 + 1
    for alt_file in sorted(published["figures_dir"].glob("*.txt")):
        assert alt_file.read_text(encoding="utf-8").strip() in alts, alt_file.name
    assert "data:image/png;base64," in page  # self-contained: images inline, no CDN scripts
    assert 'src="https://' not in page and 'src="http://' not in page
    assert '<th scope="col"' in page and ">c<" in page  # tables with suppressed cells


def test_same_inputs_give_the_same_page(rendered, published, tmp_path):
    again = tmp_path / "again.html"
    parameters = _parameters(published)
    report.render_appendix(TEMPLATE, tmp_path / "again.ipynb", again, parameters, sys.executable)
    assert again.read_bytes() == rendered["html"].read_bytes()


def test_executed_notebook_has_no_run_timestamps(rendered):
    notebook = json.loads(rendered["executed"].read_text(encoding="utf-8"))
    assert "start_time" not in notebook["metadata"]["papermill"]
    for cell in notebook["cells"]:
        assert "execution" not in cell["metadata"]
        assert "start_time" not in cell["metadata"].get("papermill", {})
    assert "papermill" in rendered["log"].read_text(encoding="utf-8")


def test_bad_area_fails_clearly_and_leaves_nothing(published, tmp_path):
    executed, page = tmp_path / "bad.ipynb", tmp_path / "bad.html"
    with pytest.raises(report.NotebookError) as caught:
        report.render_appendix(
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
    with pytest.raises(report.NotebookError, match="unknown notebook parameter.*area_cod"):
        report.render_appendix(TEMPLATE, executed, page, {"area_cod": AREA}, sys.executable)
    with pytest.raises(report.NotebookError, match="synthetic must be true or false"):
        report.render_appendix(
            TEMPLATE, executed, page, _parameters(published, synthetic="yes"), sys.executable
        )
    assert list(tmp_path.iterdir()) == []


def test_missing_figures_are_named(published, tmp_path):
    with pytest.raises(InputError, match="figure file"):
        report.load_appendix_inputs(**_parameters(published, figures_dir=str(tmp_path)))


# ----------------------------------------------------------------------------- HTML helpers


def test_format_rates_table_labels_and_suppression(fake_rates):
    table = report.format_rates_table(fake_rates, "X06000003", "preterm", "ethnic_group")
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
    assert list(other[1:]) == ["c", "c", "c", "c"]
    assert "c = suppressed" in table.attrs["footnote"]
    imd = report.format_rates_table(fake_rates, AREA, "preterm", "imd_quintile")
    assert imd["IMD quintile"].iloc[0] == "1 (most deprived)"
    assert " to " in imd["95% CI"].iloc[0]
    cross = report.format_rates_table(fake_rates, AREA, "lbw", "imd_quintile_by_ethnic_group")
    assert {"IMD quintile", "Ethnic group"} <= set(cross.columns)
    assert "c" in set(cross["%"])


def test_format_models_table_reference_and_too_few_events(fake_models):
    table = report.format_models_table(fake_models, "X06000003", "preterm")
    white = table[table["Group"] == "White"].iloc[0]
    assert white["Adjusted OR (95% CI)"] == "1 (reference)"
    other = table[table["Group"] == "Other"].iloc[0]
    assert other["Adjusted OR (95% CI)"] == "too few events"
    black = table[table["Group"] == "Black"].iloc[0]
    assert black["Adjusted OR (95% CI)"] == "1.50 (1.19 to 1.90)"


def test_format_flow_table_shows_c(fake_flow):
    table = report.format_flow_table(fake_flow)
    row = table[table["Step"].str.startswith("Mother resident outside")].iloc[0]
    assert row["Records"] == "c" and row["Type"] == "Removed"


def test_table_html_is_accessible():
    import pandas as pd

    frame = pd.DataFrame({"Group": ["A<b"], "%": ["1.0"]})
    out = report.table_html(frame, "Caption & more", footnote="Note")
    assert "<caption" in out and "Caption &amp; more" in out
    assert '<th scope="row"' in out and "A&lt;b" in out and "Note" in out


def test_headline_findings_come_from_the_numbers(published):
    inputs = report.load_appendix_inputs(**_parameters(published))
    sentences = report.headline_findings(inputs)
    text = " ".join(sentences)
    assert "Preterm birth in the most deprived fifth" in text
    assert "higher in the most deprived fifth" in text
    assert "1.50 (95% CI 1.19 to 1.90) for Black mothers" in text


# ----------------------------------------------------------------------------- index page


def test_write_index_links_every_area_with_banner(tmp_path):
    index = tmp_path / "published" / "index.html"
    paths = {code: str(tmp_path / "published" / "appendix" / f"{code}.html") for code in AREAS}
    report.write_index("demo", "Demo release", AREAS, paths, True, index)
    page = index.read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<title>" in page
    assert "SYNTHETIC DATA — fictional areas, not real births." in page
    for code, name in AREAS.items():
        assert f'<a href="appendix/{code}.html">{name}</a>' in page
    first = index.read_bytes()
    report.write_index("demo", "Demo release", AREAS, paths, True, index)
    assert index.read_bytes() == first

    report.write_index("demo", "Demo release", AREAS, paths, False, index)
    assert "SYNTHETIC" not in index.read_text(encoding="utf-8")


def test_write_index_needs_a_path_per_area(tmp_path):
    with pytest.raises(InputError, match="X06000003"):
        report.write_index(
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
    return report.load_appendix_inputs(**_parameters(published))


def test_rendered_html_has_the_indicator_sections(rendered):
    page = rendered["html"].read_text(encoding="utf-8")
    for text in (
        "Preterm birth: trend and comparison with All study areas",
        "Recent trend of preterm birth in Northbrook",
        "Preterm birth: inequality",
        "Slope index of inequality (percentage points)",
        "Preterm birth: funnel plot",
        "Funnel position",
        "Compared with All study areas",
    ):
        assert text in page, text


def test_trend_and_benchmark_sentences_and_tables(inputs):
    sentences = report.trend_sentences(inputs, "preterm")
    row = figures.trend_row(inputs.trends, AREA, "preterm")
    assert sentences[0].startswith(
        f"Recent trend of preterm birth in Northbrook: no significant change in 2020–2024 "
        f"(chi-squared statistic {float(row['statistic']):.2f})"
    )
    overall = inputs.rates[
        (inputs.rates["area_code"] == AREA)
        & (inputs.rates["outcome"] == "preterm")
        & (inputs.rates["dimension"] == "overall")
    ].iloc[0]
    phrase = figures.comparison_phrase(str(overall["comparison"]), "All study areas")
    label = "" if overall["comparison"] == "Similar" else f"({overall['comparison']})"
    assert any(phrase in s and label in s for s in sentences)
    table = report.format_benchmark_table(inputs, "preterm")
    assert list(table["Period"]) == [*map(str, range(2019, 2025)), "All years (2019–2024)"]
    assert list(table.columns)[-2:] == ["All study areas %", "Comparison"]
    trends = report.format_trends_table(inputs, "preterm")
    assert trends["Group"].iloc[0] == "All births" and len(trends) == 1 + 5 + 5


def test_inequality_sentences_call_a_difference_clear_only_when_the_interval_says_so(inputs):
    sentences = report.inequality_sentences(inputs, "preterm")
    rows = figures.inequality_rows(inputs.inequality, AREA, "preterm")
    q1 = figures.measure_row(rows, "rate_ratio", "1", "imd_quintile")
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
    neutral = report.AppendixInputs(**{**inputs.__dict__, "inequality": changed})
    text = " ".join(report.inequality_sentences(neutral, "preterm"))
    assert "(95% CI 0.90 to 1.60; not a clear difference)" in text
    table = report.format_inequality_table(inputs, "preterm")
    assert list(table.columns) == [
        "Measure",
        "Group",
        "Compared with",
        "Estimate",
        "95% CI",
        "Excess events",
        "Note",
    ]
    paf = table[table["Measure"] == "Attributable fraction (%)"].iloc[0]
    assert paf["Excess events"] == "c" or int(paf["Excess events"].replace(",", "")) % 5 == 0


def test_funnel_table_lists_the_area_and_its_years(inputs):
    table = report.format_funnel_table(inputs, "lbw")
    assert list(table["Period"]) == ["All years (2019–2024)", *map(str, range(2019, 2025))]
    assert set(table["Funnel position"]) <= {
        "High (0.001)",
        "High (0.025)",
        "Low (0.001)",
        "Low (0.025)",
        "Not significant",
        "c",
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
    rates.loc[mixed, ["events", "percent", "lower_95", "upper_95"]] = [0, pd.NA, pd.NA, pd.NA]
    rates.loc[mixed, ["reliability", "suppressed"]] = ["x", False]
    rates.loc[black, "reliability"] = "u"
    table = report.format_rates_table(rates, AREA, "preterm", "ethnic_group")
    row = table[table["Ethnic group"] == "Mixed"].iloc[0]
    assert (row["Preterm birth"], row["%"], row["95% CI"]) == ("0", "x", "x")
    assert table[table["Ethnic group"] == "Black"].iloc[0]["%"].endswith(" u")
    assert "x = not calculated" in table.attrs["footnote"]
    assert "Compared with All study areas" in table.columns
