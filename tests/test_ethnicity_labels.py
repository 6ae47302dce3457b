"""Ethnicity text labels -> NHS codes: a label maps only to a code of the group its heading names,
checked against the full ONS 2021 census and NHS Data Dictionary labels in their written variants;
unrecognised and heading-only labels are listed by text with counts in the validation report.
"""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pytest

from birthgaps.clean.cleaning import clean_births
from birthgaps.core.codes import (
    ETHNIC_CATEGORY_LABELS,
    ETHNIC_CATEGORY_TO_GROUP,
    REQUIRED_COLUMNS,
)
from birthgaps.ingest.ethnicity_labels import ETHNIC_LABELS, ethnic_code_for_label, match_label
from birthgaps.ingest.extract import ingest_release
from birthgaps.ingest.validation import LABEL_CHARS, LABELS_LISTED

# --------------------------------------------------------------------------------------------
# Reference labels: (heading, detail) -> NHS code
# --------------------------------------------------------------------------------------------

ONS_2021 = {
    "Asian, Asian British or Asian Welsh": {
        "Bangladeshi": "K",
        "Chinese": "R",
        "Indian": "H",
        "Pakistani": "J",
        "Other Asian": "L",
        "Any other Asian background": "L",
    },
    "Black, Black British, Black Welsh, Caribbean or African": {
        "African": "N",
        "Caribbean": "M",
        "Other Black": "P",
        "Any other Black, Black British or Caribbean background": "P",
    },
    "Mixed or Multiple ethnic groups": {
        "White and Asian": "F",
        "White and Black African": "E",
        "White and Black Caribbean": "D",
        "Other Mixed or Multiple ethnic groups": "G",
        "Any other Mixed or Multiple background": "G",
    },
    "White": {
        "English, Welsh, Scottish, Northern Irish or British": "A",
        "Irish": "B",
        "Gypsy or Irish Traveller": "C",
        "Roma": "C",
        "Other White": "C",
        "Any other White background": "C",
    },
    "Other ethnic group": {"Arab": "S", "Any other ethnic group": "S"},
}
#: The 19 categories of the ONS 2021 classification (output wording).
ONS_2021_CATEGORIES = [
    (heading, detail, code)
    for heading, details in ONS_2021.items()
    for detail, code in details.items()
    if not detail.startswith("Any other") or heading == "Other ethnic group"
]

NHS_2001 = {
    "White": {"British": "A", "Irish": "B", "Any other White background": "C"},
    "Mixed": {
        "White and Black Caribbean": "D",
        "White and Black African": "E",
        "White and Asian": "F",
        "Any other mixed background": "G",
    },
    "Asian or Asian British": {
        "Indian": "H",
        "Pakistani": "J",
        "Bangladeshi": "K",
        "Any other Asian background": "L",
    },
    "Black or Black British": {
        "Caribbean": "M",
        "African": "N",
        "Any other Black background": "P",
    },
    "Other Ethnic Groups": {"Chinese": "R", "Any other ethnic group": "S"},
}
NHS_2001_CATEGORIES = [(h, d, c) for h, details in NHS_2001.items() for d, c in details.items()]

#: Other headings in use: the 2011 census, the 2021 consultation's slashes, common short forms.
OTHER_HEADINGS = {
    "Asian/Asian British": "Asian",
    "Asian/Asian Welsh/Asian British": "Asian",
    "Asian British": "Asian",
    "British Asian": "Asian",
    "Asian": "Asian",
    "Black/African/Caribbean/Black British": "Black",
    "Black/Black Welsh/Black British/Caribbean/African": "Black",
    "Black British": "Black",
    "Black": "Black",
    "Mixed/Multiple ethnic groups": "Mixed",
    "Mixed/multiple ethnic group": "Mixed",
    "Other": "Other",
}
SEPARATORS = [" - ", ": ", "/", ", ", " \u2013 ", "\u2014", " -", ":"]


def variants(heading: str, detail: str) -> list[str]:
    """A label written in the ways exports write it: separators, case and extra spaces."""
    out = [f"{heading}{sep}{detail}" for sep in SEPARATORS]
    plain = f"{heading} - {detail}"
    out += [plain.upper(), plain.lower(), f"  {heading}   -  {detail.replace(' ', '  ')} "]
    return out


def reference_cases() -> list[tuple[str, str]]:
    """(label, code) for every reference category in every variant."""
    cases = []
    for heading, detail, code in ONS_2021_CATEGORIES + NHS_2001_CATEGORIES:
        cases += [(label, code) for label in variants(heading, detail)]
    for heading, details in ONS_2021.items():  # questionnaire wording of the "any other" boxes
        cases += [(f"{heading}: {d}", c) for d, c in details.items()]
    for heading, group in OTHER_HEADINGS.items():
        for _, detail, code in NHS_2001_CATEGORIES:
            if ETHNIC_CATEGORY_TO_GROUP[code] == group and detail not in {"British", "Irish"}:
                cases += [(label, code) for label in variants(heading, detail)]
    return cases


def test_the_reference_lists_are_complete():
    assert len(ONS_2021_CATEGORIES) == 19
    assert sorted({c for _, _, c in NHS_2001_CATEGORIES}) == sorted(
        c for c in ETHNIC_CATEGORY_TO_GROUP if c not in {"Z", "99"}
    )


@pytest.mark.parametrize(("label", "code"), reference_cases())
def test_reference_labels_in_their_written_variants(label, code):
    assert match_label(label) == (code, False)


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Black/African/Caribbean/Black British: African", "N"),
        (
            "Black/African/Caribbean/Black British: Any other Black/African/Caribbean background",
            "P",
        ),
        ("White: English/Welsh/Scottish/Northern Irish/British", "A"),
        ("Mixed/Multiple ethnic groups: Any other Mixed/Multiple ethnic background", "G"),
        ("Mixed/multiple ethnic group: Black Caribbean and White", "D"),
        ("Mixed/multiple ethnic group: Asian and White", "F"),
        ("Asian British - Pakistani", "J"),
        ("Asian British - Indian", "H"),
        ("Black British - Caribbean", "M"),
        ("British Asian: Bangladeshi", "K"),
        ("Black/Black Welsh/Black British/Caribbean/African: African background", "N"),
        ("White British", "A"),
        ("White English", "A"),
        ("White - Northern Irish", "A"),
        ("White Irish", "B"),
        ("White Other", "C"),
        ("Other White", "C"),
        ("Black African", "N"),
        ("Black Caribbean", "M"),
        ("Black Other", "P"),
        ("Asian Other", "L"),
        ("Mixed Other", "G"),
        ("Mixed - White & Black African", "E"),
        ("Mixed: White/Black Caribbean", "D"),
        ("Mixed - White/Asian", "F"),
        ("White and Black Caribbean", "D"),
        ("Indian", "H"),
        ("British Pakistani", "J"),
        ("Chinese", "R"),
        ("Arab", "S"),
        ("Gypsy/Roma", "C"),
        ("Irish Traveller", "C"),
        ("Any other ethnic group", "S"),
        ("Not stated", "Z"),
        ("White - Other", "C"),
        ("Asian - Other", "L"),
        ("Other - Other", "S"),
        ("Not Known", "99"),
        ("PREFER NOT TO SAY", "Z"),
    ],
)
def test_common_variants(label, code):
    assert match_label(label) == (code, False)


def test_nhs_wording_of_every_code_reads_back():
    for code, label in ETHNIC_CATEGORY_LABELS.items():
        assert ethnic_code_for_label(label) == code, label


# --------------------------------------------------------------------------------------------
# Never the wrong group
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Black British", None),
        ("Asian British", None),
        ("British Asian", None),
        ("BLACK  BRITISH", None),
        ("black british ", None),
        ("Black or Black British", None),
        ("Asian or Asian British", None),
        ("Black British - Caribbean", "M"),
        ("Black British: African", "N"),
        ("Asian British - Indian", "H"),
        ("British Asian - Other", "L"),
    ],
)
def test_black_and_asian_british_are_never_white_british(label, code):
    assert ethnic_code_for_label(label) == code
    assert ethnic_code_for_label(label) != "A"


@pytest.mark.parametrize(
    "label",
    [
        # bare headings: they do not say which category
        "White",
        "Mixed",
        "Asian",
        "Black",
        "Mixed or Multiple ethnic groups",
        "Black, Black British, Black Welsh, Caribbean or African",
        "Asian - British",
        "Black - Black British",
        "Asian/Asian British: Asian British",
        "Mixed - British",
        "Black Caribbean or African",
        # national identities found in every group
        "British",
        "English",
        "Welsh",
        "Scottish",
        "Northern Irish",
        "Irish",
        # a detail of another group, or "not stated", under a heading
        "White - Caribbean",
        "White - Black Caribbean",
        "White/Asian",
        "Other - White British",
        "Mixed or Multiple ethnic groups - Pakistani",
        "Mixed/multiple ethnic group: Gypsy",
        "White - African",
        "White - Chinese",
        "White: White and Asian",
        "White - Any other ethnic group",
        "White - Not stated",
        "White - unknown",
        "Asian - Caribbean",
        "Asian or Asian British - Black African",
        "Black or Black British - Indian",
        "Black - Mixed",
        "Mixed - Pakistani",
        "Mixed: White British",
        "Other ethnic group: Indian",
        "Other ethnic group: Black",
        # leading code and text of different groups
        "A - Black British",
        "N - White",
        "S - Chinese",
        "H - Black African",
        "Z - White British",
        "A - Polish Black",
        "C - Mixed European",
        # nothing known
        "Martian",
        "",
    ],
)
def test_unrecognised_labels(label):
    assert match_label(label) == (None, False)


#: Words that name a group ("multiple" as in "Mixed or Multiple ethnic groups").
GROUP_WORDS = {
    "white": "White",
    "mixed": "Mixed",
    "multiple": "Mixed",
    "asian": "Asian",
    "black": "Black",
}


def property_labels() -> list[str]:
    """Every heading x detail x separator, bare details, and leading codes with texts."""
    headings = [*ONS_2021, *NHS_2001, *OTHER_HEADINGS, "Other", "White", "Mixed"]
    details = {d for _, d, _ in ONS_2021_CATEGORIES + NHS_2001_CATEGORIES}
    details |= set(ETHNIC_LABELS) | {"Eastern European", "Polish", "Sri Lankan", "Somali"}
    details |= {"Kurdish", "British", "Irish", "English", "Other", "Not stated", "Black British"}
    details |= {"Asian British", "White British", "Any other", "Other background"}
    details = sorted(details)
    labels = details + [
        f"{h}{s}{d}" for h, d, s in itertools.product(headings, details, [" - ", ": ", "/"])
    ]
    return labels + [f"{c} - {d}" for c, d in itertools.product(ETHNIC_CATEGORY_TO_GROUP, details)]


def test_property_a_label_naming_one_group_maps_into_that_group_or_nowhere():
    checked = 0
    for label in property_labels():
        words = re.findall(r"[a-z]+", label.lower())
        groups = {GROUP_WORDS[w] for w in words if w in GROUP_WORDS}
        if len(groups) != 1:
            continue
        code = ethnic_code_for_label(label)
        assert code is None or ETHNIC_CATEGORY_TO_GROUP[code] == groups.pop(), (label, code)
        checked += 1
    assert checked > 2000


# --------------------------------------------------------------------------------------------
# Headings with an unlisted detail; leading codes; the source's own labels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("White - Eastern European", "C"),
        ("White: Polish", "C"),
        ("WHITE - POLISH", "C"),
        ("Other White European", "C"),
        ("Asian - Sri Lankan", "L"),
        ("Asian or Asian British: Kashmiri", "L"),
        ("Black - Somali", "P"),
        ("Black or Black British \u2013 Nigerian", "P"),
        ("Mixed - White and Chinese", "G"),
        ("Other ethnic group: Kurdish", "S"),
    ],
)
def test_a_known_heading_with_an_unlisted_detail_is_the_groups_other_code(label, code):
    assert match_label(label) == (code, True)


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("N - African", "N"),
        ("N: Black African", "N"),
        ("a - White British", "A"),
        ("C - Polish", "C"),
        ("P - Black Somali", "P"),
        ("N - Nigerian", "N"),
        ("R - Chinese", "R"),
        ("R - Other Ethnic Groups: Chinese", "R"),
        ("L - Other", "L"),
        ("Z - Not stated", "Z"),
        ("99 - Not known", "99"),
        ("n", "N"),
        ("99", "99"),
    ],
)
def test_a_leading_code_still_works_when_its_text_agrees(label, code):
    assert ethnic_code_for_label(label) == code


def test_the_sources_own_labels_win_over_every_built_in_rule():
    own = {
        "Black British": "M",
        "White - Polish": "A",
        "other": "Z",
        "N - African": "P",
        "  asian british: INDIAN ": "L",
    }
    assert match_label("Black British", own) == ("M", False)
    assert match_label("White: Polish", own) == ("A", False)  # compared after normalising
    assert match_label("Other", own) == ("Z", False)
    assert match_label("N - African", own) == ("P", False)
    assert match_label("Asian British - Indian", own) == ("L", False)
    assert match_label("Kurdish", own) == (None, False)


# --------------------------------------------------------------------------------------------
# Through ingest: the report lists labels by text with counts; clean counts them
# --------------------------------------------------------------------------------------------

LABELS_SOURCE = {"preset": "canonical", "ethnicity": {"format": "labels"}}


def write_extract(path, labels: list[str]) -> str:
    """A canonical extract whose ethnicity column holds ``labels`` (one birth each)."""
    rows = [
        f'B{i:03d},2022-03-{i % 28 + 1:02d},live,39,2,3300,F,1,30,"{label}",E01000001,X1'
        for i, label in enumerate(labels)
    ]
    path.write_text("\n".join([",".join(REQUIRED_COLUMNS), *rows]) + "\n")
    return str(path)


def report_row(report: pd.DataFrame, rule: str) -> pd.Series:
    rows = report.loc[report["rule"] == rule]
    assert len(rows) == 1, report
    return rows.iloc[0]


def test_unrecognised_and_heading_only_labels_are_listed_by_text_with_counts(tmp_path, config):
    labels = (
        ["White British"] * 3
        + ["Black British"] * 3
        + ["Martian", "Asian British", "Black British - Caribbean", "Asian British - Indian"]
        + ["White - Eastern European"] * 2
        + ["Black - Somali"]
    )
    path = write_extract(tmp_path / "births.csv", labels)
    births, report = ingest_release([path], LABELS_SOURCE)
    assert births["mother_ethnic_category"].tolist() == (
        ["A"] * 3 + ["Black British"] * 3 + ["Martian", "Asian British", "M", "H", "C", "C", "P"]
    )
    unknown = report_row(report, "ethnic_code_unknown")
    assert (unknown["file"], unknown["column"], unknown["severity"]) == (
        path,
        "mother_ethnic_category",
        "exclusion",
    )
    assert int(unknown["rows"]) == 5
    assert unknown["example_rows"] == "5, 6, 7, 8, 9"
    assert '"Black British" (3), "Asian British" (1), "Martian" (1).' in unknown["description"]
    assert 'source.ethnicity.labels: {"<label>": <code>}' in unknown["description"]
    assert '{"Black British": <code>}' in unknown["description"]
    heading = report_row(report, "ethnicity_by_heading")
    assert (heading["file"], heading["column"], heading["severity"], int(heading["rows"])) == (
        path,
        "mother_ethnic_category",
        "info",
        3,
    )
    assert (
        '"White - Eastern European" -> C (2), "Black - Somali" -> P (1).'
        in (heading["description"])
    )
    # clean counts the unrecognised labels as before, never as White British
    lookup = pd.DataFrame({"lsoa_code": ["E01000001"], "imd_decile": [3]})
    clean, flow = clean_births(
        births, lookup, areas=["X1"], years=[2022], definitions=config["definitions"]
    )
    steps = dict(zip(flow["step"], flow["count"], strict=True))
    assert steps["ethnicity_unrecognised"] == 5
    assert clean["ethnic_group"].value_counts()["White"] == 5


def test_the_sources_labels_remove_them_from_the_report(tmp_path):
    path = write_extract(tmp_path / "births.csv", ["Black British", "White - Polish", "Indian"])
    source = {**LABELS_SOURCE, "ethnicity": {"format": "labels", "labels": {"Black British": "M"}}}
    source["ethnicity"]["labels"]["White - Polish"] = "C"
    births, report = ingest_release([path], source)
    assert births["mother_ethnic_category"].tolist() == ["M", "C", "H"]
    assert not report["rule"].isin(["ethnic_code_unknown", "ethnicity_by_heading"]).any()


def test_long_lists_show_the_most_frequent_labels_cut_to_length(tmp_path):
    long_label = "Something written at great length in a free text box"
    labels = [f"Label {i:02d}" for i in range(LABELS_LISTED + 4)] + [long_label] * 2
    labels += ["Indian"] * 30  # mostly recognised, or the column would look like the wrong one
    path = write_extract(tmp_path / "births.csv", labels)
    _, report = ingest_release([path], LABELS_SOURCE)
    unknown = report_row(report, "ethnic_code_unknown")
    assert int(unknown["rows"]) == LABELS_LISTED + 6
    shown = long_label[: LABEL_CHARS - 1] + "\u2026"
    assert unknown["description"].index(f'"{shown}" (2)') < unknown["description"].index(
        '"Label 00" (1)'
    )
    assert long_label not in unknown["description"]
    assert f'"Label {LABELS_LISTED - 2:02d}" (1)' in unknown["description"]
    assert f'"Label {LABELS_LISTED - 1:02d}"' not in unknown["description"]
    assert "and 5 more labels" in unknown["description"]


def test_unknown_codes_are_listed_too(tmp_path):
    path = write_extract(tmp_path / "births.csv", ["A", "Q", "Q", "T", "n"])
    births, report = ingest_release([path], "canonical")
    assert births["mother_ethnic_category"].tolist() == ["A", "Q", "Q", "T", "N"]
    unknown = report_row(report, "ethnic_code_unknown")
    assert (int(unknown["rows"]), unknown["example_rows"]) == (3, "3, 4, 5")  # CSV lines
    assert '"Q" (2), "T" (1).' in unknown["description"]
    assert "ethnicity_by_heading" not in set(report["rule"])
