"""The annex's section per outcome group (birth outcomes, mortality, maternity indicators): each
group's dot chart against the benchmark, a table of its outcomes and its notes, with the deaths'
preterm and low-birth-weight markers and their collider-bias caution under mortality."""

from __future__ import annotations

from birthgaps.appendix import figure_set, frames, indicator_tables, model_tables, notes, wording
from birthgaps.appendix.blocks import Figure, Section, Sentences, Table, figure_block
from birthgaps.appendix.inputs import AppendixInputs
from birthgaps.appendix.wording import outcome_label
from birthgaps.core import labels
from birthgaps.core.outcomes import GROUPS

#: Heading of each outcome group's section (``core.outcomes.GROUPS``).
GROUP_HEADINGS = GROUPS


def lower_label(outcome: str) -> str:
    """An outcome's label inside a sentence (first letter lower case)."""
    label = outcome_label(outcome)
    return label[:1].lower() + label[1:]


def table_block(frame, caption: str) -> Table:
    """A formatted table with its caption and the footnote the formatter attached."""
    return Table(frame, caption, frame.attrs.get("footnote"))


def paragraph(*sentences: str) -> Sentences:
    """Sentences as one paragraph (not a bullet list)."""
    return Sentences(list(sentences), bullets=False)


def group_chart(inputs: AppendixInputs, group: str) -> Figure | None:
    """The group's dot chart against the benchmark, with a one-line caption (None without one)."""
    stem = f"{group}_vs_benchmark"
    if not any(s.stem == stem for s in inputs.specs):
        return None
    if not (inputs.figures_dir / f"{stem}.png").exists():
        return None
    figure = figure_block(inputs.figures_dir, stem)
    bench = frames.benchmark_label_of(inputs.rates, area_code=inputs.area_code)
    period = f", {inputs.period}" if inputs.period else ""
    figure.caption = f"{GROUP_HEADINGS[group]} in {inputs.area_name} compared with {bench}{period}."
    figure.describe = False
    return figure


def groups_section(inputs: AppendixInputs) -> Section:
    """A section per enabled outcome group (birth outcomes, mortality, maternity indicators): its
    dot chart against the benchmark, a table of every outcome in it, and the group's notes (the
    pooled periods of mortality, the collider-bias caution with the deaths' markers)."""
    parts = []
    for group, members in figure_set.outcome_groups(inputs.outcomes).items():
        part = Section(GROUP_HEADINGS[group], 3)
        chart = group_chart(inputs, group)
        if chart is not None:
            chart.describe = True
            part.blocks.append(chart)
        period = f", {inputs.period}" if inputs.period else ""
        part.blocks.append(
            table_block(
                indicator_tables.format_group_table(inputs, members),
                f"{GROUP_HEADINGS[group]} in {inputs.area_name}{period}",
            )
        )
        pooled = [o for o in members if labels.outcome_words(o).pooling == "rolling_3"]
        if pooled:
            names = wording.join_words([lower_label(o) for o in pooled])
            part.blocks.append(
                paragraph(
                    f"Year by year, {names} {'is' if len(pooled) == 1 else 'are'} given for "
                    "rolling three-year periods (as Fingertips publishes them for local areas): "
                    "single years hold too few deaths for a reliable rate."
                )
            )
        if group == "mortality":
            part.blocks += death_marker_blocks(inputs)
        parts.append(part)
    return Section("", 2, parts)


def death_marker_blocks(inputs: AppendixInputs) -> list:
    """The share of the area's infant deaths that were preterm or of low birth weight (the models
    stage's death markers table), always with the collider-bias caution; nothing without it."""
    if inputs.death_markers.empty:
        return []
    frame = model_tables.format_death_markers_table(inputs)
    if frame.empty:
        return []
    blocks: list = [
        table_block(frame, f"Deaths that were preterm or of low birth weight, {inputs.area_name}")
    ]
    blocks.append(paragraph(notes.collider_caution()))
    return blocks
