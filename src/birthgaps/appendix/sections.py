"""The appendix's sections as data, for the notebook template to show (``blocks.show``) in the
order it chooses, between its own narrative.

In: ``AppendixInputs`` (``load_appendix_inputs``). Out: ``Section``s of sentences, tables (frames
with caption and notes) and figures (saved PNG and alt text). Each section function takes an
optional ``outcome`` to show one outcome only. The template of the workflow is
``notebooks/area_appendix.ipynb``; ``notebooks/examples/short_appendix.ipynb`` reuses the same
functions in another order. Cells of the template tagged ``committee`` make the committee
document (key messages first, the charts that carry them, one box on data and methods, one note on
disclosure); cells tagged ``annex`` make the technical annex; untagged cells belong to both.
"""

from __future__ import annotations

from birthgaps.appendix import (
    figure_set,
    frames,
    headlines,
    indicator_tables,
    messages,
    model_tables,
    tables,
    wording,
)
from birthgaps.appendix.blocks import (
    ZERO,
    Figure,
    Notice,
    Section,
    Sentences,
    Table,
    figure_block,
    markdown_escape,
    synthetic_notice,
)
from birthgaps.appendix.findings import funnel_finding, model_finding
from birthgaps.appendix.group_sections import GROUP_HEADINGS as GROUP_HEADINGS
from birthgaps.appendix.group_sections import death_marker_blocks as death_marker_blocks
from birthgaps.appendix.group_sections import group_chart
from birthgaps.appendix.group_sections import groups_section as groups_section
from birthgaps.appendix.group_sections import lower_label as _lower
from birthgaps.appendix.group_sections import paragraph as _paragraph
from birthgaps.appendix.group_sections import table_block as _table
from birthgaps.appendix.inputs import AppendixInputs, empty_note_sentence
from birthgaps.appendix.titles import title_topics
from birthgaps.appendix.wording import outcome_label
from birthgaps.core import methods

#: The method statements of 'Data and methods' written from the resolved settings: key -> (lead
#: word, statement of ``core.methods`` from the settings).
METHOD_STATEMENTS = {
    "rates": ("Rates", lambda inputs: methods.ci_statement(inputs.statistics)),
    "small_numbers": (
        "Small numbers",
        lambda inputs: methods.small_number_statement(inputs.statistics),
    ),
    "disclosure": (
        "Disclosure control",
        lambda inputs: methods.disclosure_statement(inputs.disclosure),
    ),
}


def _outcomes(inputs: AppendixInputs, outcome: str | None, modelled: bool = False) -> list[str]:
    """The outcome asked for, or every outcome drawn in full (every modelled one) of the area; the
    others are in their group's section (``groups_section``)."""
    if outcome is not None:
        return [outcome]
    if modelled:
        return list(inputs.model_outcomes)
    return figure_set.detailed_outcomes(inputs.outcomes, inputs.model_outcomes)


def banner(inputs: AppendixInputs) -> Notice | None:
    """The synthetic-data notice of a synthetic release, else None."""
    return synthetic_notice() if inputs.synthetic else None


#: How the technical annex is named beside the committee document: ``{area_code}`` + this.
ANNEX_SUFFIX = "_annex"


def annex_file(area_code: str, extension: str = "html") -> str:
    """File name of an area's technical annex (the committee document is ``{area_code}.html``)."""
    return f"{area_code}{ANNEX_SUFFIX}.{extension}"


def title(inputs: AppendixInputs, annex: bool = False) -> Section:
    """Page heading: area and topic (``annex``: the technical annex's); release, area code and
    period under it."""
    period = f", {inputs.period}" if inputs.period else ""
    kind = "Technical annex" if annex else "Appendix"
    line = (
        f"{kind} to the scrutiny report. Release: {markdown_escape(inputs.release_label)} "
        f"(`{inputs.release}`); area code {markdown_escape(inputs.area_code)}"
        f"{markdown_escape(period)}."
    )
    topics = wording.join_words(title_topics(inputs.outcomes))
    heading = f"{inputs.area_name}: inequalities in {topics or 'birth outcomes'}"
    return Section(
        f"{heading} (technical annex)" if annex else heading,
        1,
        [Sentences([line], bullets=False, markdown=True)],
    )


def key_messages(
    inputs: AppendixInputs, previous: messages.PreviousRelease | None = None
) -> Section:
    """The committee document's 5 to 8 plain-English key messages, first on the page
    (``messages.key_messages``; with the previous release's published rates, what is new since
    it), under a heading with its stable id."""
    section = messages.key_messages(inputs, previous)
    section.anchor = section.anchor or messages.SECTION_ANCHORS["key_messages"]
    return section


#: The committee document's chart sections: (message topic, heading, figure kind, the heading's
#: id when ``messages.SECTION_ANCHORS`` names none for the topic).
COMMITTEE_CHARTS = (
    ("level", "Level and trend", "trend", "level-and-trend"),
    ("deprivation", "Deprivation", "imd", "deprivation"),
    ("ethnicity", "Ethnic groups", "group", "ethnic-groups"),
)

#: Most charts in the committee document.
MAX_COMMITTEE_CHARTS = 8


def _chart_caption(inputs: AppendixInputs, outcome: str, kind: str) -> str:
    label = outcome_label(outcome)
    period = f", {inputs.period}" if inputs.period else ""
    if kind == "trend":
        bench = frames.benchmark_label_of(inputs.rates, area_code=inputs.area_code)
        return f"{label} in {inputs.area_name} by year, compared with {bench}."
    what = "deprivation fifth (quintile 1 = most deprived)" if kind == "imd" else "ethnic group"
    return f"{label} in {inputs.area_name} by {what}{period}."


def _chart(inputs: AppendixInputs, outcome: str, kind: str) -> Figure | None:
    stems = [
        s.stem
        for s in inputs.specs
        if s.outcome == outcome
        and s.kind == kind
        and s.dimension in ("imd_quintile", "ethnic_group")
    ]
    if kind == "trend":
        stems = [f"{outcome}_trend"]
    if not stems or not (inputs.figures_dir / f"{stems[0]}.png").exists():
        return None
    figure = figure_block(inputs.figures_dir, stems[0])
    figure.caption = _chart_caption(inputs, outcome, kind)
    figure.describe = False  # the long description stays as alt text and in the annex
    return figure


def committee_charts(inputs: AppendixInputs) -> list[Section]:
    """The charts behind the key messages (at most ``MAX_COMMITTEE_CHARTS``), one section per
    topic with its stable id (``messages.SECTION_ANCHORS``), each chart with a one-line caption;
    the long descriptions are alt text here and printed in the annex."""
    outcomes = messages.lead_outcomes(list(inputs.outcomes))
    per_topic = max(1, (MAX_COMMITTEE_CHARTS - 1) // len(COMMITTEE_CHARTS))
    parts = []
    for topic, heading, kind, default in COMMITTEE_CHARTS:
        charts = [_chart(inputs, o, kind) for o in outcomes[:per_topic]]
        charts = [c for c in charts if c is not None]
        if charts:
            anchor = messages.SECTION_ANCHORS.get(topic, default)
            parts.append(Section(heading, 2, list(charts), anchor=anchor))
    maternity = group_chart(inputs, "maternity")
    if maternity is not None:  # every maternity indicator against the benchmark, in one chart
        anchor = messages.SECTION_ANCHORS["maternity"]
        parts.append(Section("Maternity indicators", 2, [maternity], anchor=anchor))
    return parts


def methods_box(inputs: AppendixInputs) -> Section:
    """The committee document's one short box on data and methods, pointing to the annex."""
    items = list(headlines.data_summary_sentences(inputs))
    items.append(
        "A difference is called clear only when the 95% confidence intervals do not overlap; a "
        "comparison with the benchmark or a trend only when the Fingertips test says so."
    )
    items.append(
        f"Models, full tables, the exclusion flow, definitions and limitations are in the "
        f"technical annex ({annex_file(inputs.area_code)})."
    )
    anchor = messages.SECTION_ANCHORS["data"]
    return Section(
        "Data and methods", 2, [Sentences(items, bullets=False, boxed=True)], anchor=anchor
    )


def disclosure_box(inputs: AppendixInputs) -> Section:
    """The committee document's one note on disclosure: the rule and its marker (the release's
    ``disclosure`` settings, ``core.methods``) and how a true zero is shown."""
    text = f"{methods.disclosure_statement(inputs.disclosure)} A true zero is shown as {ZERO}."
    anchor = messages.SECTION_ANCHORS["disclosure"]
    return Section("Disclosure", 2, [Sentences([text], bullets=False, boxed=True)], anchor=anchor)


def findings(inputs: AppendixInputs) -> Sentences:
    """The headline findings (``headlines.headline_findings``) as a list."""
    sentences = headlines.headline_findings(inputs)
    if not sentences:
        return _paragraph("No findings can be reported: every headline value is suppressed.")
    return Sentences(sentences)


def data_summary(inputs: AppendixInputs) -> Sentences:
    """Period, births counted, the complete-case note and the benchmark, as paragraphs."""
    return Sentences(headlines.data_summary_sentences(inputs), bullets=False)


def method_bullets(inputs: AppendixInputs, *keys: str) -> Sentences:
    """Bullets ``**Rates.** ...`` of the method statements ``keys`` (``METHOD_STATEMENTS``),
    written from the release's resolved disclosure and statistics settings."""
    items = []
    for key in keys:
        lead, statement = METHOD_STATEMENTS[key]
        items.append(f"**{lead}.** {statement(inputs)}")
    return Sentences(items, markdown=True)


def definitions(inputs: AppendixInputs) -> Table:
    """The definitions of the outcomes shown."""
    return Table(tables.definitions_table(inputs.outcomes), "Outcome definitions")


def outcome_section(inputs: AppendixInputs, outcome: str) -> Section:
    """One outcome: figures by deprivation and ethnic group, their tables, then age and year."""
    label = outcome_label(outcome)
    by_stem = {
        s.stem: s for s in inputs.specs if s.outcome == outcome and s.kind in ("imd", "group")
    }
    section = Section(label, 3)
    for spec in by_stem.values():
        section.blocks.append(figure_block(inputs.figures_dir, spec.stem))
        if spec.dimension in ("imd_quintile", "ethnic_group"):
            frame = tables.format_rates_table(
                inputs.rates,
                inputs.area_code,
                outcome,
                spec.dimension,
                disclosure=inputs.disclosure,
                statistics=inputs.statistics,
            )
            heading = wording.TERM_PHRASES[spec.dimension]
            caption = f"{label} by {heading}, {inputs.area_name}" + (
                f", {inputs.period}" if inputs.period else ""
            )
            section.blocks.append(_table(frame, caption))
    detailed = inputs.rates[
        (inputs.rates["area_code"].astype(str) == str(inputs.area_code))
        & (inputs.rates["outcome"].astype(str) == outcome)
        & (inputs.rates["dimension"].astype(str) == "ethnic_group_detailed")
    ]
    if not detailed.empty:  # config ethnicity.detailed: the ONS 2021 detailed groups, where shown
        frame = tables.format_rates_table(
            inputs.rates,
            inputs.area_code,
            outcome,
            "ethnic_group_detailed",
            disclosure=inputs.disclosure,
            statistics=inputs.statistics,
        )
        period = f", {inputs.period}" if inputs.period else ""
        caption = f"{label} by detailed ethnic group (ONS 2021), {inputs.area_name}{period}"
        section.blocks.append(_table(frame, caption))
    return section


def rates_section(inputs: AppendixInputs, outcome: str | None = None) -> Section:
    """``outcome_section`` of every outcome (or of ``outcome``)."""
    return Section("", 2, [outcome_section(inputs, o) for o in _outcomes(inputs, outcome)])


def trends_section(inputs: AppendixInputs, outcome: str | None = None) -> Section:
    """For each outcome: the trend chart, sentences, yearly values against the benchmark, group
    trends."""
    bench = frames.benchmark_label_of(inputs.rates, area_code=inputs.area_code)
    parts = []
    with_years = frames.outcomes_with_years(inputs.rates, inputs.area_code)
    for name in _outcomes(inputs, outcome):
        label = outcome_label(name)
        part = Section(f"{label}: trend and comparison with {bench}", 3)
        if name not in with_years:
            part.blocks.append(
                Sentences(
                    [
                        f"{label} is given for three-year periods, and the release covers fewer "
                        "years than one period: there is no trend to show."
                    ]
                )
            )
            parts.append(part)
            continue
        sentences = indicator_tables.trend_sentences(inputs, name)
        if sentences:
            part.blocks.append(Sentences(sentences))
        part.blocks += [
            figure_block(inputs.figures_dir, f"{name}_trend"),
            _table(
                indicator_tables.format_benchmark_table(inputs, name),
                f"{label} by year compared with {bench}, {inputs.area_name}",
            ),
            _table(
                indicator_tables.format_trends_table(inputs, name),
                f"Recent trend of {label.lower()} in {inputs.area_name}, all births and each group",
            ),
        ]
        parts.append(part)
    return Section("", 2, parts)


def inequality_section(inputs: AppendixInputs, outcome: str | None = None) -> Section:
    """For each outcome: sentences, the SII chart and the table of inequality measures."""
    parts = []
    for name in _outcomes(inputs, outcome):
        label = outcome_label(name)
        part = Section(f"{label}: inequality", 3)
        parts.append(part)
        if inputs.inequality.empty:
            part.blocks.append(_paragraph("No inequality measures were computed."))
            continue
        sentences = indicator_tables.inequality_sentences(inputs, name)
        if sentences:
            part.blocks.append(Sentences(sentences))
        part.blocks += [
            figure_block(inputs.figures_dir, f"{name}_sii"),
            _table(
                indicator_tables.format_inequality_table(inputs, name),
                f"Inequality in {label.lower()} by deprivation and ethnic group, "
                f"{inputs.area_name}",
            ),
        ]
    return Section("", 2, parts)


def models_section(inputs: AppendixInputs, outcome: str | None = None) -> Section:
    """Model tables and forest plots for each modelled outcome."""
    if not inputs.model_outcomes:
        return Section("", 2, [_paragraph("No models were fitted for this area.")])
    parts = []
    for name in _outcomes(inputs, outcome, modelled=True):
        label = outcome_label(name)
        frame = tables.format_models_table(
            inputs.models, inputs.area_code, name, disclosure=inputs.disclosure
        )
        caption = (
            f"Odds ratios of {label.lower()} by deprivation and ethnic group, {inputs.area_name}"
        )
        parts.append(
            Section(
                f"{label}: odds ratios",
                3,
                [_table(frame, caption), figure_block(inputs.figures_dir, f"{name}_odds_ratios")],
            )
        )
    return Section("", 2, parts)


def _not_available(name: str) -> Sentences:
    return _paragraph(f"Not available: the published {name} table was not given to this appendix.")


def _why_empty(inputs: AppendixInputs, table: str, name: str | None = None) -> Sentences:
    """Why a model table has no rows (empty by design), or that it was not given."""
    sentence = empty_note_sentence(inputs, table)
    return _paragraph(sentence) if sentence else _not_available(name or table)


def _risk_ratio_blocks(inputs: AppendixInputs, outcome: str) -> list:
    if inputs.risk_ratios.empty:
        return [_why_empty(inputs, "risk_ratios", "risk ratios")]
    if tables.rows_of(inputs.risk_ratios, inputs.area_code, outcome).empty:
        return [_not_available("risk ratios")]
    finding = model_finding(
        inputs.risk_ratios,
        inputs.area_code,
        outcome,
        ("imd_quintile", "ethnic_group"),
        "risk_ratio",
    )
    return [
        _paragraph(f"{finding}."),
        figure_block(inputs.figures_dir, f"{outcome}_risk_ratios"),
        _table(
            model_tables.format_risk_ratios_table(inputs, outcome),
            f"Adjusted risk ratios and odds ratios of {_lower(outcome)} by deprivation and ethnic "
            f"group, {inputs.area_name}",
        ),
    ]


def _interaction_blocks(inputs: AppendixInputs, outcome: str) -> list:
    stratified_why = empty_note_sentence(inputs, "stratified")
    if inputs.interaction.empty:
        blocks = [_why_empty(inputs, "interaction")]
        if stratified_why and inputs.stratified.empty:
            blocks.append(_paragraph(stratified_why))
        return blocks
    sentences = model_tables.interaction_sentences(inputs, outcome)
    if stratified_why and inputs.stratified.empty:
        sentences.append(stratified_why)
    blocks: list = [Sentences(sentences)]
    row = model_tables.interaction_row(inputs, outcome)
    if row is not None and bool(row["significant"]) and not inputs.stratified.empty:
        frame = model_tables.format_stratified_table(inputs, outcome)
        if frame.empty:
            blocks.append(_paragraph("The stratified estimates were not published."))
        else:
            blocks.append(
                _table(
                    frame,
                    f"Odds ratios of {_lower(outcome)} by deprivation quintile within each "
                    f"ethnic group, {inputs.area_name}",
                )
            )
    return blocks


def _excess_blocks(inputs: AppendixInputs, outcome: str) -> list:
    if inputs.excess_explained.empty:
        return [_why_empty(inputs, "excess_explained", "excess explained")]
    if model_tables.excess_rows(inputs, outcome, "risk_ratio").empty:
        return [_not_available("excess explained")]
    return [
        Sentences(model_tables.excess_sentences(inputs, outcome)),
        _table(
            model_tables.format_excess_table(inputs, outcome),
            f"Risk ratios of {_lower(outcome)} by ethnic group before and after adding "
            f"deprivation, {inputs.area_name}",
        ),
    ]


def _fit_blocks(inputs: AppendixInputs, outcome: str) -> list:
    if inputs.model_fit.empty:
        return [_why_empty(inputs, "model_fit", "model fit")]
    if tables.rows_of(inputs.model_fit, inputs.area_code, outcome).empty:
        return [_not_available("model fit")]
    return [
        _table(
            model_tables.format_fit_table(inputs, outcome),
            f"Fit of the models of {_lower(outcome)}, {inputs.area_name}",
        )
    ]


def risk_ratio_section(inputs: AppendixInputs, outcome: str | None = None) -> Section:
    """For each modelled outcome: the adjusted risk ratios (chart; table beside the odds ratios),
    the interaction test (and, when flagged significant, the stratified odds ratios), the share of
    each ethnic group's excess risk explained by deprivation, and the fit summary."""
    if not inputs.model_outcomes:
        return Section("", 2, [_paragraph("No models were fitted for this area.")])
    parts = []
    for name in _outcomes(inputs, outcome, modelled=True):
        label = outcome_label(name)
        part = Section(
            f"{label}: adjusted risk ratios, interaction and the part explained by deprivation", 3
        )
        sentence = model_tables.model_population_sentence(inputs, name)
        if sentence:
            part.blocks.append(_paragraph(sentence))
        part.blocks += _risk_ratio_blocks(inputs, name)
        part.blocks += [
            Section(
                "Does the deprivation gradient differ by ethnic group?",
                4,
                _interaction_blocks(inputs, name),
            ),
            Section(
                "Part of each ethnic group's excess risk explained by deprivation",
                4,
                _excess_blocks(inputs, name),
            ),
            Section("Model fit (for analysts)", 4, _fit_blocks(inputs, name)),
        ]
        parts.append(part)
    return Section("", 2, parts)


def funnel_section(inputs: AppendixInputs, outcome: str | None = None) -> Section:
    """For each outcome: where the area lies on the funnel (sentence), the chart and its points."""
    parts = []
    for name in _outcomes(inputs, outcome):
        label = outcome_label(name)
        part = Section(f"{label}: funnel plot", 3)
        parts.append(part)
        if inputs.funnel.empty:
            part.blocks.append(_paragraph("No funnel plot was computed."))
            continue
        finding = funnel_finding(inputs.funnel, inputs.area_code, name, inputs.area_name)
        part.blocks += [
            Sentences([finding + "."]),
            figure_block(inputs.figures_dir, f"{name}_funnel"),
            _table(
                indicator_tables.format_funnel_table(inputs, name),
                f"{label} in {inputs.area_name} on the funnel plot",
            ),
        ]
    return Section("", 2, parts)


def flow_section(inputs: AppendixInputs) -> Section:
    """The exclusion flow as a table and a chart."""
    caption = "Birth records at each step of cleaning" + (
        " (whole extract, all study areas)" if "area_code" not in inputs.flow.columns else ""
    )
    frame = tables.format_flow_table(inputs.flow, inputs.area_code, disclosure=inputs.disclosure)
    figure: Figure = figure_block(inputs.figures_dir, "exclusion_flow")
    return Section("", 2, [_table(frame, caption), figure])


def limitations(inputs: AppendixInputs) -> Sentences:
    """Limitations that depend on the release (synthetic or not)."""
    return Sentences(headlines.limitation_sentences(inputs))


def comparisons_note(inputs: AppendixInputs, section_name: str) -> Sentences:
    """How many comparisons a section (``rates``, ``trends``, ``inequality``, ``funnel``,
    ``models``, ``risk_ratios``) makes and how to read a single flagged result among many."""
    return messages.comparisons_note(inputs, section_name)
