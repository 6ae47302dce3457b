"""Issue 12: the appendix, figures and workbook take every outcome word from the published
definitions (the registry), print each value in its unit, give a section per outcome group, and
drop an outcome removed from the config."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from support.appendix import DISCLOSURE
from support.fakes import (
    FAKE_AREAS,
    FAKE_DISCLOSURE,
    FAKE_OUTCOMES,
    FAKE_STATISTICS,
    fake_england_table_set,
    fake_flow_table,
    fake_models_table,
    fake_outcomes_table,
)

from birthgaps.appendix import figures, frames, messages, sections, tables
from birthgaps.appendix.blocks import Section, Table
from birthgaps.appendix.inputs import AppendixInputs
from birthgaps.core import labels
from birthgaps.stats.rates import resolved_statistics

NORTHBROOK = "X06000001"


@pytest.fixture(autouse=True)
def _builtin_words_after():
    """Each test chooses its definitions; the built-in words again afterwards."""
    yield
    labels.use_outcomes(None)


@pytest.fixture(scope="module")
def england() -> dict[str, pd.DataFrame]:
    return fake_england_table_set()


def _inputs(tables_: dict[str, pd.DataFrame], outcomes: list[str] | None = None) -> AppendixInputs:
    rates = tables_["rates"]
    models = fake_models_table()
    if outcomes is not None:
        rates = rates[rates["outcome"].isin(outcomes)]
        models = models[models["outcome"].isin(outcomes)]
    present = frames.outcomes_in(rates, NORTHBROOK)
    model_outcomes = frames.outcomes_in(models, NORTHBROOK)
    return AppendixInputs(
        release="demo",
        release_label="Demo",
        area_code=NORTHBROOK,
        area_name=FAKE_AREAS[NORTHBROOK],
        synthetic=True,
        rates=rates,
        models=models,
        flow=fake_flow_table(),
        figures_dir=Path("."),
        disclosure=FAKE_DISCLOSURE,
        statistics=FAKE_STATISTICS,
        outcomes=present,
        model_outcomes=model_outcomes,
        specs=figures.figure_specs(present, model_outcomes),
        period=frames.period_of(rates, NORTHBROOK),
        trends=tables_["trends"],
        inequality=tables_["inequality"],
        funnel=tables_["funnel"],
    )


def _text(part) -> str:
    """Every word of a section: sentences, table cells, captions and headings."""
    if isinstance(part, Section):
        return " ".join([part.title, *(_text(b) for b in part.blocks)])
    if isinstance(part, Table):
        return " ".join([part.caption, part.frame.to_string(), part.notes or ""])
    return " ".join(getattr(part, "items", []) or [getattr(part, "caption", "") or ""])


# ------------------------------------------------------------------------ words from the registry


def test_the_preterm_threshold_changes_every_word(england):
    """definitions.preterm_weeks 36: labels, key messages, the definitions table, the chart titles
    and alt text all say 36 weeks, and nothing says 37."""
    labels.use_outcomes(fake_outcomes_table(definitions={"preterm_weeks": 36}))
    inputs = _inputs(england)
    words = [
        labels.outcome_title("preterm"),
        labels.outcome_definition("preterm"),
        labels.outcome_definition("term_lbw"),
        messages.level_message(inputs, "preterm"),
        tables.definitions_table(inputs.outcomes).to_string(),
    ]
    spec = figures.FigureSpec("preterm_by_imd_quintile", "imd", "preterm", "imd_quintile")
    fig, alt = figures.make_figure(
        spec, inputs.rates, inputs.models, inputs.flow, NORTHBROOK, disclosure=DISCLOSURE
    )
    words += [alt, fig.texts[-1].get_text() if fig.texts else ""]
    text = " ".join(words)
    assert "before 36 weeks" in text and "36 weeks or later" in text
    assert "37" not in text.replace("2019–2024", "")
    assert labels.outcome_title("preterm") == "Preterm birth (born before 36 weeks)"
    assert messages.outcome_words("preterm") == ("born before 36 weeks", "")


def test_words_come_from_the_published_table_not_from_code():
    table = fake_outcomes_table()
    table.loc[table["outcome"] == "infant", "label"] = "Deaths in the first year"
    table.loc[table["outcome"] == "infant", "short"] = "died in their first year"
    labels.use_outcomes(table)
    assert labels.outcome_label("infant") == "Deaths in the first year"
    assert messages.who_short("infant") == "who died in their first year"
    assert labels.known_outcomes() == FAKE_OUTCOMES


def test_a_definitions_table_without_a_column_names_it():
    from birthgaps.core.errors import InputError

    with pytest.raises(InputError, match="lacks column.*short"):
        labels.outcome_words_of(fake_outcomes_table().drop(columns="short"), "outcomes.csv")


# ------------------------------------------------------------------------------- values in units


def test_values_print_in_their_unit():
    labels.use_outcomes(fake_outcomes_table())
    assert labels.fmt_value(7.86, "infant", whole=True) == "7.9 per 1,000 live births"
    assert labels.fmt_value(7.84, "preterm") == "7.8%"
    assert labels.fmt_value(23.0, "emergency_caesarean") == "23.0%"
    assert labels.outcome_words("infant").axis_label == "Deaths per 1,000 live births"
    assert labels.outcome_words("emergency_caesarean").axis_label == "Percentage of maternities"
    # "about 1 in N" for percentages only; a mortality rate reads "about 8 in 1,000"
    assert messages.number_pair(7.9, 4.2, 1, "infant") == (
        "about 8 in 1,000",
        "about 4 in 1,000",
        False,
    )
    assert messages.number_pair(5.3, 5.4, -1, "infant") == ("5.3 in 1,000", "5.4 in 1,000", True)
    assert messages.number_pair(9.1, 7.4, 1)[0] == "about 1 in 11"


def test_mortality_rates_table_and_message_are_per_1000(england):
    labels.use_outcomes(fake_outcomes_table())
    inputs = _inputs(england)
    table = tables.format_rates_table(
        inputs.rates,
        NORTHBROOK,
        "infant",
        "imd_quintile",
        disclosure=DISCLOSURE,
        statistics=resolved_statistics(FAKE_STATISTICS),
    )
    assert "Per 1,000" in table.columns and "%" not in table.columns
    assert "Byar" in table.attrs["footnote"]
    # the latest rolling three-year period, its rounded count, and England's 4.2 per 1,000
    rows = inputs.rates[
        (inputs.rates["area_code"] == NORTHBROOK)
        & (inputs.rates["outcome"] == "infant")
        & (inputs.rates["group"] == "2022-2024")
    ]
    deaths = int(rows["events"].iloc[0])
    message = messages.level_message(inputs, "infant")
    assert message.startswith(
        f"{deaths} babies in Northbrook died before their first birthday in 2022–2024: about"
    )
    assert "live births, more than in England (about 4 in 1,000)" in message
    maternity = messages.maternity_message(inputs, ["emergency_caesarean"])
    assert maternity.startswith("Mothers in Northbrook were more often delivered by emergency")


# ------------------------------------------------------------------------------ groups, removal


def test_a_section_per_outcome_group(england, tmp_path):
    labels.use_outcomes(fake_outcomes_table())
    inputs = _inputs(england)
    inputs.figures_dir = tmp_path
    figures.write_area_figures(
        inputs.rates,
        inputs.models,
        inputs.flow,
        NORTHBROOK,
        tmp_path,
        specs=[s for s in inputs.specs if s.kind == "dots"],
        synthetic=True,
        disclosure=DISCLOSURE,
    )
    groups = sections.groups_section(inputs)
    assert [p.title for p in groups.blocks] == [
        "Birth outcomes",
        "Mortality",
        "Maternity indicators",
    ]
    mortality = _text(groups.blocks[1])
    assert "rolling three-year periods" in mortality and "per 1,000" in mortality
    assert "Low birth weight at term" in _text(groups.blocks[0])
    charts = sections.committee_charts(inputs)
    assert charts[-1].title == "Maternity indicators"
    alt = charts[-1].blocks[0].alt
    assert "Emergency caesarean section 22.9% (95% CI" in alt and "England 16.5%" in alt
    assert "4.2 per 1,000" in _text(groups.blocks[1]) and "England 4.2 per 1,000" in (
        (tmp_path / "mortality_vs_benchmark.txt").read_text()
    )
    assert [s.stem for s in inputs.specs[:3]] == [
        "birth_outcomes_vs_benchmark",
        "mortality_vs_benchmark",
        "maternity_vs_benchmark",
    ]


def test_the_death_markers_carry_the_collider_caution(england):
    from birthgaps.appendix import notes

    labels.use_outcomes(fake_outcomes_table())
    markers = pd.DataFrame(
        {
            "area_code": [NORTHBROOK],
            "outcome": ["infant"],
            "marker": ["preterm"],
            "dimension": ["overall"],
            "group": ["All"],
            "events": [40],
            "denominator": [70],
            "percent": [57.1],
            "lower_95": [45.5],
            "upper_95": [68.1],
            "suppressed": [False],
        }
    )
    inputs = _inputs(england)
    inputs.death_markers = markers
    blocks = sections.death_marker_blocks(inputs)
    caution = notes.collider_caution()
    assert "57.1" in _text(blocks[0])
    assert caution in _text(blocks[1]) and "birth-weight paradox" in caution


def test_removing_an_outcome_removes_it_everywhere(england):
    kept = [o for o in FAKE_OUTCOMES if o != "infant"]
    labels.use_outcomes(fake_outcomes_table(kept))
    inputs = _inputs(england, kept)
    assert "infant" not in inputs.outcomes
    assert not any("infant" in s.stem or s.group == "mortality" for s in inputs.specs)
    words = " ".join(
        [
            *messages.message_list(inputs),
            _text(sections.groups_section(inputs)),
            tables.definitions_table().to_string(),
            _text(sections.title(inputs)),
        ]
    )
    assert "died" not in words and "Infant" not in words and "Mortality" not in words
    assert "mortality" not in words
    # and from the workbook: the rates sheet's outcomes are the published ones
    from birthgaps.publish import readable

    shown = readable.readable_table(
        inputs.rates[["outcome"]].drop_duplicates(),
        definitions=None,
        models={"exposures": [], "adjust_for": []},
    )
    assert "Infant mortality" not in set(shown["outcome"])
