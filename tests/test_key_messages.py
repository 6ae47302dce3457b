"""Key messages on the first page of the appendix (issue 11, item 2) and the many-comparisons
note (item 7): plain words from the published tables with the tables' significance rules,
5 to 8 sentences, no statistical jargon, links to the sections, readable (Flesch >= 60)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from support.fakes import (
    FAKE_AREAS,
    FAKE_DISCLOSURE,
    FAKE_OUTCOMES,
    FAKE_STATISTICS,
    fake_england_table_set,
    fake_indicator_table_set,
    fake_outcomes_table,
)

from birthgaps.appendix import comparisons, frames, messages, sections
from birthgaps.appendix.blocks import Section, Sentences, block_html
from birthgaps.appendix.inputs import AppendixInputs
from birthgaps.appendix.wording import natural_frequency, whole_percent

NORTHBROOK, EASTMERE, SOUTHWICK = FAKE_AREAS

#: What must never appear on the key-messages page: intervals, ratios, indices, p-values,
#: decimals (percentages or other numbers with a decimal point).
BANNED = re.compile(
    r"\bCI\b|confiden|\bodds\b|ratio|\bindex\b|\bSII\b|\bRII\b|slope|\bp\s*[=<>]|\d\.\d",
    re.IGNORECASE,
)


@pytest.fixture(autouse=True, scope="module")
def _outcome_words():
    """The fake release's definitions (with very preterm birth, which some tests add) as the
    source of every outcome word; the built-ins again afterwards."""
    from birthgaps.core import labels as outcome_labels

    outcome_labels.use_outcomes(
        fake_outcomes_table([*FAKE_OUTCOMES[:1], "very_preterm", *FAKE_OUTCOMES[1:]])
    )
    yield
    outcome_labels.use_outcomes(None)


@pytest.fixture(scope="module")
def england() -> dict[str, pd.DataFrame]:
    """The fake published tables compared with (made-up) England values."""
    return fake_england_table_set()


@pytest.fixture(scope="module")
def pooled() -> dict[str, pd.DataFrame]:
    """The fake published tables compared with the pooled study areas (the old default)."""
    return fake_indicator_table_set()


def make_inputs(
    tables: dict[str, pd.DataFrame], area: str = NORTHBROOK, outcomes=None, **changes
) -> AppendixInputs:
    """An area's appendix inputs over fake published tables (no figures: messages need none)."""
    rates = changes.pop("rates", tables["rates"])
    fields = dict(
        release="demo",
        release_label="Demo",
        area_code=area,
        area_name=FAKE_AREAS[area],
        synthetic=True,
        rates=rates,
        models=pd.DataFrame(),
        flow=pd.DataFrame(),
        figures_dir=Path("."),
        disclosure=FAKE_DISCLOSURE,
        statistics=FAKE_STATISTICS,
        outcomes=list(outcomes or frames.outcomes_in(rates, area)),
        period=frames.period_of(rates, area),
        trends=tables["trends"],
        inequality=tables["inequality"],
        funnel=tables["funnel"],
    )
    fields.update(changes)
    return AppendixInputs(**fields)


def changed_rates(rates: pd.DataFrame, area, outcome, dimension, group, **values) -> pd.DataFrame:
    """A copy of ``rates`` with ``values`` set on one row."""
    out = rates.copy()
    mask = (
        (out["area_code"] == area)
        & (out["outcome"] == outcome)
        & (out["dimension"] == dimension)
        & (out["group"] == group)
    )
    assert mask.sum() == 1
    for column, value in values.items():
        out.loc[mask, column] = value
    return out


def flesch(items: list[str]) -> float:
    """Flesch reading ease of messages as a reader sees them (links as their words)."""
    with warnings.catch_warnings():  # textstat 0.7.4 imports pkg_resources, which warns
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import textstat
    return textstat.flesch_reading_ease(" ".join(messages.plain_text(m) for m in items))


# ----------------------------------------------------------------------------- natural frequencies


@pytest.mark.parametrize(
    ("percent", "words"),
    [
        (0, "none"),
        (100, "all"),
        (50, "about 1 in 2"),
        (1.2, "about 1 in 83"),
        (7.7, "about 1 in 13"),
        (11.5, "about 1 in 9"),
        (40, "about 1 in 3"),  # 2.5 rounds up, not to the even 2
        (70, "about 7 in 10"),
        (96, "almost all"),
        (0.01, "about 1 in 10,000"),
        (float("nan"), None),
        (None, None),
        (101, None),
    ],
)
def test_natural_frequency_and_its_edges(percent, words):
    assert natural_frequency(percent) == words


def test_whole_percent_rounds_halves_up():
    assert [whole_percent(p) for p in (7.5, 7.49, 0.4, 12.5)] == ["8%", "7%", "0%", "13%"]


def test_numbers_never_contradict_the_comparison_word():
    # different "1 in N": natural frequencies
    assert messages.number_pair(11.5, 7.7, 1) == ("about 1 in 9", "about 1 in 13", False)
    # both "about 1 in 13" (7.8% and 7.45%) but more: whole percentages
    assert natural_frequency(7.8) == natural_frequency(7.45) == "about 1 in 13"
    assert messages.number_pair(7.8, 7.45, 1) == ("8%", "7%", True)
    # tied even as whole percentages (7.9% and 7.6%): no numbers at all
    assert messages.number_pair(7.9, 7.6, 1) is None
    # similar: the same "1 in N" is fine
    assert messages.number_pair(7.8, 7.45, 0) == ("about 1 in 13", "about 1 in 13", False)


# ----------------------------------------------------------------------------- (a) level


def test_level_message_against_england(england):
    text = messages.level_message(make_inputs(england), "preterm")
    row = frames.overall_row(england["rates"], NORTHBROOK, "preterm")
    assert text.startswith(f"{natural_frequency(row['value']).capitalize()} babies in Northbrook")
    assert "was born before 37 weeks in 2019–2024, more than in England (about 1 in 14)" in (text)
    assert text.endswith(f"(see [Level and trend](#{messages.SECTION_ANCHORS['trends']})).")
    assert "similar to England" in messages.level_message(make_inputs(england, EASTMERE), "preterm")
    assert "fewer than in England" in messages.level_message(
        make_inputs(england, SOUTHWICK), "preterm"
    )


@pytest.mark.parametrize(
    ("label", "word"),
    [
        ("Similar", "similar to England"),
        ("Worse (95%)", "more than in England"),
        ("Worse (99.8%)", "more than in England"),
        ("Higher (95%)", "more than in England"),
        ("Better (95%)", "fewer than in England"),
    ],
)
def test_the_comparison_word_comes_from_the_table_not_the_values(england, label, word):
    """Northbrook's preterm rate is far above England's, but the words follow ``comparison``."""
    rates = changed_rates(
        england["rates"], NORTHBROOK, "preterm", "overall", "All", comparison=label
    )
    text = messages.level_message(make_inputs(england, rates=rates), "preterm")
    assert word in text
    for other in {"similar to", "more than", "fewer than"} - {word.rsplit(" ", 2)[0]}:
        assert other not in text.replace(word, "")


def test_not_compared_gives_no_comparison(england):
    rates = changed_rates(
        england["rates"], NORTHBROOK, "preterm", "overall", "All", comparison="Not compared"
    )
    text = messages.level_message(make_inputs(england, rates=rates), "preterm")
    assert "England" not in text and text.startswith("About 1 in 11 babies")


def test_tied_numbers_switch_to_whole_percentages_or_to_words(england):
    rates = changed_rates(
        england["rates"],
        NORTHBROOK,
        "preterm",
        "overall",
        "All",
        value=7.8,
        benchmark=7.45,
        comparison="Worse (95%)",
    )
    text = messages.level_message(make_inputs(england, rates=rates), "preterm")
    assert text.startswith("8% of babies in Northbrook were born before 37 weeks")
    assert "more than in England (7%)" in text
    rates = changed_rates(rates, NORTHBROOK, "preterm", "overall", "All", value=7.9, benchmark=7.6)
    text = messages.level_message(make_inputs(england, rates=rates), "preterm")
    assert text.startswith("About 1 in 13 babies in Northbrook was born before 37 weeks")
    assert "a little more than in England (see" in text


def test_a_missing_benchmark_value_keeps_the_word_without_numbers(england):
    rates = changed_rates(
        england["rates"], NORTHBROOK, "preterm", "overall", "All", benchmark=float("nan")
    )
    text = messages.level_message(make_inputs(england, rates=rates), "preterm")
    assert text.endswith(", more than in England (see [Level and trend](#level-and-trend)).")
    assert "a little" not in text


def test_a_label_with_brackets_is_not_followed_by_more_brackets(england):
    rates = england["rates"].assign(benchmark_label="England (2019-2022)")
    text = messages.level_message(make_inputs(england, rates=rates), "preterm")
    assert "more than in England (2019-2022), about 1 in 14 (see" in text


def test_each_outcome_names_the_years_of_its_own_benchmark(england):
    """England's figures cover different years by outcome: each level message says its own."""
    rates = england["rates"].copy()
    label = {"preterm": "England (2019-2022)", "lbw": "England (2022)"}
    whole = rates["dimension"].astype(str) != "year"
    for outcome, text in label.items():
        rates.loc[whole & (rates["outcome"] == outcome), "benchmark_label"] = text
    rates.loc[~whole, "benchmark_label"] = "England"
    inputs = make_inputs(england, rates=rates)
    assert "England (2019-2022)" in messages.level_message(inputs, "preterm")
    assert "England (2022)" in messages.level_message(inputs, "lbw")
    assert frames.benchmark_label_of(rates, area_code=NORTHBROOK) == "England"


@pytest.mark.parametrize("change", [{"suppressed": True}, {"reliability": "u"}])
def test_a_withheld_or_unreliable_level_is_never_a_finding(england, change):
    rates = changed_rates(england["rates"], NORTHBROOK, "preterm", "overall", "All", **change)
    text = messages.level_message(make_inputs(england, rates=rates), "preterm")
    assert text.startswith("There were too few births in Northbrook to say how often babies")
    assert "1 in" not in text and "England" not in text


# ----------------------------------------------------------------------------- (b) trend


@pytest.mark.parametrize(
    ("direction", "words"),
    [
        ("increasing", "rose between 2020 and 2024"),
        ("decreasing", "fell between 2020 and 2024"),
        ("no significant change", "did not clearly change between 2020 and 2024"),
        ("cannot be calculated", "too few births or years to tell"),
    ],
)
def test_trend_words_follow_the_trends_table(england, direction, words):
    trends = england["trends"].copy()
    mask = (
        (trends["area_code"] == NORTHBROOK)
        & (trends["outcome"] == "preterm")
        & (trends["dimension"] == "overall")
    )
    trends.loc[mask, "direction"] = direction
    text = messages.trend_message(make_inputs(england, trends=trends), ["preterm"])
    assert words in text
    assert text.endswith("(see [Level and trend](#level-and-trend)).")


# ----------------------------------------------------------------------------- (c) deprivation


def test_deprivation_gap_only_when_the_intervals_do_not_overlap(england):
    text = messages.deprivation_message(make_inputs(england), ["preterm"])
    rows = england["rates"]
    q1 = frames.select_rates(rows, NORTHBROOK, "preterm", "imd_quintile").iloc[0]
    q5 = frames.select_rates(rows, NORTHBROOK, "preterm", "imd_quintile").iloc[4]
    assert q1["lower_95"] > q5["upper_95"]  # the fake's gap is clear
    assert text.startswith(
        "Babies in the most deprived fifth of neighbourhoods were more often born before 37 weeks than "
        "those in the least deprived fifth"
    )
    assert f"({natural_frequency(q1['value'])} against {natural_frequency(q5['value'])})" in (text)
    # the same gap with overlapping intervals is no gap
    rates = changed_rates(
        england["rates"], NORTHBROOK, "preterm", "imd_quintile", "1", lower_95=q5["upper_95"] - 0.1
    )
    text = messages.deprivation_message(make_inputs(england, rates=rates), ["preterm"])
    assert text.startswith("There was no clear gap between the most and least deprived fifths")
    assert "more often" not in text
    # Eastmere's quintiles overlap in the fake
    text = messages.deprivation_message(make_inputs(england, EASTMERE), ["preterm"])
    assert "no clear gap" in text


def test_deprivation_with_a_withheld_quintile_says_too_few(england):
    rates = changed_rates(
        england["rates"], NORTHBROOK, "preterm", "imd_quintile", "5", suppressed=True
    )
    text = messages.deprivation_message(make_inputs(england, rates=rates), ["preterm"])
    assert text.startswith("There were too few births to compare the most and least deprived")


# ----------------------------------------------------------------------------- (d) ethnic groups


def test_ethnic_groups_named_only_when_clearly_different(england):
    text = messages.ethnic_message(make_inputs(england), ["preterm"])
    rows = frames.select_rates(england["rates"], NORTHBROOK, "preterm", "ethnic_group")
    white = rows[rows["group"] == "White"].iloc[0]
    clear = sorted(
        (r["value"], r["group"])
        for _, r in rows.iterrows()
        if r["group"] not in ("White", "Not stated") and r["lower_95"] > white["upper_95"]
    )
    assert [g for _, g in clear] == ["Asian", "Black"]
    assert text == (
        "Compared with babies of White mothers, babies of Asian and Black mothers were more often "
        "born before 37 weeks (see [Ethnic groups](#ethnic-groups))."
    )


@pytest.mark.parametrize("change", [{"suppressed": True}, {"reliability": "u"}])
def test_withheld_or_unreliable_groups_are_never_mentioned(england, change):
    rates = changed_rates(
        england["rates"], NORTHBROOK, "preterm", "ethnic_group", "Black", **change
    )
    inputs = make_inputs(england, rates=rates, outcomes=["preterm"])
    text = messages.ethnic_message(inputs, ["preterm"])
    assert "Black" not in text and "Asian mothers were more often born before 37 weeks" in text
    assert "Black" not in " ".join(messages.message_list(inputs))


def test_no_clear_gap_and_no_reference(england):
    rates = england["rates"]
    mask = (rates["area_code"] == NORTHBROOK) & (rates["dimension"] == "ethnic_group")
    wide = rates.copy()
    wide.loc[mask, ["lower_95", "upper_95"]] = [0.5, 30.0]
    text = messages.ethnic_message(make_inputs(england, rates=wide), ["preterm"])
    assert text.startswith("There was no clear gap between babies of White mothers and of other")
    no_white = changed_rates(rates, NORTHBROOK, "preterm", "ethnic_group", "White", suppressed=True)
    text = messages.ethnic_message(make_inputs(england, rates=no_white), ["preterm"])
    assert text.startswith("There were too few births to compare groups")


# ----------------------------------------------------------------------------- (e) new since last


def test_what_is_new_since_the_last_release(england):
    rates = england["rates"]
    old = rates[~((rates["dimension"] == "year") & (rates["group"] == "2024"))]
    old = changed_rates(old, NORTHBROOK, "preterm", "overall", "All", comparison="Similar")
    previous = messages.PreviousRelease("Demo 2023", old)
    inputs = make_inputs(england)
    text = messages.new_message(inputs, previous)
    assert text == (
        "Since the last release (Demo 2023), this release adds births in 2024 and the share of "
        "babies born before 37 weeks is now higher than in England (it was similar before) "
        "(see [Level and trend](#level-and-trend))."
    )
    same = messages.new_message(inputs, messages.PreviousRelease("Demo 2023", rates))
    assert "the comparison with England has not changed" in same and "adds" not in same
    assert messages.new_message(inputs, None) is None
    assert not any("last release" in m for m in messages.message_list(inputs))
    assert any("last release" in m for m in messages.message_list(inputs, previous))


def test_the_new_message_says_how_many_earlier_figures_were_revised(england, tmp_path):
    """From this release's changes table (tables/changes.csv): the area's revised values only
    (not their counts, not another area's), and still one message."""
    from birthgaps.core.catalogue import TABLES
    from birthgaps.publish.changes import compare_releases

    rates = england["rates"]
    old = rates[~((rates["dimension"] == "year") & (rates["group"] == "2024"))].copy()
    earlier = (
        (old["area_code"] == NORTHBROOK)
        & (old["dimension"] == "year")
        & old["group"].isin(["2022", "2023"])
        & old["value"].notna()
    )
    old.loc[earlier, "value"] = old.loc[earlier, "value"] + 0.5
    other = (old["area_code"] != NORTHBROOK) & (old["dimension"] == "year") & old["value"].notna()
    old.loc[other, "value"] = old.loc[other, "value"] + 0.5

    def text(table):
        return table.astype(str).replace({"nan": "", "<NA>": "", "None": ""})

    empty = {
        key: pd.DataFrame(columns=list(TABLES[key].columns))
        for key in ("trends", "models", "risk_ratios")
    }
    changes = compare_releases(
        {"rates": text(rates), **empty}, {"rates": text(old), **empty}, release="b"
    )
    path = tmp_path / "changes.csv"
    changes.to_csv(path, index=False)
    rates_path = tmp_path / "rates.csv"
    old.to_csv(rates_path, index=False)
    previous = messages.load_previous(rates_path, "Demo 2023", path)
    inputs = make_inputs(england)
    revised = int(earlier.sum())
    assert revised > 1  # guard: more than one figure of the area revised
    message = messages.new_message(inputs, previous)
    assert f"{revised} earlier figures were revised (marked [r] in the workbook)" in message
    assert message.count("Since the last release") == 1
    no_change = messages.PreviousRelease("Demo 2023", rates, changes.iloc[:0])
    assert "no earlier figure was revised" in messages.new_message(inputs, no_change)


def test_the_previous_release_is_read_from_its_published_rates(england, tmp_path):
    from birthgaps.core.errors import InputError

    path = tmp_path / "rates.csv"
    england["rates"].to_csv(path, index=False)
    previous = messages.load_previous(path, "Demo 2023")
    assert previous.label == "Demo 2023" and len(previous.rates) == len(england["rates"])
    assert messages.load_previous(None, "x") is None and messages.load_previous("", "x") is None
    with pytest.raises(InputError, match="rates table is missing"):
        messages.load_previous(tmp_path / "absent.csv", "Demo 2023")


# ----------------------------------------------------------------------------- the whole list


@pytest.mark.parametrize("area", list(FAKE_AREAS))
@pytest.mark.parametrize(
    "outcomes", [["preterm"], ["lbw"], ["preterm", "lbw"], ["preterm", "lbw", "term_lbw"]]
)
@pytest.mark.parametrize("with_previous", [False, True])
def test_five_to_eight_plain_linked_readable_messages(
    england, pooled, area, outcomes, with_previous
):
    for tables in (england, pooled):
        previous = messages.PreviousRelease("Demo 2023", tables["rates"]) if with_previous else None
        items = messages.message_list(make_inputs(tables, area, outcomes), previous)
        assert messages.MIN_MESSAGES <= len(items) <= messages.MAX_MESSAGES, items
        for item in items:
            assert not BANNED.search(messages.plain_text(item)), item
            link = re.search(r"\(see \[[^\]]+\]\(#([a-z-]+)\)\)\.$", item)
            assert link and link.group(1) in messages.SECTION_ANCHORS.values(), item
            assert ". " not in item and item.endswith("."), item  # one sentence each
        assert flesch(items) >= 60, items


@pytest.mark.parametrize("n_fixed", [1, 2])
def test_merging_keeps_every_count_between_five_and_eight(n_fixed):
    for n in range(1, 8):
        merged = messages.merged_topics(n, n_fixed)
        count = sum(1 if t in merged else n for t in range(4)) + n_fixed
        assert count <= messages.MAX_MESSAGES
        if n <= 3:
            assert count >= messages.MIN_MESSAGES and 0 not in merged  # levels stay one each
    assert messages.merged_topics(1, 1) == set()
    assert messages.merged_topics(3, 2) == {1, 2, 3}


def test_messages_lead_with_infant_mortality_then_the_modelled_birth_outcomes(england):
    rates = england["rates"]
    extra = rates[rates["outcome"] == "preterm"].assign(outcome="very_preterm")
    inputs = make_inputs(england, rates=pd.concat([rates, extra], ignore_index=True))
    # very preterm birth (not modelled) and term LBW are in the annex; the maternity indicator
    # has one message of its own
    assert messages.lead_outcomes(inputs.outcomes) == ["infant", "preterm", "lbw"]
    items = messages.message_list(inputs)
    assert 5 <= len(items) <= 8
    # Northbrook's 2022-2024 deaths (rounded count) and rate against England's 4.2 per 1,000
    assert items[0] == (
        "75 babies in Northbrook died before their first birthday in 2022–2024: about 8 in 1,000 "
        "live births, more than in England (about 4 in 1,000) (see [Level and trend]"
        "(#level-and-trend))."
    )
    assert not any("32 weeks" in m for m in items)
    assert any(
        m.startswith(
            "Mothers in Northbrook were more often delivered by emergency caesarean than in England"
        )
        for m in items
    )
    assert flesch(items) >= 60
    assert not any(BANNED.search(messages.plain_text(m)) for m in items)


def test_the_readability_check_can_fail():
    jargon = [
        "The slope index of inequality demonstrates statistically significant heterogeneity "
        "across deprivation quintiles, notwithstanding considerable uncertainty.",
        "Multivariable logistic regression estimated adjusted associations, controlling for "
        "maternal characteristics and socioeconomic determinants.",
    ]
    assert flesch(jargon) < 60
    assert all(BANNED.search(m) for m in jargon[:1])


def test_sections_give_the_key_messages_as_a_linked_list(england):
    section = sections.key_messages(make_inputs(england))
    assert isinstance(section, Section) and section.title == "Key messages"
    (block,) = section.blocks
    assert isinstance(block, Sentences) and block.markdown and block.bullets
    assert messages.SECTION_ANCHORS["key_messages"] == "key-messages"
    assert "<li>" in block_html(section)


def test_markdown_characters_in_the_area_name_are_escaped(england):
    inputs = make_inputs(england, outcomes=["preterm"])
    inputs.area_name = "North_brook *[test]*"
    text = messages.level_message(inputs, "preterm")
    assert r"North\_brook \*\[test\]\*" in text
    assert messages.plain_text(text).startswith(
        f"{natural_frequency(frames.overall_row(england['rates'], NORTHBROOK, 'preterm')['value']).capitalize()} babies in North_brook *[test]*"
    )


# ----------------------------------------------------------------------------- many comparisons


def _hand_rates(labels: list[str]) -> pd.DataFrame:
    """A rates table of one area whose ethnic-group rows carry ``labels`` (one per row)."""
    rows = [
        {
            "area_code": "A1",
            "area_name": "Area",
            "outcome": "preterm",
            "dimension": "ethnic_group",
            "group": f"G{i}",
            "value": 8.0,
            "lower_95": 7.0,
            "upper_95": 9.0,
            "suppressed": label == "Not compared",
            "benchmark_label": "England",
            "benchmark": 7.5,
            "comparison": label,
        }
        for i, label in enumerate(labels)
    ]
    return pd.DataFrame(rows)


def _hand_inputs(**tables) -> AppendixInputs:
    return AppendixInputs(
        release="r",
        release_label="R",
        area_code="A1",
        area_name="Area",
        synthetic=False,
        rates=tables.pop("rates", _hand_rates([])),
        models=tables.pop("models", pd.DataFrame()),
        flow=pd.DataFrame(),
        figures_dir=Path("."),
        disclosure=FAKE_DISCLOSURE,
        statistics=FAKE_STATISTICS,
        outcomes=["preterm"],
        model_outcomes=["preterm"],
        **tables,
    )


def test_comparisons_note_with_known_counts():
    labels = ["Similar"] * 36 + ["Worse (95%)"] * 2 + ["Worse (99.8%)", "Better (95%)"]
    labels += ["Not compared", ""]
    inputs = _hand_inputs(rates=_hand_rates(labels))
    counted = comparisons.count_comparisons(inputs, "rates")
    assert counted == comparisons.Counted(40, 4, 1)
    (note,) = sections.comparisons_note(inputs, "rates").items
    assert note.startswith(
        "This section makes 40 comparisons (each group's rate against England); 4 are flagged "
        "at the 95% level."
    )
    assert "about 2 of these 40 would be flagged at that level by chance alone" in note
    assert "look for a pattern" in note
    assert "would flag fewer than 1 by chance (1 in every 500); 1 passes it here." in note
    few = _hand_inputs(rates=_hand_rates(["Similar"] * 9))
    assert "fewer than 1 of these 9" in comparisons_note_text(few, "rates")
    assert "no comparisons" in comparisons_note_text(_hand_inputs(), "rates")


def comparisons_note_text(inputs: AppendixInputs, section: str) -> str:
    return " ".join(messages.comparisons_note(inputs, section).items)


def test_comparisons_of_funnel_and_models_with_known_counts():
    funnel = pd.DataFrame(
        {
            "outcome": ["preterm"] * 6,
            "row_type": ["area", *["area_year"] * 5],
            "area_code": ["A1"] * 6,
            "significance": [
                "High (0.001)",
                "High (0.025)",
                "Not significant",
                "Not significant",
                "",
                "Low (0.025)",
            ],
        }
    )
    assert comparisons.count_comparisons(
        _hand_inputs(funnel=funnel), "funnel"
    ) == comparisons.Counted(5, 3, 1)
    models = pd.DataFrame(
        {
            "area_code": ["A1"] * 5,
            "outcome": ["preterm"] * 5,
            "model": ["adjusted"] * 4 + ["crude"],
            "term": ["ethnic_group"] * 5,
            "level": ["Asian", "Black", "Mixed", "White", "Asian"],
            "reference": ["White"] * 5,
            "odds_ratio": [1.3, 1.1, None, 1.0, 1.5],
            "lower_95": [1.1, 0.9, None, 1.0, 1.2],
            "upper_95": [1.5, 1.3, None, 1.0, 1.8],
        }
    )
    inputs = _hand_inputs(models=models)
    assert comparisons.count_comparisons(inputs, "models") == comparisons.Counted(2, 1, None)
    assert "stricter 99.8% check" in comparisons_note_text(inputs, "models")
    with pytest.raises(ValueError, match="no comparisons are counted for section 'flow'"):
        comparisons.count_comparisons(inputs, "flow")


def test_comparisons_of_the_fake_areas(england):
    inputs = make_inputs(england)
    rates = england["rates"]
    # the sections show in full the modelled outcomes (preterm, lbw in the models table; infant
    # and emergency caesarean declared modelled); term_lbw is in its group's table only
    detailed = ["preterm", "lbw", "infant", "emergency_caesarean"]
    rows = rates[
        (rates["area_code"] == NORTHBROOK)
        & rates["outcome"].isin(detailed)
        & rates["dimension"].isin(["imd_quintile", "ethnic_group"])
        & ~rates["suppressed"]
        & rates["value"].notna()
    ]
    counted = comparisons.count_comparisons(inputs, "rates")
    assert counted.comparisons == len(rows)
    assert counted.flagged_95 == int((rows["comparison"] != "Similar").sum())
    trends = comparisons.count_comparisons(inputs, "trends")
    # the whole period and six years; infant mortality in four rolling three-year periods
    assert trends.comparisons == 3 * (1 + 6) + (1 + 4)


# ----------------------------------------------------------------------------- the rendered demo


@pytest.mark.workflow
def test_key_messages_of_the_published_fake_appendix_are_readable(published):
    """The session's published fake tables read back as the appendix reads them."""
    from birthgaps.appendix.inputs import load_appendix_inputs

    inputs = load_appendix_inputs(
        release="demo",
        release_label="Demo",
        area_code=NORTHBROOK,
        area_name="Northbrook",
        synthetic=True,
        rates_csv=published["rates_csv"],
        models_csv=published["models_csv"],
        flow_csv=published["flow_csv"],
        trends_csv=published["trends_csv"],
        inequality_csv=published["inequality_csv"],
        funnel_csv=published["funnel_csv"],
        figures_dir=published["figures_dir"],
        risk_ratios_csv=published["risk_ratios_csv"],
        disclosure=FAKE_DISCLOSURE,
        statistics=FAKE_STATISTICS,
    )
    items = messages.message_list(inputs)
    assert 5 <= len(items) <= 8
    assert flesch(items) >= 60
    assert not any(BANNED.search(messages.plain_text(m)) for m in items)


def test_a_maternity_indicator_without_an_england_figure_is_given_as_a_share(england):
    """England publishes no figure for some maternity indicators: the message gives the area's
    share and says there is nothing to compare it with, never 'too few mothers'."""
    rates = england["rates"].copy()
    rows = rates["outcome"] == "emergency_caesarean"
    rates.loc[rows, "benchmark"] = float("nan")
    rates.loc[rows, "comparison"] = "Not compared"
    inputs = make_inputs(england, rates=rates)
    share = rates[rows & (rates["area_code"] == NORTHBROOK) & (rates["dimension"] == "overall")][
        "value"
    ].iloc[0]
    message = messages.maternity_message(inputs, ["emergency_caesarean"])
    assert message == (
        f"Of mothers in Northbrook, {whole_percent(share)} were delivered by emergency caesarean; "
        "there is no England figure to compare this with (see [Maternity indicators]"
        "(#maternity-indicators))."
    )
    items = messages.message_list(inputs)
    assert message in items and not any("too few mothers" in m for m in items)
    assert flesch(items) >= 60
    assert not any(BANNED.search(messages.plain_text(m)) for m in items)
