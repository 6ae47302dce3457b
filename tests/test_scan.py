"""The final disclosure scan: a clean published tree passes, every planted breach is caught with its
file and kind, values that identify are never echoed, and ordinary numbers are not mistaken."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import Workbook
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from birthgaps.core.errors import InputError
from birthgaps.publish import scan
from birthgaps.publish.scan import nhs_check_digit_valid, scan_published

REPO = Path(__file__).resolve().parents[1]
RULES = {
    "suppress_min": 1,
    "suppress_max": 7,
    "rounding_base": 5,
    "last_birth_date": "2024-12-31",
    "allowed_dates": ["2019-01-01", "2024-12-31"],
}
NHS_VALID = "4010232137"  # Modulus 11: 4*10+0*9+1*8+0*7+2*6+3*5+2*4+1*3+3*2 = 92; 11 - 92 % 11 = 7
NHS_VALID_SPACED = "943 476 5919"  # 299 % 11 = 2; 11 - 2 = 9
NHS_BAD_DIGIT = "4010232138"  # right shape, wrong check digit
NHS_CHECK_TEN = "1234567890"  # 210 % 11 = 1: check digit would be 10, never issued
BABY_ID = "SYN8D31537DB5"
LOCAL_LSOA = "LOCAL-LSOA-0042"  # a mother's area in a coding the LSOA pattern does not know

HEADER = "release,data,area_code,area_name,outcome,dimension,group"


def _rates_csv() -> str:
    """A published rates table: rounded counts, a suppressed row, percentages, a year group."""
    rows = [
        f"{HEADER},events,denominator,percent,lower_95,upper_95,suppressed,flag",
        "demo,SYNTHETIC,X06000001,Northbrook,preterm,overall,All,1885,23555,8.0,7.66,8.35,False,",
        "demo,SYNTHETIC,X06000001,Northbrook,preterm,year,2019,300,4000,7.5,6.7,8.4,False,",
        "demo,SYNTHETIC,X06000001,Northbrook,preterm,ethnic_group,Other,,,,,,True,c",
        "demo,SYNTHETIC,X06000001,Northbrook,preterm,age_band,<20,0,15,0.0,0.0,20.4,False,",
        "demo,SYNTHETIC,X06000001,Northbrook,preterm,age_band,40+,25,,,,,False,",
    ]
    return "\n".join(rows) + "\n"


def _inequality_csv() -> str:
    """Inequality rows: the flag hides the statistic and excess, not the group's own counts."""
    rows = [
        f"{HEADER},events,denominator,value,lower_95,upper_95,excess_events,p_value,suppressed,flag",
        "demo,SYNTHETIC,X06000001,Northbrook,lbw,imd_quintile,1,1050,10860,1.8002,1.4622,2.2164,465,3.02e-08,False,",
        "demo,SYNTHETIC,X06000001,Northbrook,lbw,imd_quintile,4,105,1970,,,,,,True,c",
        "demo,SYNTHETIC,X06000001,Northbrook,lbw,imd_quintile,3,230,3395,0.93,0.72,1.2,-10,0.4010232137,False,",
    ]
    return "\n".join(rows) + "\n"


PAGE = """<!DOCTYPE html>
<html><head><title>Northbrook appendix</title>
<style>.x {{ color: #1a1a1a; }} /* 4010232137 in a stylesheet is not text */</style></head>
<body>
<p>SYNTHETIC DATA: Preterm birth was 8.3% (95% CI 8.0 to 8.7) in 2019&ndash;2024, 7.5% in 2019;
odds ratio 1.50 in IMD quintile 1. Area X06000001. Births from 1 January 2019 to 31 December 2024.</p>
<p>Reference numbers that are not NHS numbers: {bad_digit}, {check_ten}; a hash a{valid}b9f.</p>
<figure><img src="data:image/png;base64,iVBORw0KGgo{valid}AAAA" alt="Line chart of preterm birth by year, 2019 to 2024."></figure>
<table><caption>Preterm birth by deprivation</caption>
<thead><tr><th scope="col">IMD quintile</th><th scope="col">Live births</th><th scope="col">%</th>
<th scope="col">Excess events</th></tr></thead>
<tbody><tr><th scope="row">1</th><td>10,825</td><td>9.8</td><td>-10</td></tr>
<tr><th scope="row">Other</th><td>c</td><td>c</td><td></td></tr>
<tr><th scope="row">5</th><td>1,700</td><td>6.2</td><td>0</td></tr></tbody></table>
{extra}
<footer>Produced 26 November 2026 (2026-11-26) by birthgaps.</footer>
</body></html>
"""

SVG = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 432">
 <style type="text/css">*{{stroke-linejoin: round}}</style>
 <title>Preterm birth by year</title>
 <g id="text_1"><!-- 2019 -->
  <path id="DejaVuSans-48" d="M 3597 1894 L 953 1613 Q 991 1019 1311 708 Q 884 353 1716 397"/>
 </g>
 {extra}
</svg>
"""


def _page(extra: str = "") -> str:
    return PAGE.format(
        bad_digit=NHS_BAD_DIGIT, check_ten=NHS_CHECK_TEN, valid=NHS_VALID, extra=extra
    )


def _png(path: Path, text: str = "Matplotlib version 3.11") -> None:
    info = PngInfo()
    info.add_text("Software", text)
    Image.new("RGB", (4, 4), "white").save(path, pnginfo=info)


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    """A small clean published tree (tables, index, appendix, figures) and a restricted extract."""
    root = tmp_path / "published"
    (root / "tables").mkdir(parents=True)
    (root / "appendix").mkdir()
    figures = root / "figures" / "X06000001"
    figures.mkdir(parents=True)
    (root / "tables" / "rates.csv").write_text(_rates_csv(), encoding="utf-8")
    (root / "tables" / "inequality.csv").write_text(_inequality_csv(), encoding="utf-8")
    (root / "tables" / "models.csv").write_text(
        "release,area_code,term,level,odds_ratio,p_value,n_births,n_events,note\n"
        'demo,X06000001,imd_quintile,1,1.6025,1.0639480609893472e-05,22070,1835,"complete cases: '
        '1,405 of 23,475 births left out"\n',
        encoding="utf-8",
    )
    (root / "tables" / "exclusion_flow.csv").write_text(
        "release,step,description,count,remaining,suppressed,flag\n"
        "demo,received,Birth records in the extract,60390,60390,False,\n"
        "demo,other_areas,Mother resident outside the study areas,,,True,c\n",
        encoding="utf-8",
    )
    (root / "index.html").write_text(_page(), encoding="utf-8")
    (root / "appendix" / "X06000001.html").write_text(_page(), encoding="utf-8")
    (figures / "preterm_by_year.svg").write_text(SVG.format(extra=""), encoding="utf-8")
    (figures / "preterm_by_year.txt").write_text(
        "Line chart of preterm birth by year. 2019 8.0% (95% CI 7.0 to 8.9).\n", encoding="utf-8"
    )
    _png(figures / "preterm_by_year.png")
    (figures / ".snakemake_timestamp").write_text("", encoding="utf-8")
    restricted = tmp_path / "restricted" / "births.parquet"
    restricted.parent.mkdir()
    pd.DataFrame(
        {
            "baby_id": [BABY_ID, "SYN0000000001", "B12"],  # B12: too short to look up safely
            "birth_date": pd.to_datetime(["2021-03-14", "2020-07-01", "2022-01-05"]),
            "mother_lsoa": ["X01000323", LOCAL_LSOA, None],
        }
    ).to_parquet(restricted, index=False)
    return {"root": root, "restricted": restricted, "figures": figures}


def _scan(tree: dict[str, Path], rules: dict | None = None) -> pd.DataFrame:
    return scan_published(tree["root"], rules=rules or RULES, restricted=tree["restricted"])


# --------------------------------------------------------------------------------------------
# The check digit and the clean tree
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        (NHS_VALID, True),
        (NHS_VALID_SPACED.replace(" ", ""), True),
        (NHS_BAD_DIGIT, False),
        (NHS_CHECK_TEN, False),
        ("9434765918", False),
        ("401023213", False),  # nine digits
    ],
)
def test_nhs_check_digit(digits: str, valid: bool) -> None:
    assert nhs_check_digit_valid(digits) is valid


def test_clean_tree_passes_with_its_ordinary_numbers_and_dates(tree) -> None:
    """Years, percentages, p-values, zero and negative rounded counts, area codes, numbers failing
    Modulus 11, a hash, base64 image data, the period's own bounds and the run date: no finding."""
    findings = _scan(tree)
    assert list(findings.columns) == ["file", "location", "kind", "detail"]
    assert findings.empty, findings.to_string()


def test_clean_tree_passes_without_restricted_extract(tree) -> None:
    assert scan_published(tree["root"], rules=RULES, restricted=None).empty


# --------------------------------------------------------------------------------------------
# Planted breaches: each is caught, in the right file, of the right kind
# --------------------------------------------------------------------------------------------


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append_row(path: Path, row: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")


ROW = "demo,SYNTHETIC,X06000001,Northbrook,preterm,age_band,{group},{events},{denominator},1.2,1.0,1.4,False,"


def plant_count_of_3(tree):
    _append_row(
        tree["root"] / "tables/rates.csv", ROW.format(group="35-39", events=3, denominator=250)
    )
    return "tables/rates.csv", "small_count", "3"


def plant_unrounded_23(tree):
    _append_row(
        tree["root"] / "tables/rates.csv", ROW.format(group="30-34", events=23, denominator=250)
    )
    return "tables/rates.csv", "unrounded_count", "23"


def plant_unrounded_denominator(tree):
    _append_row(
        tree["root"] / "tables/rates.csv", ROW.format(group="30-34", events=20, denominator=251)
    )
    return "tables/rates.csv", "unrounded_count", "251"


def plant_small_n_events(tree):
    _replace(tree["root"] / "tables/models.csv", ",22070,1835,", ",22070,6,")
    return "tables/models.csv", "small_count", "6"


def plant_suppressed_count_shown(tree):
    _replace(tree["root"] / "tables/rates.csv", "Other,,,,,,True,c", "Other,5,120,,,,True,c")
    return "tables/rates.csv", "suppressed_not_blank", None


def plant_suppressed_statistic_shown(tree):
    _replace(tree["root"] / "tables/inequality.csv", "1970,,,,,,True,c", "1970,1.21,,,,,True,c")
    return "tables/inequality.csv", "suppressed_not_blank", None


def plant_small_count_in_flow(tree):
    _replace(
        tree["root"] / "tables/exclusion_flow.csv", "study areas,,,True,c", "study areas,4,,False,"
    )
    return "tables/exclusion_flow.csv", "small_count", "4"


def plant_text_in_count_column(tree):
    _append_row(
        tree["root"] / "tables/rates.csv", ROW.format(group="x", events="<5", denominator=250)
    )
    return "tables/rates.csv", "count_not_number", None


def plant_nhs_in_paragraph(tree):
    _replace(
        tree["root"] / "appendix/X06000001.html", "</footer>", f"</footer><p>NHS {NHS_VALID}</p>"
    )
    return "appendix/X06000001.html", "nhs_number", NHS_VALID


def plant_spaced_nhs_in_alt(tree):
    _replace(
        tree["root"] / "appendix/X06000001.html",
        'alt="Line chart',
        f'alt="Baby {NHS_VALID_SPACED}. Line chart',
    )
    return "appendix/X06000001.html", "nhs_number", NHS_VALID_SPACED


def plant_postcode(tree):
    _replace(tree["root"] / "index.html", "</footer>", "</footer><p>Mother lives at LS1 4AP.</p>")
    return "index.html", "postcode", "LS1 4AP"


def plant_lowercase_postcode_in_svg(tree):
    (tree["figures"] / "preterm_by_year.svg").write_text(
        SVG.format(extra="<text>sw1a 1aa</text>"), encoding="utf-8"
    )
    return "figures/X06000001/preterm_by_year.svg", "postcode", "sw1a 1aa"


def plant_baby_id_in_alt_text_file(tree):
    _append_row(tree["figures"] / "preterm_by_year.txt", f"Outlier: baby {BABY_ID}.")
    return "figures/X06000001/preterm_by_year.txt", "baby_id", BABY_ID


def plant_baby_id_in_csv(tree):
    _replace(tree["root"] / "tables/models.csv", "births left out", f"births left out ({BABY_ID})")
    return "tables/models.csv", "baby_id", BABY_ID


def plant_lsoa_code(tree):
    _append_row(
        tree["root"] / "tables/rates.csv", ROW.format(group="E01001234", events=10, denominator=250)
    )
    return "tables/rates.csv", "lsoa_code", "E01001234"


def plant_mother_lsoa_of_extract(tree):
    _replace(tree["root"] / "index.html", "</footer>", f"</footer><p>Area {LOCAL_LSOA}</p>")
    return "index.html", "mother_lsoa", LOCAL_LSOA


def plant_date_of_birth_in_csv(tree):
    _replace(
        tree["root"] / "tables/models.csv", "births left out", "births left out, born 2021-03-14"
    )
    return "tables/models.csv", "date_of_birth", "2021-03-14"


def plant_uk_date_of_birth_in_svg_comment(tree):
    (tree["figures"] / "preterm_by_year.svg").write_text(
        SVG.format(extra="<!-- 14/03/2021 -->"), encoding="utf-8"
    )
    return "figures/X06000001/preterm_by_year.svg", "date_of_birth", "14/03/2021"


def plant_written_date_of_birth(tree):
    _replace(tree["root"] / "index.html", "</footer>", "</footer><p>Born on 14th March 2021.</p>")
    return "index.html", "date_of_birth", "14th March 2021"


def plant_mother_date_of_birth(tree):
    _replace(tree["root"] / "index.html", "</footer>", "</footer><p>Mother born 1990-06-02.</p>")
    return "index.html", "date_of_birth", "1990-06-02"


def plant_small_count_in_html_table(tree):
    _replace(tree["root"] / "appendix/X06000001.html", "<td>1,700</td>", "<td>6</td>")
    return "appendix/X06000001.html", "small_count", None


def plant_nhs_in_png_text(tree):
    _png(tree["figures"] / "preterm_by_year.png", f"patient {NHS_VALID}")
    return "figures/X06000001/preterm_by_year.png", "nhs_number", NHS_VALID


def plant_notebook_output(tree):
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Appendix"]},
            {
                "cell_type": "code",
                "source": ["births.head()"],
                "outputs": [
                    {
                        "output_type": "stream",
                        "name": "stdout",
                        "text": [f"{BABY_ID} 2021-03-14\n"],
                    },
                    {
                        "output_type": "display_data",
                        "data": {"text/html": [f"<p>{NHS_VALID}</p>"], "image/png": "iVBORw0KGgo"},
                    },
                ],
            },
        ]
    }
    (tree["root"] / "appendix" / "X06000001.ipynb").write_text(
        json.dumps(notebook), encoding="utf-8"
    )
    return "appendix/X06000001.ipynb", "nhs_number", NHS_VALID


def plant_workbook_count(tree):
    book = Workbook()
    sheet = book.active
    sheet.title = "Table_1"
    sheet.append(["Table 1: preterm birth by deprivation"])
    sheet.append(["IMD quintile", "Live births", "Preterm births", "Percentage (%)"])
    sheet.append(["1", 10825, 1060, 9.8])
    sheet.append(["2", 5370, 3, 7.5])
    sheet.append(["Other", "[c]", "[c]", "[c]"])
    book.save(tree["root"] / "tables" / "workbook.xlsx")
    return "tables/workbook.xlsx", "small_count", None


def plant_workbook_date_cell(tree):
    import datetime as dt

    book = Workbook()
    book.active.append(["Date of birth", dt.date(2021, 3, 14)])
    book.active.append(["Published", dt.date(2026, 11, 26)])
    book.save(tree["root"] / "tables" / "workbook.xlsx")
    return "tables/workbook.xlsx", "date_of_birth", "2021-03-14"


def plant_unknown_file_type(tree):
    (tree["root"] / "tables" / "notes.docx").write_bytes(b"PK\x03\x04")
    return "tables/notes.docx", "unscanned", None


def plant_corrupt_workbook(tree):
    (tree["root"] / "tables" / "workbook.xlsx").write_bytes(b"not a zip file")
    return "tables/workbook.xlsx", "unreadable", None


PLANTS = [value for name, value in list(globals().items()) if name.startswith("plant_")]


@pytest.mark.parametrize("plant", PLANTS, ids=lambda f: f.__name__.removeprefix("plant_"))
def test_planted_breach_is_caught_and_masked(tree, plant) -> None:
    file, kind, raw = plant(tree)
    findings = _scan(tree)
    hits = findings[(findings["file"] == file) & (findings["kind"] == kind)]
    assert not hits.empty, findings.to_string()
    # nothing else in the tree is reported
    assert set(findings["file"]) == {file}, findings.to_string()
    if raw is not None and kind not in ("small_count", "unrounded_count"):
        text = " ".join(findings["location"]) + " " + " ".join(findings["detail"])
        assert raw not in text and raw.replace(" ", "") not in text


def test_findings_say_where(tree) -> None:
    plant_count_of_3(tree)
    plant_spaced_nhs_in_alt(tree)
    findings = _scan(tree).set_index("kind")
    assert findings.loc["small_count", "location"] == "row 6 (line 7), column events"
    assert "<img> alt" in findings.loc["nhs_number", "location"]
    assert findings.loc["nhs_number", "detail"].endswith("94* *** ****")


# --------------------------------------------------------------------------------------------
# Rules: dates, rounding base, extractors, restricted file
# --------------------------------------------------------------------------------------------


def test_full_dates_all_flagged_when_the_release_end_is_unknown(tree) -> None:
    rules = {k: v for k, v in RULES.items() if k != "last_birth_date"}
    findings = _scan(tree, rules)
    assert set(findings["kind"]) == {"date_of_birth"}
    assert set(findings["file"]) == {"index.html", "appendix/X06000001.html"}


def test_allowed_dates_are_configurable(tree) -> None:
    rules = {**RULES, "allowed_dates": []}
    findings = _scan(tree, rules)  # the period's bounds in the paragraph are now findings
    assert set(findings["kind"]) == {"date_of_birth"}
    assert len(findings) == 4  # two dates on each of two pages


def test_rounding_base_and_range_come_from_rules(tree) -> None:
    plant_unrounded_23(tree)
    assert _scan(tree, {**RULES, "rounding_base": 1}).empty
    findings = _scan(tree, {**RULES, "rounding_base": 1, "suppress_max": 25})
    assert set(findings["kind"]) == {"small_count"}


def test_missing_rule_is_an_input_error(tree) -> None:
    with pytest.raises(InputError, match="rounding_base"):
        scan_published(tree["root"], rules={"suppress_min": 1, "suppress_max": 7}, restricted=None)


def test_pdf_text_extractor_plugs_in(tree, monkeypatch) -> None:
    (tree["root"] / "appendix" / "X06000001.pdf").write_bytes(b"%PDF-1.7")

    def no_library(path: Path):
        raise scan.NoExtractorError("no PDF text library (pypdfium2 or pypdf) is installed")

    monkeypatch.setitem(scan.TEXT_EXTRACTORS, ".pdf", no_library)
    findings = _scan(tree)
    assert findings[["file", "kind"]].values.tolist() == [["appendix/X06000001.pdf", "unscanned"]]

    monkeypatch.setitem(scan.TEXT_EXTRACTORS, ".pdf", lambda p: [("page 2", "Lives at LS1 4AP")])
    findings = _scan(tree)
    assert findings[["file", "location", "kind"]].values.tolist() == [
        ["appendix/X06000001.pdf", "page 2", "postcode"]
    ]


def test_restricted_file_without_baby_id_is_an_input_error(tree, tmp_path) -> None:
    bad = tmp_path / "other.parquet"
    pd.DataFrame({"id": ["x"]}).to_parquet(bad)
    with pytest.raises(InputError, match="baby_id") as error:
        scan_published(tree["root"], rules=RULES, restricted=bad)
    assert error.value.column == "baby_id"


def test_short_restricted_ids_are_not_looked_up(tree) -> None:
    _replace(tree["root"] / "index.html", "</footer>", "</footer><p>Vitamin B12 advice.</p>")
    assert _scan(tree).empty


def test_breach_error_names_file_and_kind_without_values(tree) -> None:
    plant_nhs_in_paragraph(tree)
    error = scan.breach_error(_scan(tree), "logs/demo/disclosure_scan_findings.csv")
    message = error.message()
    assert "appendix/X06000001.html: nhs_number (1)" in message
    assert error.file == "appendix/X06000001.html" and error.rows == 1
    assert "disclosure_scan_findings.csv" in message
    assert NHS_VALID not in message


# --------------------------------------------------------------------------------------------
# The Snakemake script: a clean tree writes the empty report; a breach fails with exit 1 and
# leaves the findings next to the log
# --------------------------------------------------------------------------------------------


class _Smk(SimpleNamespace):
    """Enough of Snakemake's object for run_step: iterable output, named fields."""


def _smk(tree, tmp_path: Path) -> _Smk:
    report = tmp_path / "qa" / "disclosure_scan.csv"
    report.parent.mkdir(parents=True, exist_ok=True)

    class Output(list):
        pass

    output = Output([str(report)])
    output.report = str(report)
    return _Smk(
        input=SimpleNamespace(births=str(tree["restricted"])),
        output=output,
        params=SimpleNamespace(
            published=str(tree["root"]),
            rules=RULES,
            findings=str(tmp_path / "logs" / "disclosure_scan_findings.csv"),
        ),
        log=[str(tmp_path / "logs" / "scan.log")],
        rule="scan",
    )


def test_script_writes_empty_report_on_clean_tree(tree, tmp_path) -> None:
    smk = _smk(tree, tmp_path)
    runpy.run_path(str(REPO / "workflow/scripts/scan.py"), init_globals={"snakemake": smk})
    report = pd.read_csv(smk.output.report)
    assert report.empty and list(report.columns) == ["file", "location", "kind", "detail"]
    assert not Path(smk.params.findings).exists()


def test_script_fails_run_and_keeps_findings_next_to_log(tree, tmp_path, capsys) -> None:
    plant_postcode(tree)
    smk = _smk(tree, tmp_path)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(REPO / "workflow/scripts/scan.py"), init_globals={"snakemake": smk})
    assert exit_.value.code == 1
    assert not Path(smk.output.report).exists()
    kept = pd.read_csv(smk.params.findings)
    assert kept[["file", "kind"]].values.tolist() == [["index.html", "postcode"]]
    assert "LS1 4AP" not in Path(smk.params.findings).read_text()
    err = capsys.readouterr().err
    assert "rule: scan" in err and "index.html: postcode" in err
    assert "postcode" in Path(smk.log[0]).read_text()
