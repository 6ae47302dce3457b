"""Which figures an area has (``figure_specs``), without drawing any: what the appendix's sections
and inputs need, kept apart from the chart modules so the notebook kernel does not import matplotlib.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd

from birthgaps.appendix import frames
from birthgaps.core.labels import outcome_words
from birthgaps.core.outcomes import GROUPS

#: Dimensions that ``charts_rates.rates_by_group`` draws.
GROUP_DIMENSIONS: tuple[str, ...] = ("ethnic_group", "age_band", "year")


@dataclass(frozen=True)
class FigureSpec:
    """One figure of an area's set: file stem, chart kind, outcome and dimension."""

    stem: str
    kind: str  # "imd", "group", "trend", "sii", "funnel", "forest", "risk_forest", "flow", "dots"
    outcome: str | None = None
    dimension: str | None = None
    #: for "dots": the outcome group and its outcomes
    group: str | None = None
    outcomes: tuple[str, ...] = ()


#: Chart kinds drawn from the indicator tables (trends, inequality, funnel).
INDICATOR_KINDS: tuple[str, ...] = ("trend", "sii", "funnel")


def detailed_outcomes(outcomes: Sequence[str], model_outcomes: Sequence[str]) -> list[str]:
    """The outcomes drawn in full (deprivation, ethnic group, age, trend, inequality, funnel): the
    modelled ones (in the models table or declared ``modelled``); the others are in their group's
    dot chart and tables only, which keeps an area's render time flat as outcomes are added."""
    return [o for o in outcomes if o in model_outcomes or outcome_words(o).modelled]


def outcome_groups(outcomes: Sequence[str]) -> dict[str, list[str]]:
    """The outcomes by group (birth outcomes, mortality, maternity indicators), groups in the
    registry's order, outcomes in config order."""
    found: dict[str, list[str]] = {g: [] for g in GROUPS}
    for outcome in outcomes:
        found.setdefault(outcome_words(outcome).group, []).append(outcome)
    return {g: os for g, os in found.items() if os}


def figure_specs(
    outcomes: Sequence[str],
    model_outcomes: Sequence[str],
    dimensions: Sequence[str] = GROUP_DIMENSIONS,
    *,
    indicators: bool = True,
    risk_ratios: bool = True,
    trend_outcomes: Collection[str] | None = None,
) -> list[FigureSpec]:
    """The figures of one area, in appendix order; stems are file names without extension.

    First one dot chart per outcome group against the benchmark; then, per detailed outcome
    (``detailed_outcomes``), deprivation and group charts. ``indicators`` adds, per detailed
    outcome, the trend against the benchmark, the slope index of inequality
    and the funnel plot; ``risk_ratios`` adds, per modelled outcome, the forest plot of risk ratios
    (``{outcome}_risk_ratios``) after that of odds ratios. Snakemake can expand its outputs from the
    config with this (each stem gives .png and .txt). ``trend_outcomes`` (default: all) are
    those with a year breakdown (``frames.outcomes_with_years``): only they get a trend chart.
    """
    specs: list[FigureSpec] = [
        FigureSpec(f"{group}_vs_benchmark", "dots", group=group, outcomes=tuple(members))
        for group, members in outcome_groups(outcomes).items()
    ]
    for outcome in detailed_outcomes(outcomes, model_outcomes):
        specs.append(FigureSpec(f"{outcome}_by_imd_quintile", "imd", outcome, "imd_quintile"))
        has_years = trend_outcomes is None or outcome in trend_outcomes
        specs.extend(
            FigureSpec(f"{outcome}_by_{dimension}", "group", outcome, dimension)
            for dimension in dimensions
            if dimension != "year" or has_years
        )
        if indicators and has_years:
            specs.append(FigureSpec(f"{outcome}_trend", "trend", outcome, "year"))
        if indicators:
            specs.append(FigureSpec(f"{outcome}_sii", "sii", outcome, "imd_quintile"))
            specs.append(FigureSpec(f"{outcome}_funnel", "funnel", outcome))
    for outcome in model_outcomes:
        specs.append(FigureSpec(f"{outcome}_odds_ratios", "forest", outcome))
        if risk_ratios:
            specs.append(FigureSpec(f"{outcome}_risk_ratios", "risk_forest", outcome))
    specs.append(FigureSpec("exclusion_flow", "flow"))
    return specs


def area_figure_specs(
    rates: pd.DataFrame,
    models: pd.DataFrame,
    area_code: str,
    dimensions: Sequence[str] = GROUP_DIMENSIONS,
    *,
    indicators: bool = True,
    risk_ratios: bool = True,
) -> list[FigureSpec]:
    """The figure set of an area, with the outcomes found in the tables."""
    return figure_specs(
        frames.outcomes_in(rates, area_code),
        frames.outcomes_in(models, area_code),
        dimensions,
        indicators=indicators,
        risk_ratios=risk_ratios,
        trend_outcomes=frames.outcomes_with_years(rates, area_code),
    )
