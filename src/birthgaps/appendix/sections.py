"""The per-area appendix: papermill + nbconvert rendering, the release index page, and the HTML
helpers the appendix notebook (``notebooks/area_appendix.ipynb``) calls.

The notebook is a thin template: a tagged ``parameters`` cell, calls into this module, narrative.
It shows only published (disclosure-controlled) tables and the figures the ``figures`` rule saved;
it never reads record-level data.
"""

from __future__ import annotations

import ast
import base64
import html as htmlmod
import json
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from birthgaps.appendix import figures
from birthgaps.appendix.figures import (
    FigureSpec,
    compare_intervals,
    fmt_ci,
    fmt_or,
    fmt_pct,
    join_words,
    outcome_label,
)
from birthgaps.core import model_columns
from birthgaps.core.codes import NOT_STATED, OUTCOMES, UNKNOWN
from birthgaps.core.errors import InputError
from birthgaps.core.provenance import SYNTHETIC_NOTICE

#: What a withheld cell shows, and the one explanation of it (docs/disclosure.md): a row can be
#: withheld for a small count or to protect another row, and the tables do not say which.
WITHHELD = "[c]"
WITHHELD_TEXT = f"{figures.WITHHELD_TEXT}."
#: Footnote of every rates table.
RATES_FOOTNOTE = (
    f"{WITHHELD_TEXT} Counts are rounded to the nearest 5; percentages and 95% confidence "
    "intervals (Wilson score method) are calculated from the rounded counts."
)
COMPARISON_FOOTNOTE = (
    "Compared with {benchmark}: Fingertips method; Similar when the value for {benchmark} lies "
    "inside the 95% confidence interval; Worse or Better (95%) when it lies outside the 95% "
    "interval, (99.8%) when outside the 99.8% interval too (a lower percentage is better)."
)
RELIABILITY_FOOTNOTE = (
    "x = not calculated: fewer than 3 events (ONS practice); u = low reliability: fewer than 20 "
    "events."
)
MODELS_FOOTNOTE = (
    "Crude: one exposure at a time, from the published (rounded) counts of the rates table, "
    "births with that characteristic stated. Adjusted: odds ratios from binomial (logistic) "
    "regression on counts per covariate pattern, deprivation quintile and ethnic group together, "
    "with mother's age band and year of birth, complete cases only. A level with too few events "
    "is not estimated. An odds ratio whose 95% confidence interval excludes 1 indicates a clear "
    "difference from the reference group. Ratios and limits are rounded to 2 decimal places. "
    f"{WITHHELD_TEXT}"
)
FLOW_FOOTNOTE = (
    f"Counts are rounded to the nearest 5. {WITHHELD_TEXT} Rows that do not remove records show "
    "births kept but flagged, or left out of one outcome's denominator."
)

_DIMENSION_HEADINGS = {
    "overall": "Group",
    "imd_quintile": "IMD quintile",
    "ethnic_group": "Ethnic group",
    "age_band": "Mother's age (years)",
    "year": "Year",
}
_TERM_HEADINGS = {
    "imd_quintile": "Deprivation (IMD quintile)",
    "ethnic_group": "Ethnic group",
    "age_band": "Mother's age (years)",
    "year": "Year of birth",
}


#: Column-name wording of the models' complete-case note -> plain words.
_NOTE_WORDS = {
    "imd_quintile Unknown": "IMD quintile unknown",
    "ethnic_group Not stated": "ethnicity not stated",
    "age_band Unknown": "age unknown",
    "imd_quintile": "IMD quintile",
    "ethnic_group": "ethnic group",
    "age_band": "age band",
}


class NotebookError(InputError):
    """The appendix notebook could not be executed or rendered; names the notebook and the cell."""


# --------------------------------------------------------------------------------------------
# Reading the published tables
# --------------------------------------------------------------------------------------------


def _read_csv(path: str | Path, columns: Sequence[str], name: str, dtypes: dict) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(
            f"the published {name} table is missing",
            file=str(path),
            hint=f"run the rule that writes the {name} table first",
        )
    try:
        table = pd.read_csv(path, dtype=dtypes, keep_default_na=True)
    except (ValueError, pd.errors.ParserError) as error:
        raise InputError(f"the {name} table cannot be read: {error}", file=str(path)) from error
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"the {name} table lacks column(s) {', '.join(missing)}",
            file=str(path),
            column=", ".join(missing),
            hint="see docs/architecture.md for the table's format",
        )
    return table


def read_rates(path: str | Path) -> pd.DataFrame:
    """The published rates table with text columns as strings (group "1" stays "1")."""
    text = {
        c: "string" for c in ("area_code", "area_name", "outcome", "dimension", "group", "flag")
    }
    table = _read_csv(
        path, figures.RATES_COLUMNS, "rates", {**text, "events": "Int64", "denominator": "Int64"}
    )
    table["flag"] = table["flag"].fillna("") if "flag" in table.columns else ""
    return table


def read_models(path: str | Path) -> pd.DataFrame:
    """The published models table with levels as strings."""
    text = {
        c: "string" for c in ("area_code", "outcome", "model", "term", "level", "reference", "note")
    }
    table = _read_csv(path, figures.MODELS_COLUMNS, "models", text)
    table["note"] = table["note"].fillna("")
    return table


def read_risk_ratios(path: str | Path) -> pd.DataFrame:
    """The published risk-ratio table (same layout as the models table) with levels as strings."""
    text = {
        c: "string" for c in ("area_code", "outcome", "model", "term", "level", "reference", "note")
    }
    table = _read_csv(path, figures.RISK_RATIOS_COLUMNS, "risk ratios", text)
    table["note"] = table["note"].fillna("")
    return table


#: Columns of the other published model tables (docs/models.md, "Tables"), ``area_code`` first.
INTERACTION_TABLE_COLUMNS = model_columns.PUBLISHED_INTERACTION_COLUMNS
STRATIFIED_TABLE_COLUMNS = model_columns.PUBLISHED_STRATIFIED_COLUMNS
EXCESS_TABLE_COLUMNS = model_columns.PUBLISHED_EXCESS_COLUMNS
FIT_TABLE_COLUMNS = model_columns.PUBLISHED_FIT_COLUMNS
_COUNT_DTYPES = {"n_births": "Int64", "n_events": "Int64"}


def _bool_column(table: pd.DataFrame, column: str) -> None:
    """A CSV's True/False column (missing = False) as bool, in place."""
    table[column] = figures.as_bool(table[column])


def read_interaction(path: str | Path) -> pd.DataFrame:
    """The published interaction-test table: one row per area and outcome."""
    text = {c: "string" for c in ("area_code", "outcome", "terms", "note")}
    ints = {
        c: "Int64"
        for c in ("df", "n_combinations", "n_sparse_combinations", "n_empty_combinations")
    }
    table = _read_csv(
        path, INTERACTION_TABLE_COLUMNS, "interaction", {**text, **ints, **_COUNT_DTYPES}
    )
    table["note"] = table["note"].fillna("")
    _bool_column(table, "significant")
    return table


def read_stratified(path: str | Path) -> pd.DataFrame:
    """The published stratified estimates (ORs within each ethnic group and each quintile)."""
    text = {
        c: "string"
        for c in (
            "area_code",
            "outcome",
            "stratum_term",
            "stratum",
            "term",
            "level",
            "reference",
            "note",
        )
    }
    table = _read_csv(path, STRATIFIED_TABLE_COLUMNS, "stratified", {**text, **_COUNT_DTYPES})
    table["note"] = table["note"].fillna("")
    for column in ("stratum", "level", "reference"):
        table[column] = table[column].map(figures.tidy_level).astype("string")
    _bool_column(table, "interaction_significant")
    return table


def read_excess_explained(path: str | Path) -> pd.DataFrame:
    """The published table of each group's excess explained by deprivation (both measures)."""
    text = {
        c: "string"
        for c in (
            "area_code",
            "outcome",
            "measure",
            "term",
            "level",
            "reference",
            "explained_by",
            "base_terms",
            "note",
        )
    }
    table = _read_csv(path, EXCESS_TABLE_COLUMNS, "excess explained", {**text, **_COUNT_DTYPES})
    table["note"] = table["note"].fillna("")
    return table


def read_model_fit(path: str | Path) -> pd.DataFrame:
    """The published fit summaries (goodness-of-fit p-value, c-statistic) of every model."""
    text = {c: "string" for c in ("area_code", "outcome", "measure", "model", "terms", "note")}
    ints = {c: "Int64" for c in ("n_parameters", "n_patterns", "pattern_df")}
    table = _read_csv(path, FIT_TABLE_COLUMNS, "model fit", {**text, **ints, **_COUNT_DTYPES})
    table["note"] = table["note"].fillna("")
    return table


def read_trends(path: str | Path) -> pd.DataFrame:
    """The published recent-trends table (``indicators.trends_table``), groups as strings."""
    text = {
        c: "string"
        for c in ("area_code", "area_name", "outcome", "dimension", "group", "direction", "label")
    }
    table = _read_csv(
        path,
        figures.TRENDS_COLUMNS,
        "trends",
        {
            **text,
            "method": "string",
            "reason": "string",
            "first_year": "Int64",
            "last_year": "Int64",
        },
    )
    table["reason"] = table["reason"].fillna("")
    return table


def read_inequality(path: str | Path) -> pd.DataFrame:
    """The published inequality table (``indicators.publish_inequality``), groups as strings."""
    text = {
        c: "string"
        for c in (
            "area_code",
            "area_name",
            "outcome",
            "measure",
            "dimension",
            "group",
            "reference",
            "unit",
            "reliability",
            "note",
            "flag",
        )
    }
    table = _read_csv(path, figures.INEQUALITY_COLUMNS, "inequality", text)
    for column in ("reference", "note", "reliability"):
        if column in table.columns:
            table[column] = table[column].fillna("")
    return table


def read_funnel(path: str | Path) -> pd.DataFrame:
    """The published funnel table (``indicators.publish_funnel``): points and limit lines."""
    text = {
        c: "string"
        for c in ("outcome", "row_type", "area_code", "area_name", "significance", "flag")
    }
    table = _read_csv(
        path,
        figures.FUNNEL_COLUMNS,
        "funnel",
        {**text, "year": "Int64", "events": "Int64", "denominator": "Int64"},
    )
    table["significance"] = table["significance"].fillna("")
    return table


def read_flow(path: str | Path) -> pd.DataFrame:
    """The published exclusion flow (format of ``clean.publish_flow``)."""
    text = {c: "string" for c in ("step", "description", "flag", "area_code")}
    return _read_csv(path, ["description", "count"], "exclusion flow", text)


# --------------------------------------------------------------------------------------------
# Inputs of one area's appendix
# --------------------------------------------------------------------------------------------


@dataclass
class AppendixInputs:
    """Everything one appendix shows: published tables, the area and its saved figures."""

    release: str
    release_label: str
    area_code: str
    area_name: str
    synthetic: bool
    rates: pd.DataFrame
    models: pd.DataFrame
    flow: pd.DataFrame
    figures_dir: Path
    outcomes: list[str] = field(default_factory=list)
    model_outcomes: list[str] = field(default_factory=list)
    specs: list[FigureSpec] = field(default_factory=list)
    period: str | None = None
    trends: pd.DataFrame = field(default_factory=pd.DataFrame)
    inequality: pd.DataFrame = field(default_factory=pd.DataFrame)
    funnel: pd.DataFrame = field(default_factory=pd.DataFrame)
    risk_ratios: pd.DataFrame = field(default_factory=pd.DataFrame)
    interaction: pd.DataFrame = field(default_factory=pd.DataFrame)
    stratified: pd.DataFrame = field(default_factory=pd.DataFrame)
    excess_explained: pd.DataFrame = field(default_factory=pd.DataFrame)
    model_fit: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: published model table (CSV name) -> why it has no rows, when it is empty by design
    empty_notes: dict[str, str] = field(default_factory=dict)


def read_empty_notes(path: str | Path) -> dict[str, str]:
    """The models rule's reasons for the model tables that are empty by design (CSV name ->
    reason, ``models.empty_table_notes``)."""
    path = Path(path)
    try:
        notes = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(
            f"the list of tables empty by design cannot be read: {error}",
            file=str(path),
            hint="run the models rule, which writes it",
        ) from error
    if not isinstance(notes, dict) or not all(isinstance(v, str) for v in notes.values()):
        raise InputError(
            "the list of tables empty by design must map table names to reasons",
            file=str(path),
        )
    return {str(k): v for k, v in notes.items()}


def check_empty_by_design(
    name: str,
    path: str | Path,
    table: pd.DataFrame,
    empty_notes: Mapping[str, str],
    notes_path: str | Path,
) -> None:
    """A model table without rows must be listed in ``empty_notes`` (empty by design); an
    ``InputError`` naming the file otherwise (an earlier rule wrote no rows by mistake)."""
    if table.empty and name not in empty_notes:
        raise InputError(
            f"the published {name} table has no rows and is not empty by design",
            file=str(path),
            rule="appendix",
            rows=0,
            hint=f"check the models rule's log; {notes_path} lists the tables that may be empty",
        )


def empty_note_sentence(inputs: AppendixInputs, table: str) -> str | None:
    """``Stratified estimates are shown only when ...`` for a table empty by design, else None."""
    reason = inputs.empty_notes.get(table)
    return f"{reason[:1].upper()}{reason[1:]}." if reason else None


def load_appendix_inputs(
    *,
    release: str,
    release_label: str,
    area_code: str,
    area_name: str,
    synthetic: bool,
    rates_csv: str | Path,
    models_csv: str | Path,
    flow_csv: str | Path,
    trends_csv: str | Path,
    inequality_csv: str | Path,
    funnel_csv: str | Path,
    figures_dir: str | Path,
    risk_ratios_csv: str | Path | None = None,
    interaction_csv: str | Path | None = None,
    stratified_csv: str | Path | None = None,
    excess_explained_csv: str | Path | None = None,
    model_fit_csv: str | Path | None = None,
    empty_tables_json: str | Path | None = None,
) -> AppendixInputs:
    """Read and check the notebook's inputs; every problem is an ``InputError`` naming file and column.

    The five further model tables are optional (empty path or None: that part of the appendix
    says the table is not available, and no risk-ratio figures are expected). With
    ``empty_tables_json`` (the models rule's reasons), a model table without rows must be listed
    there (empty by design, and the appendix says why); one that is not stops the appendix.
    """
    if not isinstance(synthetic, bool):
        raise InputError(
            f"parameter synthetic must be true or false, not {synthetic!r}", key="synthetic"
        )
    for key, value in (("area_code", area_code), ("area_name", area_name), ("release", release)):
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"parameter {key} must be a non-empty string, not {value!r}", key=key)
    rates = read_rates(rates_csv)
    models = read_models(models_csv)
    flow = read_flow(flow_csv)
    trends = read_trends(trends_csv)
    inequality = read_inequality(inequality_csv)
    funnel = read_funnel(funnel_csv)

    def optional(path: str | Path | None, reader) -> pd.DataFrame:
        return pd.DataFrame() if path is None or str(path).strip() == "" else reader(path)

    risk_ratios = optional(risk_ratios_csv, read_risk_ratios)
    interaction = optional(interaction_csv, read_interaction)
    stratified = optional(stratified_csv, read_stratified)
    excess = optional(excess_explained_csv, read_excess_explained)
    model_fit = optional(model_fit_csv, read_model_fit)
    empty_notes: dict[str, str] = {}
    if empty_tables_json is not None and str(empty_tables_json).strip():
        empty_notes = read_empty_notes(empty_tables_json)
        given = {
            "models": (models_csv, models),
            "risk_ratios": (risk_ratios_csv, risk_ratios),
            "interaction": (interaction_csv, interaction),
            "stratified": (stratified_csv, stratified),
            "excess_explained": (excess_explained_csv, excess),
            "model_fit": (model_fit_csv, model_fit),
        }
        for name, (path, table) in given.items():
            if path and str(path).strip():
                check_empty_by_design(name, path, table, empty_notes, empty_tables_json)
    known = sorted(set(rates["area_code"].dropna()))
    if area_code not in known:
        raise InputError(
            f"area {area_code} ({area_name}) is not in the rates table",
            file=str(rates_csv),
            column="area_code",
            rows=0,
            hint=f"areas in the table: {', '.join(known)}; check the areas: section of the config",
        )
    outcomes = figures.outcomes_in(rates, area_code)
    model_outcomes = figures.outcomes_in(models, area_code)
    specs = figures.figure_specs(outcomes, model_outcomes, risk_ratios=not risk_ratios.empty)
    figures_dir = Path(figures_dir)
    missing = [
        f"{spec.stem}{ext}"
        for spec in specs
        for ext in (".png", ".txt")
        if not (figures_dir / f"{spec.stem}{ext}").exists()
    ]
    if missing:
        raise InputError(
            f"{len(missing)} figure file(s) of area {area_code} are missing: {', '.join(missing[:6])}"
            + (" ..." if len(missing) > 6 else ""),
            file=str(figures_dir),
            hint="run the figures rule for this area (figures.write_area_figures) first",
        )
    return AppendixInputs(
        release=release,
        release_label=release_label,
        area_code=area_code,
        area_name=area_name,
        synthetic=synthetic,
        rates=rates,
        models=models,
        flow=flow,
        figures_dir=figures_dir,
        outcomes=outcomes,
        model_outcomes=model_outcomes,
        specs=specs,
        period=figures.period_of(rates, area_code),
        trends=trends,
        inequality=inequality,
        funnel=funnel,
        risk_ratios=risk_ratios,
        interaction=interaction,
        stratified=stratified,
        excess_explained=excess,
        model_fit=model_fit,
        empty_notes=empty_notes,
    )


# --------------------------------------------------------------------------------------------
# HTML building blocks
# --------------------------------------------------------------------------------------------


def _e(text: object) -> str:
    return htmlmod.escape(str(text), quote=True)


def banner_html(synthetic: bool) -> str:
    """A visible notice at the top of every page of a synthetic release ('' otherwise)."""
    if not synthetic:
        return ""
    return (
        '<div role="note" aria-label="Synthetic data" style="border:3px solid #801650;'
        "background:#fbeaf1;color:#1a1a1a;padding:0.8em 1em;margin:0.5em 0 1em 0;"
        'font-size:1.1em"><strong>'
        + _e(SYNTHETIC_NOTICE)
        + "</strong> Every number on this page comes from a generated demonstration release; "
        "it must not be quoted as evidence about any real place.</div>"
    )


def title_html(inputs: AppendixInputs) -> str:
    """Page heading: area, topic, release and period."""
    period = f", {inputs.period}" if inputs.period else ""
    return (
        f"<h1>{_e(inputs.area_name)}: inequalities in preterm birth and low birth weight</h1>"
        f"<p>Appendix to the scrutiny report. Release: {_e(inputs.release_label)} "
        f"(<code>{_e(inputs.release)}</code>); area code {_e(inputs.area_code)}{_e(period)}.</p>"
    )


def _markdown_to_html_paragraphs(sentences: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(s)}</li>" for s in sentences) + "</ul>"


def _rate_row(rates: pd.DataFrame, area_code: str, outcome: str, dimension: str, group: str):
    rows = figures.select_rates(rates, area_code, outcome, dimension, required=False)
    hit = rows[(rows["group"] == group) & ~rows["suppressed"]]
    return None if hit.empty else hit.iloc[0]


def _rate_words(row) -> str:
    return f"{fmt_pct(row['percent'])} (95% CI {fmt_ci(row['lower_95'], row['upper_95'])})"


def _or_words(row) -> str:
    return f"{fmt_or(row['odds_ratio'])} (95% CI {fmt_ci(row['lower_95'], row['upper_95'], 2)})"


def headline_findings(inputs: AppendixInputs) -> list[str]:
    """A few sentences per outcome, computed from the published tables."""
    sentences: list[str] = []
    area = inputs.area_code
    for outcome in inputs.outcomes:
        label = outcome_label(outcome)
        lower = label[:1].lower() + label[1:]
        overall = _rate_row(inputs.rates, area, outcome, "overall", "All")
        if overall is None:
            over = figures.select_rates(inputs.rates, area, outcome, "overall", required=False)
            over = over[~over["suppressed"]]
            overall = None if over.empty else over.iloc[0]
        period = f" in {inputs.period}" if inputs.period else ""
        if overall is not None:
            sentences.append(f"{label}: {_rate_words(overall)} of live births{period}.")
        most = _rate_row(inputs.rates, area, outcome, "imd_quintile", "1")
        least = _rate_row(inputs.rates, area, outcome, "imd_quintile", "5")
        if most is not None and least is not None:
            direction = compare_intervals(
                most["lower_95"], most["upper_95"], least["lower_95"], least["upper_95"]
            )
            verdict = {
                1: "higher in the most deprived fifth (the confidence intervals do not overlap)",
                -1: "lower in the most deprived fifth (the confidence intervals do not overlap)",
                0: "no clear difference (the confidence intervals overlap)",
            }[direction]
            sentences.append(
                f"{label} in the most deprived fifth of neighbourhoods (IMD quintile 1): "
                f"{_rate_words(most)}, against {_rate_words(least)} in the least deprived fifth "
                f"(quintile 5): {verdict}."
            )
        comparison = benchmark_sentence(inputs, outcome)
        if comparison:
            sentences.append(comparison)
        if not inputs.inequality.empty:
            rows = figures.inequality_rows(inputs.inequality, area, outcome)
            if figures.measure_row(rows, "sii") is not None:
                sentences.append(
                    figures.sii_finding(inputs.inequality, area, outcome, inputs.area_name) + "."
                )
        if outcome in inputs.model_outcomes:
            sentences.extend(_model_sentences(inputs, outcome, lower))
    return sentences


def _model_sentences(inputs: AppendixInputs, outcome: str, lower: str) -> list[str]:
    rows = figures.select_models(inputs.models, inputs.area_code, outcome)
    adjusted = rows[rows["model"] == "adjusted"]
    if adjusted.empty:
        return []
    others = [
        t
        for t in ("imd_quintile", "ethnic_group", "age_band", "year")
        if t in set(adjusted["term"])
    ]

    def phrase(term: str, level: str) -> str | None:
        hit = adjusted[(adjusted["term"] == term) & (adjusted["level"] == level)]
        if hit.empty:
            return None
        row = hit.iloc[0]
        who = (
            f"for {figures.group_phrase('ethnic_group', [level])}"
            if term == "ethnic_group"
            else f"in IMD quintile {level}"
        )
        if figures.too_few_events(row["note"]) or pd.isna(row["odds_ratio"]):
            reason = figures.estimate_note(row["note"]) or "no estimate"
            return f"not estimated {who} ({reason})"
        clear = (
            ""
            if compare_intervals(row["lower_95"], row["upper_95"], 1, 1)
            else ", not a clear difference"
        )
        return f"{_or_words(row)} {who}{clear}"

    sentences = []
    ethnic_ref = adjusted.loc[adjusted["term"] == "ethnic_group", "reference"]
    ethnic_parts = [p for p in (phrase("ethnic_group", g) for g in ("Black", "Asian")) if p]
    if ethnic_parts and not ethnic_ref.empty:
        adjusted_for = [figures.TERM_PHRASES[t] for t in others if t != "ethnic_group"]
        sentences.append(
            f"Adjusted odds ratios of {lower} (adjusted for {join_words(adjusted_for)}), compared "
            f"with {figures.group_phrase('ethnic_group', [str(ethnic_ref.iloc[0])])}: "
            f"{'; '.join(ethnic_parts)}."
        )
    imd_ref = adjusted.loc[adjusted["term"] == "imd_quintile", "reference"]
    imd_part = phrase("imd_quintile", "1")
    if imd_part and not imd_ref.empty:
        adjusted_for = [figures.TERM_PHRASES[t] for t in others if t != "imd_quintile"]
        sentences.append(
            f"Adjusted odds ratio of {lower} in the most deprived fifth compared with quintile "
            f"{imd_ref.iloc[0]} (adjusted for {join_words(adjusted_for)}): {imd_part}."
        )
    return sentences


def findings_html(inputs: AppendixInputs) -> str:
    """The headline findings as a list."""
    sentences = headline_findings(inputs)
    if not sentences:
        return "<p>No findings can be reported: every headline value is suppressed.</p>"
    return _markdown_to_html_paragraphs(sentences)


def data_summary_html(inputs: AppendixInputs) -> str:
    """Dynamic part of 'Data and methods': period, births counted and the complete-case note."""
    parts = []
    first = inputs.outcomes[0] if inputs.outcomes else None
    if first is not None:
        over = figures.select_rates(
            inputs.rates, inputs.area_code, first, "overall", required=False
        )
        raw = inputs.rates[
            (inputs.rates["area_code"] == inputs.area_code)
            & (inputs.rates["outcome"] == first)
            & (inputs.rates["dimension"] == "overall")
        ]
        if not raw.empty and not over["suppressed"].iloc[0] and "denominator" in raw.columns:
            births = int(pd.to_numeric(raw["denominator"]).iloc[0])
            parts.append(
                f"The analysis covers {births:,} live births (rounded to the nearest 5) to mothers "
                f"resident in {_e(inputs.area_name)}"
                + (f" in {_e(inputs.period)}" if inputs.period else "")
                + f", counted in the denominator of {_e(outcome_label(first).lower())}."
            )
    notes = [
        n
        for n in inputs.models.loc[inputs.models["area_code"] == inputs.area_code, "note"].dropna()
        if isinstance(n, str) and "complete cases" in n
    ]
    if notes:
        note = next(p.strip() for p in notes[0].split(";") if "complete cases" in p)
        note = note.removeprefix("complete cases").lstrip(": ")
        for raw, words in _NOTE_WORDS.items():
            note = note.replace(raw, words)
        parts.append(
            f"Models use complete cases (births with every characteristic known): {_e(note)}."
        )
    if "benchmark_label" in inputs.rates.columns:
        bench = figures.benchmark_label_of(inputs.rates)
        parts.append(
            f"Rates are compared with {_e(bench)} by the Fingertips method (95% and 99.8% "
            "confidence intervals; a lower percentage is better)."
        )
    return "".join(f"<p>{p}</p>" for p in parts)


def definitions_table(outcomes: Sequence[str] | None = None) -> pd.DataFrame:
    """Outcome definitions (definitions.OUTCOMES) for the outcomes shown."""
    names = list(outcomes) if outcomes else list(OUTCOMES)
    return pd.DataFrame(
        {
            "Outcome": [outcome_label(o) for o in names],
            "Definition": [
                figures.outcome_definition(o)[:1].upper() + figures.outcome_definition(o)[1:]
                for o in names
            ],
        }
    )


def _count(value) -> str:
    return WITHHELD if pd.isna(value) else f"{int(value):,}"


def format_rates_table(
    rates: pd.DataFrame, area_code: str, outcome: str, dimension: str
) -> pd.DataFrame:
    """Rates of one area, outcome and dimension with readable labels; "[c]" where withheld.

    The footnote is in ``table.attrs["footnote"]`` (``table_html`` prints it).
    """
    figures.require_columns(rates, [*figures.RATES_COLUMNS, "events", "denominator"], "rates")
    mask = (
        (
            (rates["area_code"].astype("string") == str(area_code))
            & (rates["outcome"].astype("string") == outcome)
            & (rates["dimension"].astype("string") == dimension)
        )
        .fillna(False)
        .astype(bool)
    )
    raw = rates.loc[mask].copy()
    if raw.empty:
        raise InputError(
            f"the rates table has no rows for area {area_code}, outcome {outcome!r}, dimension "
            f"{dimension!r}",
            column="dimension",
            rows=0,
        )
    raw["group"] = raw["group"].astype("string").str.strip()
    raw["_suppressed"] = figures.as_bool(raw["suppressed"]) | pd.to_numeric(raw["percent"]).isna()
    label = outcome_label(outcome)
    if dimension == "imd_quintile_by_ethnic_group":
        parts = raw["group"].str.partition(" | ")
        raw["_q"], raw["_e"] = parts[0].str.strip(), parts[2].str.strip()
        q_order = {q: i for i, q in enumerate([*figures.IMD_QUINTILES, UNKNOWN])}
        e_order = {g: i for i, g in enumerate(figures.ETHNIC_GROUPS)}
        raw = raw.assign(
            _k1=raw["_q"].map(q_order).fillna(99), _k2=raw["_e"].map(e_order).fillna(99)
        ).sort_values(["_k1", "_k2", "_q", "_e"], kind="stable")
        lead = {
            "IMD quintile": [figures.imd_label(q) for q in raw["_q"]],
            "Ethnic group": list(raw["_e"]),
        }
    else:
        order = figures.order_groups(dimension, list(raw["group"]))
        raw = raw.set_index("group", drop=False).loc[order]
        lead = {
            _DIMENSION_HEADINGS.get(dimension, dimension): [
                figures.group_label(dimension, g) for g in raw["group"]
            ]
        }
    reliability = (
        raw["reliability"].astype("string").fillna("").to_numpy(dtype=object)
        if "reliability" in raw.columns
        else np.full(len(raw), "", dtype=object)
    )
    # a rate not calculated from too few events ("x") is blank but its counts are published
    counted = figures.as_bool(raw["suppressed"]).to_numpy()
    suppressed = raw["_suppressed"].to_numpy() & (reliability != "x")
    pct = pd.to_numeric(raw["percent"]).to_numpy()
    lo = pd.to_numeric(raw["lower_95"]).to_numpy()
    hi = pd.to_numeric(raw["upper_95"]).to_numpy()

    def rate_text(s: bool, flag: str, text: str) -> str:
        if s:
            return WITHHELD
        if flag == "x":
            return "x"
        return f"{text} u" if flag == "u" else text

    columns = {
        **lead,
        "Live births": [
            WITHHELD if s else _count(v) for s, v in zip(counted, raw["denominator"], strict=True)
        ],
        label: [WITHHELD if s else _count(v) for s, v in zip(counted, raw["events"], strict=True)],
        "%": [
            rate_text(s, f, f"{p:.1f}")
            for s, f, p in zip(suppressed, reliability, pct, strict=True)
        ],
        "95% CI": [
            rate_text(s, f, fmt_ci(a, b)).removesuffix(" u")
            for s, f, a, b in zip(suppressed, reliability, lo, hi, strict=True)
        ],
    }
    footnote = RATES_FOOTNOTE
    if "comparison" in raw.columns:
        bench = figures.benchmark_label_of(rates)
        comparisons = raw["comparison"].astype("string").fillna("").to_numpy(dtype=object)
        columns[f"Compared with {bench}"] = [
            WITHHELD if s else (c or "–") for s, c in zip(suppressed, comparisons, strict=True)
        ]
        footnote += " " + COMPARISON_FOOTNOTE.format(benchmark=bench)
    if "reliability" in raw.columns:
        footnote += " " + RELIABILITY_FOOTNOTE
    table = pd.DataFrame(columns).reset_index(drop=True)
    table.attrs["footnote"] = footnote
    return table


def format_models_table(models: pd.DataFrame, area_code: str, outcome: str) -> pd.DataFrame:
    """Crude and adjusted odds ratios (95% CI) of the exposures, reference rows included.

    Counts are not shown (the models table's ``n_births``/``n_events`` are model totals).
    """
    rows = figures.select_models(models, area_code, outcome)
    layout = figures.model_terms(rows, ("imd_quintile", "ethnic_group"))
    records = []
    for term, reference, levels in layout:
        for level in levels:
            record = {
                "Exposure": _TERM_HEADINGS.get(term, term),
                "Group": figures.level_label(term, level),
            }
            for model, column in (
                ("crude", "Crude OR (95% CI)"),
                ("adjusted", "Adjusted OR (95% CI)"),
            ):
                if level == reference:
                    record[column] = "1 (reference)"
                    continue
                hit = rows[
                    (rows["model"] == model) & (rows["term"] == term) & (rows["level"] == level)
                ]
                if hit.empty:
                    record[column] = "–"
                    continue
                row = hit.iloc[0]
                if figures.too_few_events(row["note"]) or pd.isna(row["odds_ratio"]):
                    record[column] = figures.estimate_note(row["note"]) or "not estimated"
                else:
                    record[column] = (
                        f"{fmt_or(row['odds_ratio'])} ({fmt_ci(row['lower_95'], row['upper_95'], 2)})"
                    )
            records.append(record)
    table = pd.DataFrame(
        records, columns=["Exposure", "Group", "Crude OR (95% CI)", "Adjusted OR (95% CI)"]
    )
    table.attrs["footnote"] = MODELS_FOOTNOTE
    return table


def format_flow_table(flow: pd.DataFrame, area_code: str | None = None) -> pd.DataFrame:
    """The exclusion flow with readable columns; "[c]" where withheld."""
    steps = figures.normalise_flow(flow, area_code)
    kinds = {"total": "Counted", "excluded": "Removed", "flagged": "Kept, flagged"}
    table = pd.DataFrame(
        {
            "Step": list(steps["description"]),
            "Records": [
                WITHHELD if s else _count(v)
                for s, v in zip(steps["suppressed"], steps["count"], strict=True)
            ],
            "Records remaining": [
                (WITHHELD if k != "flagged" else "") if s else ("" if pd.isna(v) else _count(v))
                for s, v, k in zip(
                    steps["suppressed"], steps["remaining"], steps["kind"], strict=True
                )
            ],
            "Type": [kinds.get(k, k) for k in steps["kind"]],
        }
    )
    table.attrs["footnote"] = FLOW_FOOTNOTE
    return table


def table_html(table: pd.DataFrame, caption: str, footnote: str | None = None) -> str:
    """An accessible HTML table: caption, column headers, row headers, numbers right-aligned."""
    footnote = footnote if footnote is not None else table.attrs.get("footnote")
    columns = list(table.columns)
    numeric = [
        all(
            re.fullmatch(r"[\d,.\scux%–-]*(to [\d.]+)?|\[c\]", str(v) or WITHHELD)
            for v in table[col]
        )
        for col in columns
    ]
    head = "".join(
        f'<th scope="col" style="text-align:{"right" if n else "left"}">{_e(c)}</th>'
        for c, n in zip(columns, numeric, strict=True)
    )
    body = []
    for _, row in table.iterrows():
        cells = []
        for i, (column, n) in enumerate(zip(columns, numeric, strict=True)):
            align = "right" if n else "left"
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            cells.append(f'<{tag}{scope} style="text-align:{align}">{_e(row[column])}</{tag}>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    out = (
        '<table style="border-collapse:collapse;margin:0.5em 0">'
        f'<caption style="text-align:left;font-weight:bold;padding-bottom:0.4em">{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    if footnote:
        out += f'<p style="font-size:0.9em;max-width:60em">{_e(footnote)}</p>'
    return out


def figure_html(figures_dir: str | Path, stem: str) -> str:
    """A saved figure embedded as base64 PNG with its alt text, and the text as a visible description."""
    png = Path(figures_dir) / f"{stem}.png"
    txt = Path(figures_dir) / f"{stem}.txt"
    for path in (png, txt):
        if not path.exists():
            raise InputError(
                "a figure file is missing",
                file=str(path),
                hint="run the figures rule for this area",
            )
    alt = txt.read_text(encoding="utf-8").strip()
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (
        '<figure style="margin:1em 0">'
        f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}" '
        'style="max-width:100%;height:auto;width:900px">'
        "<figcaption><details><summary>Text description of this chart</summary>"
        f"<p>{_e(alt)}</p></details></figcaption></figure>"
    )


def outcome_section_html(inputs: AppendixInputs, outcome: str) -> str:
    """One outcome: figures by deprivation and ethnic group, their tables, then age and year."""
    label = outcome_label(outcome)
    by_stem = {
        s.stem: s for s in inputs.specs if s.outcome == outcome and s.kind in ("imd", "group")
    }
    parts = [f"<h3>{_e(label)}</h3>"]
    for spec in by_stem.values():
        parts.append(figure_html(inputs.figures_dir, spec.stem))
        if spec.dimension in ("imd_quintile", "ethnic_group"):
            table = format_rates_table(inputs.rates, inputs.area_code, outcome, spec.dimension)
            heading = figures.TERM_PHRASES[spec.dimension]
            parts.append(
                table_html(
                    table,
                    f"{label} by {heading}, {inputs.area_name}"
                    + (f", {inputs.period}" if inputs.period else ""),
                )
            )
    return "".join(parts)


def models_section_html(inputs: AppendixInputs) -> str:
    """Model tables and forest plots for each modelled outcome."""
    if not inputs.model_outcomes:
        return "<p>No models were fitted for this area.</p>"
    parts = []
    for outcome in inputs.model_outcomes:
        label = outcome_label(outcome)
        parts.append(f"<h3>{_e(label)}: odds ratios</h3>")
        parts.append(
            table_html(
                format_models_table(inputs.models, inputs.area_code, outcome),
                f"Odds ratios of {label.lower()} by deprivation and ethnic group, {inputs.area_name}",
            )
        )
        parts.append(figure_html(inputs.figures_dir, f"{outcome}_odds_ratios"))
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Adjusted risk ratios, interaction, stratified estimates, excess explained, model fit
# --------------------------------------------------------------------------------------------

STRATIFIED_FOOTNOTE = (
    "Odds ratios of each deprivation quintile against the reference quintile among mothers of one "
    "ethnic group, from a logistic model fitted within that group with the other adjusted terms. "
    "A quintile with too few events (or non-events) in the group is not estimated. Births rounded "
    f"to the nearest 5. {WITHHELD_TEXT} The ethnic-group odds ratios within each quintile are in "
    "the published stratified table."
)
FIT_FOOTNOTE = (
    "Goodness of fit: p-value of the deviance against the model with one rate per covariate "
    "pattern (a small p-value suggests the model misses a pattern; rough when patterns are "
    "small). The modified Poisson likelihood is a working likelihood, so those models have a "
    "c-statistic only. c-statistic: the probability that a birth with the outcome has a higher "
    "predicted risk than one without (0.5 = no better than chance), in-sample. The models "
    "describe differences between groups; they are not for predicting an individual's risk. "
    "Log-likelihoods, deviances and AIC are not published: at full precision they would give "
    f"counts back. Births rounded to the nearest 5. {WITHHELD_TEXT}"
)
#: Notes of the excess-explained table, in plain words (docs/models.md).
_EXCESS_NOTE_WORDS = {
    "base ratio near 1 (its 95% CI includes 1): no excess to explain": (
        "no clear excess to explain (the ratio before adding {explained} has a 95% confidence "
        "interval that includes 1)"
    ),
    "base ratio below 1: the percentage is of the deficit": (
        "lower risk than the reference group: the share is of the deficit"
    ),
}
_MODEL_LABELS = {"crude": "Crude", "adjusted": "Adjusted", "interaction": "Adjusted + interaction"}


def fmt_p(p: float, threshold: float | None = None) -> str:
    """``p = 0.15``, ``p = 0.004``, ``p < 0.001``; one more digit when rounding would land on the
    significance threshold, so a p-value just below 0.05 never reads as 0.05."""
    if p < 0.001:
        return "p < 0.001"
    digits = 2 if p >= 0.01 else 3
    text = f"{p:.{digits}f}"
    while threshold is not None and digits < 4 and float(text) == threshold and p != threshold:
        digits += 1
        text = f"{p:.{digits}f}"
    return f"p = {text}"


def _rows_of(table: pd.DataFrame, area_code: str, outcome: str) -> pd.DataFrame:
    """Rows of one area and outcome of a published table (empty when the table is)."""
    if table.empty:
        return table
    mask = (table["area_code"].astype("string") == str(area_code)) & (
        table["outcome"].astype("string") == outcome
    )
    return table.loc[mask.fillna(False).astype(bool)]


def _terms_words(terms: str) -> str:
    """``imd_quintile + ethnic_group:...`` -> readable words."""
    words = []
    for term in str(terms).split(" + "):
        parts = [figures.TERM_PHRASES.get(t.strip(), t.strip()) for t in term.split(":")]
        words.append(" × ".join(parts))
    return join_words(words)


def _ratio_text(rows: pd.DataFrame, model: str, term: str, level: str, measure: str) -> str:
    """``1.45 (1.19 to 1.77)``, the reason for no estimate, or ``–`` when the row is missing."""
    hit = rows[(rows["model"] == model) & (rows["term"] == term) & (rows["level"] == level)]
    if hit.empty:
        return "–"
    row = hit.iloc[0]
    if figures.too_few_events(row["note"]) or pd.isna(row[measure]):
        return figures.estimate_note(row["note"]) or "not estimated"
    return f"{fmt_or(row[measure])} ({fmt_ci(row['lower_95'], row['upper_95'], 2)})"


def _adjusted_for(rows: pd.DataFrame, exposures: Sequence[str]) -> list[str]:
    """Readable names of the adjusted model's terms other than ``exposures``."""
    present = set(rows.loc[rows["model"] == "adjusted", "term"])
    order = [t for t in figures.TERM_PHRASES if t in present] + sorted(
        present - set(figures.TERM_PHRASES)
    )
    return [figures.TERM_PHRASES.get(t, t) for t in order if t not in exposures]


def format_risk_ratios_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Adjusted risk ratios (95% CI) beside adjusted odds ratios for deprivation quintiles and
    ethnic groups, reference rows included."""
    rr = figures.select_models(inputs.risk_ratios, inputs.area_code, outcome, "risk_ratio")
    ors = (
        figures.select_models(inputs.models, inputs.area_code, outcome)
        if not _rows_of(inputs.models, inputs.area_code, outcome).empty
        else pd.DataFrame(columns=["model", "term", "level", "odds_ratio", "note"])
    )
    exposures = ("imd_quintile", "ethnic_group")
    records, caveats = [], []
    for term, reference, levels in figures.model_terms(rr, exposures):
        for level in levels:
            label = figures.level_label(term, level)
            record = {"Exposure": _TERM_HEADINGS.get(term, term), "Group": label}
            if level == reference:
                record["Adjusted RR (95% CI)"] = record["Adjusted OR (95% CI)"] = "1 (reference)"
            else:
                record["Adjusted RR (95% CI)"] = _ratio_text(
                    rr, "adjusted", term, level, "risk_ratio"
                )
                record["Adjusted OR (95% CI)"] = _ratio_text(
                    ors, "adjusted", term, level, "odds_ratio"
                )
                hit = rr[
                    (rr["model"] == "adjusted") & (rr["term"] == term) & (rr["level"] == level)
                ]
                if not hit.empty and np.isfinite(hit["risk_ratio"].iloc[0]):
                    caveat = figures.estimate_note(hit["note"].iloc[0])
                    if caveat:
                        caveats.append(f"{label} ({caveat})")
            records.append(record)
    table = pd.DataFrame(
        records, columns=["Exposure", "Group", "Adjusted RR (95% CI)", "Adjusted OR (95% CI)"]
    )
    others = _adjusted_for(rr, exposures)
    footnote = (
        "Adjusted risk ratios (RR) from modified Poisson regression (Poisson model with log link "
        "and robust sandwich standard errors), adjusted odds ratios (OR) from logistic regression; "
        "both models hold deprivation quintile and ethnic group together"
        + (f", with {join_words(others)}" if others else "")
        + ", and are fitted to the same births (complete cases). A risk ratio compares the "
        "percentages with the outcome directly; an odds ratio lies further from 1, the more so the "
        "commoner the outcome. A level with too few events is not estimated. Fitted to the "
        "unrounded counts; ratios and limits published to 2 decimal places."
    )
    if caveats:
        footnote += f" Read with care: {join_words(caveats)}."
    table.attrs["footnote"] = footnote
    return table


def _interaction_row(inputs: AppendixInputs, outcome: str) -> pd.Series | None:
    rows = _rows_of(inputs.interaction, inputs.area_code, outcome)
    return None if rows.empty else rows.iloc[0]


def _interaction_terms(row: pd.Series) -> tuple[str, str]:
    parts = [t.strip() for t in str(row["terms"]).split(" x ")]
    return (parts[0], parts[1]) if len(parts) == 2 else ("imd_quintile", "ethnic_group")


def _difference_phrase(row: pd.Series) -> str:
    """``the deprivation gradient differs by ethnic group`` (or the same for other terms)."""
    first, second = _interaction_terms(row)
    if {first, second} == {"imd_quintile", "ethnic_group"}:
        return "the deprivation gradient differs by ethnic group"
    a = figures.TERM_PHRASES.get(first, first)
    b = figures.TERM_PHRASES.get(second, second)
    return f"the differences by {a} differ by {b}"


def interaction_sentences(inputs: AppendixInputs, outcome: str) -> list[str]:
    """The likelihood-ratio test of the interaction in words: statistic, df and p-value, "no
    evidence" or "some evidence" by the published significance flag, never causal."""
    label = outcome_label(outcome)
    lower = label[:1].lower() + label[1:]
    row = _interaction_row(inputs, outcome)
    if row is None:
        return [f"No interaction test was published for {lower} in {inputs.area_name}."]
    first, second = _interaction_terms(row)
    names = join_words(
        [figures.TERM_PHRASES.get(second, second), figures.TERM_PHRASES.get(first, first)]
    )
    p_value = _num(row["p_value"])
    sentences = []
    if np.isnan(p_value):
        reason = "; ".join(
            part.strip()
            for part in figures.estimate_note(row["note"]).split(";")
            if part.strip() and "share the main effects" not in part
        )
        sentences.append(
            f"The interaction between {names} could not be tested for {lower}"
            + (f": {reason}." if reason else ".")
        )
        return sentences
    threshold = _num(row["p_threshold"])
    threshold = None if np.isnan(threshold) else threshold
    df = int(row["df"]) if not pd.isna(row["df"]) else None
    statistic = f"chi-squared {_num(row['lr_statistic']):.2f}" + (
        f" on {df} degree{'s' if df != 1 else ''} of freedom" if df is not None else ""
    )
    evidence = "some evidence" if bool(row["significant"]) else "no evidence"
    sentences.append(
        f"{label}: likelihood-ratio test of the interaction between {names} ({statistic}): "
        f"{evidence} that {_difference_phrase(row)} ({fmt_p(p_value, threshold)})."
    )
    sparse = row.get("n_sparse_combinations")
    total = row.get("n_combinations")
    if not pd.isna(sparse) and int(sparse) > 0 and not pd.isna(total):
        sentences.append(
            f"{int(sparse)} of the {int(total)} combinations of quintile and ethnic group had too "
            "few births with or without the outcome for a term of their own; they share the main "
            "effects."
        )
    empty = row.get("n_empty_combinations")
    if not pd.isna(empty) and int(empty) > 0:
        sentences.append(
            f"{int(empty)} combination{'s' if int(empty) != 1 else ''} of quintile and ethnic group "
            f"had no births."
        )
    if not bool(row["significant"]):
        sentences.append(
            "With the births of one area this test has little power: no evidence of a difference "
            "does not show that the gradients are the same."
        )
    return sentences


def format_stratified_table(
    inputs: AppendixInputs,
    outcome: str,
    stratum_term: str = "ethnic_group",
    term: str = "imd_quintile",
) -> pd.DataFrame:
    """The stratified odds ratios as a short grid: one row per stratum (ethnic group by default),
    one column per level of ``term`` against its reference, and the stratum's births (published)."""
    rows = _rows_of(inputs.stratified, inputs.area_code, outcome)
    rows = rows[(rows["stratum_term"] == stratum_term) & (rows["term"] == term)]
    heading = _DIMENSION_HEADINGS.get(stratum_term, stratum_term)
    if rows.empty:
        table = pd.DataFrame(columns=[heading])
        table.attrs["footnote"] = STRATIFIED_FOOTNOTE
        return table
    strata = figures.order_groups(stratum_term, list(rows["stratum"].dropna()))
    reference = str(rows["reference"].dropna().iloc[0])
    levels = [
        lv for lv in figures.order_groups(term, list(rows["level"].dropna())) if lv != reference
    ]
    short = "IMD " if term == "imd_quintile" else ""
    records = []
    for stratum in strata:
        sub = rows[rows["stratum"] == stratum]
        record = {heading: figures.level_label(stratum_term, stratum)}
        for level in levels:
            hit = sub[sub["level"] == level]
            column = f"{short}{level} v {reference} (95% CI)"
            if hit.empty:
                record[column] = "–"
                continue
            row = hit.iloc[0]
            if figures.too_few_events(row["note"]) or pd.isna(row["odds_ratio"]):
                record[column] = figures.estimate_note(row["note"]) or "not estimated"
            else:
                record[column] = (
                    f"{fmt_or(row['odds_ratio'])} ({fmt_ci(row['lower_95'], row['upper_95'], 2)})"
                )
        record["Births in the model"] = _count(sub["n_births"].iloc[0])
        records.append(record)
    table = pd.DataFrame(records)
    table.attrs["footnote"] = STRATIFIED_FOOTNOTE
    return table


def _excess_rows(inputs: AppendixInputs, outcome: str, measure: str) -> pd.DataFrame:
    rows = _rows_of(inputs.excess_explained, inputs.area_code, outcome)
    if rows.empty:
        return rows
    rows = rows[rows["measure"] == measure].copy()
    term = str(rows["term"].iloc[0]) if not rows.empty else "ethnic_group"
    order = {g: i for i, g in enumerate(figures.order_groups(term, list(rows["level"])))}
    return rows.assign(_k=rows["level"].map(order)).sort_values("_k", kind="stable")


def _explained_words(row: pd.Series) -> str:
    """``deprivation`` for the IMD quintile, else the readable names of what was added."""
    terms = [t.strip() for t in str(row["explained_by"]).split("+")]
    if terms == ["imd_quintile"]:
        return "deprivation"
    return join_words([figures.TERM_PHRASES.get(t, t) for t in terms])


def _excess_note(row: pd.Series) -> str:
    """The row's note in plain words, plus what a negative or above-100% share means."""
    explained = _explained_words(row)
    notes = []
    for part in figures.estimate_note(row["note"]).split(";"):
        part = part.strip()
        if part:
            notes.append(_EXCESS_NOTE_WORDS.get(part, part).format(explained=explained))
    pct = _num(row["pct_explained"])
    if np.isfinite(pct) and pct < 0:
        notes.append(f"adding {explained} widened the difference")
    elif np.isfinite(pct) and pct > 100:
        notes.append(f"adding {explained} reversed the difference")
    return "; ".join(notes)


def _share_text(row: pd.Series) -> str:
    pct = _num(row["pct_explained"])
    if not np.isfinite(pct):
        return "not estimated"
    lo, hi = _num(row["pct_lower_95"]), _num(row["pct_upper_95"])
    ci = f" ({lo:.0f}% to {hi:.0f}%)" if np.isfinite(lo) and np.isfinite(hi) else ""
    return f"{pct:.0f}%{ci}"


def _ratio_ci_text(row: pd.Series, prefix: str) -> str:
    value = _num(row[f"{prefix}_ratio"])
    if not np.isfinite(value):
        return figures.estimate_note(row["note"]) if figures.too_few_events(row["note"]) else "–"
    return f"{fmt_or(value)} ({fmt_ci(row[f'{prefix}_lower_95'], row[f'{prefix}_upper_95'], 2)})"


def format_excess_table(
    inputs: AppendixInputs, outcome: str, measure: str = "risk_ratio"
) -> pd.DataFrame:
    """Each ethnic group's ratio before and after adding deprivation, and the share of its excess
    explained (log scale); "not estimated" with the reason where there is no share."""
    rows = _excess_rows(inputs, outcome, measure)
    short = figures.ratio_measure(measure).short
    explained = _explained_words(rows.iloc[0]) if not rows.empty else "deprivation"
    term = str(rows["term"].iloc[0]) if not rows.empty else "ethnic_group"
    columns = [
        _DIMENSION_HEADINGS.get(term, term),
        f"{short} before adding {explained} (95% CI)",
        f"{short} after adding {explained} (95% CI)",
        f"Share of the excess explained by {explained} (95% CI)",
        "Note",
    ]
    records = [
        dict(
            zip(
                columns,
                [
                    str(row["level"]),
                    _ratio_ci_text(row, "base"),
                    _ratio_ci_text(row, "adjusted"),
                    _share_text(row),
                    _excess_note(row),
                ],
                strict=True,
            )
        )
        for _, row in rows.iterrows()
    ]
    table = pd.DataFrame(records, columns=columns)
    reference = str(rows["reference"].iloc[0]) if not rows.empty else "White"
    base = (
        _terms_words(str(rows["base_terms"].iloc[0]).replace(f"{term} + ", ""))
        if not rows.empty
        else ""
    )
    table.attrs["footnote"] = (
        f"Ratios against {figures.group_phrase(term, [reference])}"
        + (f", adjusted for {base}" if base else "")
        + f", before and after adding {explained} to the model; both models are fitted to the "
        f"same births. Share explained = 100 × (log {short} before − log {short} after) / log "
        f"{short} before, with a delta-method 95% confidence interval. Not estimated when the "
        f"{short} before adding {explained} has a 95% confidence interval that includes 1 (no clear "
        "excess to explain). The share describes how much the difference shrinks when mothers "
        f"living in equally deprived neighbourhoods are compared; it does not estimate what "
        "reducing deprivation would change."
    )
    return table


def excess_sentences(
    inputs: AppendixInputs, outcome: str, measure: str = "risk_ratio"
) -> list[str]:
    """The share of each ethnic group's excess risk explained by deprivation, in words."""
    label = outcome_label(outcome)
    lower = label[:1].lower() + label[1:]
    rows = _excess_rows(inputs, outcome, measure)
    name = figures.ratio_measure(measure).name
    noun = figures.ratio_measure(measure).noun
    sentences = []
    not_estimated: dict[str, list[str]] = {}
    for _, row in rows.iterrows():
        term, level = str(row["term"]), str(row["level"])
        group = figures.group_phrase(term, [level])
        reference = figures.group_phrase(term, [str(row["reference"])])
        explained = _explained_words(row)
        pct = _num(row["pct_explained"])
        if not np.isfinite(pct):
            reason = _excess_note(row) or "not estimated"
            not_estimated.setdefault(reason, []).append(level)
            continue
        base, adjusted = _num(row["base_ratio"]), _num(row["adjusted_ratio"])
        gap = "excess" if base >= 1 else "lower"
        before_after = (
            f"the {name} is {fmt_or(base)} (95% CI "
            f"{fmt_ci(row['base_lower_95'], row['base_upper_95'], 2)}) before and "
            f"{fmt_or(adjusted)} (95% CI "
            f"{fmt_ci(row['adjusted_lower_95'], row['adjusted_upper_95'], 2)}) after adding "
            f"{explained}"
        )
        if 0 <= pct <= 100:
            sentences.append(
                f"About {_share_text(row).replace(' (', ' (95% CI ', 1)} of the {gap} {noun} of "
                f"{lower} among {group} compared with {reference} is explained by {explained}: "
                f"{before_after}."
            )
        else:
            change = "widened" if pct < 0 else "reversed"
            sentences.append(
                f"Among {group} compared with {reference}, adding {explained} {change} the "
                f"difference in the {noun} of {lower}: {before_after}."
            )
    for reason, levels in not_estimated.items():
        term = str(rows["term"].iloc[0])
        sentences.append(
            f"The share explained is not estimated for {figures.group_phrase(term, levels)}: "
            f"{reason}."
        )
    return sentences


def format_fit_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Fit summaries of one outcome: births, parameters, goodness-of-fit p-value and the
    c-statistic of the logistic and modified Poisson version of each model (adjusted,
    interaction; crude models come from the published counts and have no fit summary)."""
    rows = _rows_of(inputs.model_fit, inputs.area_code, outcome)
    columns = [
        "Model",
        "Terms",
        "Births",
        "Parameters",
        "Goodness of fit (p)",
        "c-statistic (logistic)",
        "c-statistic (modified Poisson)",
    ]
    logistic = rows[rows["measure"] == "odds_ratio"]
    poisson = rows[rows["measure"] == "risk_ratio"]
    records = []
    for _, row in logistic.iterrows():
        twin = poisson[(poisson["model"] == row["model"]) & (poisson["terms"] == row["terms"])]
        fit_p, c = _num(row["pattern_p_value"]), _num(row["c_statistic"])
        c_rr = _num(twin["c_statistic"].iloc[0]) if not twin.empty else float("nan")
        parameters = row["n_parameters"]
        records.append(
            {
                "Model": _MODEL_LABELS.get(str(row["model"]), str(row["model"])),
                "Terms": _terms_words(str(row["terms"])),
                "Births": _count(row["n_births"]),
                "Parameters": "–" if pd.isna(parameters) else str(int(parameters)),
                "Goodness of fit (p)": "–"
                if np.isnan(fit_p)
                else fmt_p(fit_p).removeprefix("p = "),
                "c-statistic (logistic)": "–" if np.isnan(c) else f"{c:.2f}",
                "c-statistic (modified Poisson)": "–" if np.isnan(c_rr) else f"{c_rr:.2f}",
            }
        )
    table = pd.DataFrame(records, columns=columns)
    table.attrs["footnote"] = FIT_FOOTNOTE
    return table


def _model_population_sentence(inputs: AppendixInputs, outcome: str) -> str | None:
    """Births in the adjusted model and how many had the outcome (published, rounded counts)."""
    for table in (inputs.risk_ratios, inputs.models):
        rows = _rows_of(table, inputs.area_code, outcome)
        if rows.empty or not {"n_births", "n_events"} <= set(rows.columns):
            continue
        adjusted = rows[rows["model"].astype("string") == "adjusted"]
        if adjusted.empty:
            continue
        births, events = adjusted["n_births"].iloc[0], adjusted["n_events"].iloc[0]
        label = outcome_label(outcome)
        lower = label[:1].lower() + label[1:]
        return (
            f"The adjusted models of {lower} are fitted to {_count(births)} births with every "
            f"characteristic known, {_count(events)} of them with {lower} (counts rounded to the "
            "nearest 5; [c] = withheld to protect confidentiality)."
        )
    return None


def _not_available(name: str) -> str:
    return f"<p>Not available: the published {_e(name)} table was not given to this appendix.</p>"


def _why_empty(inputs: AppendixInputs, table: str, name: str | None = None) -> str:
    """Why a model table has no rows (empty by design), or that it was not given."""
    sentence = empty_note_sentence(inputs, table)
    return f"<p>{_e(sentence)}</p>" if sentence else _not_available(name or table)


def risk_ratio_section_html(inputs: AppendixInputs) -> str:
    """For each modelled outcome: the adjusted risk ratios (chart; table beside the odds ratios),
    the interaction test (and, when flagged significant, the stratified odds ratios), the share of
    each ethnic group's excess risk explained by deprivation, and the fit summary."""
    if not inputs.model_outcomes:
        return "<p>No models were fitted for this area.</p>"
    parts = []
    for outcome in inputs.model_outcomes:
        label = outcome_label(outcome)
        lower = label[:1].lower() + label[1:]
        parts.append(
            f"<h3>{_e(label)}: adjusted risk ratios, interaction and the part explained by "
            "deprivation</h3>"
        )
        sentence = _model_population_sentence(inputs, outcome)
        if sentence:
            parts.append(f"<p>{_e(sentence)}</p>")
        if inputs.risk_ratios.empty:
            parts.append(_why_empty(inputs, "risk_ratios", "risk ratios"))
        elif _rows_of(inputs.risk_ratios, inputs.area_code, outcome).empty:
            parts.append(_not_available("risk ratios"))
        else:
            finding = figures.model_finding(
                inputs.risk_ratios,
                inputs.area_code,
                outcome,
                ("imd_quintile", "ethnic_group"),
                "risk_ratio",
            )
            parts.append(f"<p>{_e(finding)}.</p>")
            parts.append(figure_html(inputs.figures_dir, f"{outcome}_risk_ratios"))
            parts.append(
                table_html(
                    format_risk_ratios_table(inputs, outcome),
                    f"Adjusted risk ratios and odds ratios of {lower} by deprivation and ethnic "
                    f"group, {inputs.area_name}",
                )
            )

        parts.append("<h4>Does the deprivation gradient differ by ethnic group?</h4>")
        if inputs.interaction.empty:
            parts.append(_why_empty(inputs, "interaction"))
            stratified_why = empty_note_sentence(inputs, "stratified")
            if stratified_why and inputs.stratified.empty:
                parts.append(f"<p>{_e(stratified_why)}</p>")
        else:
            sentences = interaction_sentences(inputs, outcome)
            stratified_why = empty_note_sentence(inputs, "stratified")
            if stratified_why and inputs.stratified.empty:
                sentences.append(stratified_why)
            parts.append(_markdown_to_html_paragraphs(sentences))
            row = _interaction_row(inputs, outcome)
            if row is not None and bool(row["significant"]) and not inputs.stratified.empty:
                table = format_stratified_table(inputs, outcome)
                if table.empty:
                    parts.append("<p>The stratified estimates were not published.</p>")
                else:
                    parts.append(
                        table_html(
                            table,
                            f"Odds ratios of {lower} by deprivation quintile within each ethnic "
                            f"group, {inputs.area_name}",
                        )
                    )

        parts.append("<h4>Part of each ethnic group's excess risk explained by deprivation</h4>")
        if inputs.excess_explained.empty:
            parts.append(_why_empty(inputs, "excess_explained", "excess explained"))
        elif _excess_rows(inputs, outcome, "risk_ratio").empty:
            parts.append(_not_available("excess explained"))
        else:
            parts.append(_markdown_to_html_paragraphs(excess_sentences(inputs, outcome)))
            parts.append(
                table_html(
                    format_excess_table(inputs, outcome),
                    f"Risk ratios of {lower} by ethnic group before and after adding deprivation, "
                    f"{inputs.area_name}",
                )
            )

        parts.append("<h4>Model fit (for analysts)</h4>")
        if inputs.model_fit.empty:
            parts.append(_why_empty(inputs, "model_fit", "model fit"))
        elif _rows_of(inputs.model_fit, inputs.area_code, outcome).empty:
            parts.append(_not_available("model fit"))
        else:
            parts.append(
                table_html(
                    format_fit_table(inputs, outcome),
                    f"Fit of the models of {lower}, {inputs.area_name}",
                )
            )
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Trends and comparison with the benchmark; inequality measures; funnel plot
# --------------------------------------------------------------------------------------------

TRENDS_FOOTNOTE = (
    "Recent trend: Fingertips method, on the most recent 5 years (by default): chi-squared test for "
    "a linear trend in proportions, significant when above the 99.8% threshold (9.55) and the "
    "slope keeps its sign when any one year is left out. A trend cannot be calculated when fewer "
    "years are available or a yearly value is suppressed or based on too few events."
)
INEQUALITY_FOOTNOTE = (
    "Rate ratio: the group's percentage divided by the reference group's (quintile 5, the least "
    "deprived, or White mothers), 95% confidence interval on the log scale. Slope index of "
    "inequality (SII): the gap in percentage points between the most and least deprived ends of the "
    "fitted line across deprivation quintiles (PHE method; positive = higher in more deprived areas); "
    "relative index (RII): the ratio of those ends. Attributable fraction: the share of events above "
    "what the least deprived quintile's rate would give; excess events are rounded to the nearest 5. "
    f"{WITHHELD_TEXT} Every measure and confidence interval is calculated from the published "
    "(rounded) counts; x = not calculated (fewer than 3 events)."
)
FUNNEL_FOOTNOTE = (
    "Funnel position against the average of all study areas and years (PHE funnel limits, Wilson "
    "score): High or Low (0.025) = outside the 95% limits, (0.001) = outside the 99.8% limits. "
    f"Counts are rounded to the nearest 5. {WITHHELD_TEXT}"
)
_MEASURE_LABELS = {
    ("rate_ratio", "imd_quintile"): "Rate ratio, deprivation",
    ("rate_ratio", "ethnic_group"): "Rate ratio, ethnic group",
    ("sii", "imd_quintile"): "Slope index of inequality (percentage points)",
    ("rii", "imd_quintile"): "Relative index of inequality",
    ("paf", "imd_quintile"): "Attributable fraction (%)",
    ("paf_share", "imd_quintile"): "Share of the attributable fraction (%)",
}


def _num(value: object) -> float:
    number = pd.to_numeric(value, errors="coerce")
    return float("nan") if pd.isna(number) else float(number)


def _clear(lower: float, upper: float, null: float) -> bool:
    """True when a confidence interval excludes the null value (1 for ratios, 0 for gaps)."""
    return compare_intervals(lower, upper, null, null) != 0


def format_benchmark_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Each year's percentage with 95%/99.8% CIs, the benchmark and the Fingertips comparison."""
    rates = inputs.rates
    mask = (
        (rates["area_code"].astype("string") == inputs.area_code)
        & (rates["outcome"].astype("string") == outcome)
        & (rates["dimension"].astype("string").isin(["overall", "year"]))
    ).fillna(False)
    raw = rates.loc[mask.astype(bool)].copy()
    raw["_order"] = raw["dimension"].map({"year": 0, "overall": 1})
    raw = raw.sort_values(["_order", "group"], kind="stable")
    bench = figures.benchmark_label_of(rates)
    records = []
    for _, row in raw.iterrows():
        suppressed = bool(figures.as_bool(pd.Series([row["suppressed"]])).iloc[0])
        reliability = (
            figures.cell_text(row.get("reliability")) if "reliability" in raw.columns else ""
        )
        pct = _num(row["percent"])
        shown = not suppressed and not np.isnan(pct)
        has_998 = "lower_99_8" in raw.columns
        records.append(
            {
                "Period": (
                    f"All years ({inputs.period})"
                    if row["dimension"] == "overall" and inputs.period
                    else str(row["group"])
                ),
                "Live births": WITHHELD if suppressed else _count(row["denominator"]),
                "%": (WITHHELD if suppressed else "x")
                if not shown
                else f"{pct:.1f}" + (" u" if reliability == "u" else ""),
                "95% CI": fmt_ci(row["lower_95"], row["upper_95"]) if shown else "",
                "99.8% CI": fmt_ci(row["lower_99_8"], row["upper_99_8"])
                if shown and has_998
                else "",
                f"{bench} %": (
                    ""
                    if "benchmark" not in raw.columns or pd.isna(row["benchmark"])
                    else f"{_num(row['benchmark']):.1f}"
                ),
                "Comparison": figures.cell_text(row.get("comparison"))
                if "comparison" in raw
                else "",
            }
        )
    table = pd.DataFrame(records)
    table.attrs["footnote"] = COMPARISON_FOOTNOTE.format(benchmark=bench) + " " + RATES_FOOTNOTE
    return table


def format_trends_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Recent trend of the area and of each IMD quintile and ethnic group, with the statistic."""
    trends = inputs.trends
    mask = (
        (trends["area_code"].astype("string") == inputs.area_code)
        & (trends["outcome"].astype("string") == outcome)
    ).fillna(False)
    rows = trends.loc[mask.astype(bool)]
    records = []
    for _, row in rows.iterrows():
        dimension = str(row["dimension"])
        group = str(row["group"])
        statistic = _num(row.get("statistic"))
        slope = _num(row.get("slope_pp_per_year"))
        records.append(
            {
                "Group": "All births"
                if dimension == "overall"
                else f"{_DIMENSION_HEADINGS.get(dimension, dimension)} {figures.group_label(dimension, group)}",
                "Years": figures.trend_window(row),
                "Recent trend": str(row["label"]),
                "Chi-squared": "" if np.isnan(statistic) else f"{statistic:.2f}",
                "Change per year (percentage points)": "" if np.isnan(slope) else f"{slope:.2f}",
                "Note": figures.cell_text(row.get("reason")),
            }
        )
    table = pd.DataFrame(
        records,
        columns=[
            "Group",
            "Years",
            "Recent trend",
            "Chi-squared",
            "Change per year (percentage points)",
            "Note",
        ],
    )
    table.attrs["footnote"] = TRENDS_FOOTNOTE
    return table


def benchmark_sentence(inputs: AppendixInputs, outcome: str) -> str | None:
    """The area's overall percentage against the benchmark's (Fingertips comparison), or None."""
    label = outcome_label(outcome)
    bench = figures.benchmark_label_of(inputs.rates)
    overall = _rate_row(inputs.rates, inputs.area_code, outcome, "overall", "All")
    raw = inputs.rates[
        (inputs.rates["area_code"] == inputs.area_code)
        & (inputs.rates["outcome"] == outcome)
        & (inputs.rates["dimension"] == "overall")
    ]
    if overall is None or "comparison" not in raw.columns or raw.empty:
        return None
    comparison = str(raw["comparison"].fillna("").iloc[0])
    phrase = figures.comparison_phrase(comparison, bench)
    bench_value = _num(raw["benchmark"].iloc[0]) if "benchmark" in raw.columns else np.nan
    if not phrase or np.isnan(bench_value):
        return None
    period = f" in {inputs.period}" if inputs.period else ""
    level = f" ({comparison})" if comparison != "Similar" else ""
    return f"{label}{period}: {_rate_words(overall)}, {phrase} ({fmt_pct(bench_value)}){level}."


def trend_sentences(inputs: AppendixInputs, outcome: str) -> list[str]:
    """The recent trend, the comparison with the benchmark and the groups with a significant trend."""
    label = outcome_label(outcome)
    lower = label[:1].lower() + label[1:]
    sentences = []
    row = (
        figures.trend_row(inputs.trends, inputs.area_code, outcome)
        if not inputs.trends.empty
        else None
    )
    if row is not None:
        phrase = figures.trend_phrase(row)
        statistic = _num(row.get("statistic"))
        detail = ""
        if not np.isnan(statistic):
            detail = f" (chi-squared statistic {statistic:.2f})"
        sentences.append(f"Recent trend of {lower} in {inputs.area_name}: {phrase}{detail}.")
    sentence = benchmark_sentence(inputs, outcome)
    if sentence:
        sentences.append(sentence)
    if not inputs.trends.empty:
        groups = inputs.trends[
            (inputs.trends["area_code"] == inputs.area_code)
            & (inputs.trends["outcome"] == outcome)
            & (inputs.trends["dimension"] != "overall")
        ]
        significant = groups[groups["direction"].isin(["increasing", "decreasing"])]
        if significant.empty:
            sentences.append(
                "No deprivation quintile or ethnic group shows a significant recent trend"
                + (
                    f" ({len(groups[groups['direction'] == 'cannot be calculated'])} could not be "
                    "calculated)."
                    if (groups["direction"] == "cannot be calculated").any()
                    else "."
                )
            )
        else:
            parts = [
                f"{figures.group_label(str(r['dimension']), str(r['group']))}: "
                f"{str(r['label']).lower()}"
                for _, r in significant.iterrows()
            ]
            sentences.append(f"Groups with a significant recent trend: {'; '.join(parts)}.")
    return sentences


def trends_section_html(inputs: AppendixInputs) -> str:
    """For each outcome: the trend chart, sentences, yearly values against the benchmark, group trends."""
    parts = []
    bench = figures.benchmark_label_of(inputs.rates)
    for outcome in inputs.outcomes:
        label = outcome_label(outcome)
        parts.append(f"<h3>{_e(label)}: trend and comparison with {_e(bench)}</h3>")
        sentences = trend_sentences(inputs, outcome)
        if sentences:
            parts.append(_markdown_to_html_paragraphs(sentences))
        parts.append(figure_html(inputs.figures_dir, f"{outcome}_trend"))
        parts.append(
            table_html(
                format_benchmark_table(inputs, outcome),
                f"{label} by year compared with {bench}, {inputs.area_name}",
            )
        )
        parts.append(
            table_html(
                format_trends_table(inputs, outcome),
                f"Recent trend of {label.lower()} in {inputs.area_name}, all births and each group",
            )
        )
    return "".join(parts)


def format_inequality_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """Rate ratios, SII, RII, attributable fraction and shares of one outcome, readable."""
    rows = figures.inequality_rows(inputs.inequality, inputs.area_code, outcome)
    records = []
    for _, row in rows.iterrows():
        measure, dimension = str(row["measure"]), str(row["dimension"])
        value, lower, upper = row["value"], row["lower_95"], row["upper_95"]
        digits = 2 if measure in ("rate_ratio", "rii") else 1
        suppressed = "flag" in rows.columns and figures.cell_text(row.get("flag")) == "c"
        reliability = figures.cell_text(row.get("reliability"))
        if suppressed:
            estimate = ci = WITHHELD
        elif np.isnan(value):
            estimate, ci = ("x" if reliability == "x" else "–"), ""
        else:
            estimate = f"{value:.{digits}f}" + (" u" if reliability == "u" else "")
            ci = fmt_ci(lower, upper, digits) if np.isfinite(lower) and np.isfinite(upper) else ""
        group = str(row["group"])
        reference = figures.cell_text(row.get("reference"))
        excess = row.get("excess_events", np.nan)
        records.append(
            {
                "Measure": _MEASURE_LABELS.get((measure, dimension), measure),
                "Group": "All quintiles"
                if group == "All"
                else figures.group_label(dimension, group),
                "Compared with": figures.group_label(dimension, reference) if reference else "",
                "Estimate": estimate,
                "95% CI": ci,
                "Excess events": ""
                if measure not in ("paf", "paf_share")
                else (WITHHELD if suppressed or pd.isna(excess) else f"{int(excess):,}"),
                "Note": figures.cell_text(row.get("note")),
            }
        )
    table = pd.DataFrame(
        records,
        columns=[
            "Measure",
            "Group",
            "Compared with",
            "Estimate",
            "95% CI",
            "Excess events",
            "Note",
        ],
    )
    table.attrs["footnote"] = INEQUALITY_FOOTNOTE
    return table


def inequality_sentences(inputs: AppendixInputs, outcome: str) -> list[str]:
    """Rate ratios (most v least deprived, Black and Asian v White), SII/RII and the attributable
    fraction, in words; "clear" only when the 95% CI excludes no difference."""
    rows = figures.inequality_rows(inputs.inequality, inputs.area_code, outcome)
    label = outcome_label(outcome)
    lower = label[:1].lower() + label[1:]
    sentences = []

    def ratio_words(row: pd.Series, reference: str) -> str:
        verdict = (
            "a clear difference"
            if _clear(row["lower_95"], row["upper_95"], 1)
            else "not a clear difference"
        )
        return (
            f"{fmt_or(row['value'])} times that {reference} (95% CI "
            f"{fmt_ci(row['lower_95'], row['upper_95'], 2)}; {verdict})"
        )

    most = figures.measure_row(rows, "rate_ratio", "1", "imd_quintile")
    if most is not None and np.isfinite(most["value"]):
        sentences.append(
            f"The percentage with {lower} in the most deprived fifth (quintile 1) is "
            f"{ratio_words(most, 'in the least deprived fifth (quintile 5)')}."
        )
    for group in ("Black", "Asian"):
        row = figures.measure_row(rows, "rate_ratio", group, "ethnic_group")
        if row is not None and np.isfinite(row["value"]):
            sentences.append(
                f"Among {figures.group_phrase('ethnic_group', [group])} it is "
                f"{ratio_words(row, 'among White mothers')}, not adjusted for deprivation."
            )
    sii = figures.measure_row(rows, "sii")
    rii = figures.measure_row(rows, "rii")
    if sii is not None and np.isfinite(sii["value"]):
        sentence = figures.sii_finding(
            inputs.inequality, inputs.area_code, outcome, inputs.area_name
        )
        if rii is not None and np.isfinite(rii["value"]):
            sentence += f"; relative index {figures.rii_words(rii)}"
        sentences.append(sentence + ".")
    paf = figures.measure_row(rows, "paf")
    if paf is not None and np.isfinite(paf["value"]):
        excess = paf.get("excess_events", np.nan)
        excess_words = ""
        if np.isfinite(excess):
            low, high = paf.get("excess_lower_95", np.nan), paf.get("excess_upper_95", np.nan)
            limits = (
                f", 95% CI {int(low):,} to {int(high):,}"
                if np.isfinite(low) and np.isfinite(high)
                else ""
            )
            excess_words = f": about {int(excess):,} births (rounded to 5{limits})"
        sentences.append(
            f"{fmt_pct(paf['value'])} of all cases of {lower} (95% CI "
            f"{fmt_ci(paf['lower_95'], paf['upper_95'])}%) are in excess of what the least "
            f"deprived fifth's rate would give across all quintiles{excess_words}. This is a "
            "measure of the size of the gap, not of what any action would change."
        )
    return sentences


def inequality_section_html(inputs: AppendixInputs) -> str:
    """For each outcome: sentences, the SII chart and the table of inequality measures."""
    parts = []
    for outcome in inputs.outcomes:
        label = outcome_label(outcome)
        parts.append(f"<h3>{_e(label)}: inequality</h3>")
        if inputs.inequality.empty:
            parts.append("<p>No inequality measures were computed.</p>")
            continue
        sentences = inequality_sentences(inputs, outcome)
        if sentences:
            parts.append(_markdown_to_html_paragraphs(sentences))
        parts.append(figure_html(inputs.figures_dir, f"{outcome}_sii"))
        parts.append(
            table_html(
                format_inequality_table(inputs, outcome),
                f"Inequality in {label.lower()} by deprivation and ethnic group, {inputs.area_name}",
            )
        )
    return "".join(parts)


def format_funnel_table(inputs: AppendixInputs, outcome: str) -> pd.DataFrame:
    """The area's funnel points: whole period and each year, with the funnel position."""
    rows = figures.funnel_rows(inputs.funnel, outcome)
    rows = rows[
        rows["row_type"].isin(["area", "area_year"]) & (rows["area_code"] == inputs.area_code)
    ]
    records = []
    for _, row in rows.iterrows():
        suppressed = pd.isna(row["percent"])
        records.append(
            {
                "Period": (f"All years ({inputs.period})" if inputs.period else "All years")
                if row["row_type"] == "area"
                else str(int(row["year"])),
                "Live births": WITHHELD if suppressed else _count(row["denominator"]),
                "%": WITHHELD if suppressed else f"{row['percent']:.1f}",
                "95% limits": "" if suppressed else fmt_ci(row["lower_95"], row["upper_95"]),
                "99.8% limits": "" if suppressed else fmt_ci(row["lower_99_8"], row["upper_99_8"]),
                "Funnel position": WITHHELD if suppressed else str(row["significance"]),
            }
        )
    table = pd.DataFrame(
        records,
        columns=["Period", "Live births", "%", "95% limits", "99.8% limits", "Funnel position"],
    )
    table.attrs["footnote"] = FUNNEL_FOOTNOTE
    return table


def funnel_section_html(inputs: AppendixInputs) -> str:
    """For each outcome: where the area lies on the funnel (sentence), the chart and its points."""
    parts = []
    for outcome in inputs.outcomes:
        label = outcome_label(outcome)
        parts.append(f"<h3>{_e(label)}: funnel plot</h3>")
        if inputs.funnel.empty:
            parts.append("<p>No funnel plot was computed.</p>")
            continue
        finding = figures.funnel_finding(inputs.funnel, inputs.area_code, outcome, inputs.area_name)
        parts.append(_markdown_to_html_paragraphs([finding + "."]))
        parts.append(figure_html(inputs.figures_dir, f"{outcome}_funnel"))
        parts.append(
            table_html(
                format_funnel_table(inputs, outcome),
                f"{label} in {inputs.area_name} on the funnel plot",
            )
        )
    return "".join(parts)


def flow_section_html(inputs: AppendixInputs) -> str:
    """The exclusion flow as a table and a chart."""
    caption = "Birth records at each step of cleaning" + (
        " (whole extract, all study areas)" if "area_code" not in inputs.flow.columns else ""
    )
    return table_html(format_flow_table(inputs.flow, inputs.area_code), caption) + figure_html(
        inputs.figures_dir, "exclusion_flow"
    )


def limitations_html(inputs: AppendixInputs) -> str:
    """Limitations that depend on the release (synthetic or not)."""
    items = []
    if inputs.synthetic:
        items.append(
            "This release is synthetic: the areas are fictional and the births were generated "
            "by a program. The numbers show how the appendix works and mean nothing about any "
            "real place."
        )
    not_stated = (
        figures.select_rates(
            inputs.rates, inputs.area_code, inputs.outcomes[0], "ethnic_group", required=False
        )
        if inputs.outcomes
        else pd.DataFrame()
    )
    if not not_stated.empty and (not_stated["group"] == NOT_STATED).any():
        items.append(
            "Mothers whose ethnicity was not stated are shown as a group of their own and left "
            "out of the models; if recording differs between groups, the comparisons may be biased."
        )
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>" if items else ""


# --------------------------------------------------------------------------------------------
# Rendering: papermill, then nbconvert without code
# --------------------------------------------------------------------------------------------


def template_parameters(template: str | Path) -> dict[str, Any]:
    """Names and default values of the template's ``parameters`` cell."""
    notebook = json.loads(Path(template).read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            defaults: dict[str, Any] = {}
            for node in ast.parse(source).body:
                target = None
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                if isinstance(target, ast.Name):
                    try:
                        defaults[target.id] = ast.literal_eval(value)
                    except ValueError:
                        defaults[target.id] = None
            return defaults
    raise NotebookError(
        "the notebook template has no code cell tagged 'parameters'",
        file=str(template),
        hint="tag the first code cell 'parameters' (papermill)",
    )


def _plain(value: Any) -> Any:
    """A YAML-safe plain value (paths become strings)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def check_parameters(template: str | Path, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Refuse names the template does not declare and values of the wrong type (bool, string)."""
    defaults = template_parameters(template)
    unknown = sorted(set(parameters) - set(defaults))
    if unknown:
        raise NotebookError(
            f"unknown notebook parameter(s) {', '.join(unknown)}",
            file=str(template),
            key=", ".join(unknown),
            hint=f"the template's parameters are: {', '.join(defaults)}",
        )
    plain = {k: _plain(v) for k, v in parameters.items()}
    for key, value in plain.items():
        default = defaults[key]
        if isinstance(default, bool) and not isinstance(value, bool):
            raise NotebookError(
                f"notebook parameter {key} must be true or false, not {value!r}",
                file=str(template),
                key=key,
            )
        if isinstance(default, str) and not isinstance(value, str):
            raise NotebookError(
                f"notebook parameter {key} must be a string, not {value!r}",
                file=str(template),
                key=key,
            )
    return plain


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.exists() and path.is_file():
            path.unlink()


def _log(
    log: Path | None, title: str, command: list[str], result: subprocess.CompletedProcess
) -> None:
    if log is None:
        return
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"== {title}: exit {result.returncode}\n$ {' '.join(command)}\n")
        if result.stdout and title != "nbconvert":
            handle.write(result.stdout)
        if result.stderr:
            handle.write(result.stderr)
        handle.write("\n")


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _failing_cell(template: Path, executed: Path) -> str | None:
    """'cell N (first line ...): Error: message' from a partly executed notebook, or None."""
    if not executed.exists():
        return None
    try:
        notebook = json.loads(executed.read_text(encoding="utf-8"))
        template_cells = json.loads(template.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None

    def source(cell: dict) -> str:
        text = cell.get("source", "")
        return "".join(text) if isinstance(text, list) else text

    for cell in notebook.get("cells", []):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not errors:
            continue
        text = source(cell)
        number = next((i for i, c in enumerate(template_cells, start=1) if source(c) == text), None)
        first_line = next((line for line in text.splitlines() if line.strip()), "").strip()
        where = f"cell {number} of the template" if number else "a cell"
        if cell.get("execution_count"):
            where += f" (execution count {cell['execution_count']})"
        error = errors[0]
        value = _ANSI.sub("", str(error.get("evalue", ""))).strip()
        return f"{where}, starting {first_line!r}: {error.get('ename', 'Error')}: {value}"
    return None


#: How often a kernel that dies while starting is started again, and the message that says so.
KERNEL_START_ATTEMPTS = 3
KERNEL_DIED = "Kernel died before replying to kernel_info"


def _log_note(log: str | Path | None, note: str) -> None:
    """Append one line to the rule's log (if any)."""
    if log is not None:
        with Path(log).open("a", encoding="utf-8") as handle:
            handle.write(f"{note}\n")


def render_appendix(
    template: str | Path,
    executed: str | Path,
    html: str | Path,
    parameters: Mapping[str, Any],
    python: str,
    log: str | Path | None = None,
    *,
    timeout: int = 600,
) -> None:
    """Execute the template with papermill (``python -m papermill``, kernel python3), strip run
    timestamps from the executed notebook, and convert it to HTML without code.

    On failure both outputs are removed and a ``NotebookError`` names the notebook, the failing
    cell and the error. Relative paths in ``parameters`` are resolved from the current directory.
    """
    template, executed, html = Path(template), Path(executed), Path(html)
    log = Path(log) if log is not None else None
    if not template.exists():
        raise NotebookError("the notebook template is missing", file=str(template))
    plain = check_parameters(template, parameters)
    executed.parent.mkdir(parents=True, exist_ok=True)
    html.parent.mkdir(parents=True, exist_ok=True)
    _remove(executed, html)
    env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}

    command = [
        python, "-m", "papermill", str(template), str(executed),
        "-k", "python3",
        "-y", yaml.safe_dump(plain, sort_keys=True, allow_unicode=True),
        "--cwd", os.getcwd(),
        "--no-progress-bar",
        "--execution-timeout", str(timeout),
    ]  # fmt: skip
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        except OSError as error:
            raise NotebookError(
                f"cannot start papermill with the interpreter {python!r}: {error}",
                file=str(template),
                hint="pass sys.executable of the environment that has birthgaps installed",
            ) from error
        _log(log, "papermill", command, result)
        # kernels started at the same moment by parallel jobs can race for a TCP port and die
        # before they answer; that is not the notebook's fault, so start it again
        if result.returncode == 0 or KERNEL_DIED not in result.stderr:
            break
        _remove(executed, html)
        _log_note(log, f"kernel died while starting (attempt {attempt}); starting it again")
    if result.returncode != 0:
        cell = _failing_cell(template, executed)
        _remove(executed, html)
        tail = "\n".join(_ANSI.sub("", result.stderr).strip().splitlines()[-8:])
        raise NotebookError(
            f"the appendix notebook {template.name} failed in "
            + (cell if cell else f"papermill (exit {result.returncode}):\n{tail}"),
            file=str(template),
            hint=(f"see the log {log}; " if log else "")
            + "the executed notebook and HTML were removed",
        )
    try:
        _normalise_notebook(executed, plain)
        command = [
            python,
            "-m",
            "nbconvert",
            "--to",
            "html",
            "--no-input",
            "--stdout",
            str(executed),
        ]
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        _log(log, "nbconvert", command, result)
        if result.returncode != 0:
            tail = "\n".join(result.stderr.strip().splitlines()[-8:])
            raise NotebookError(
                f"nbconvert could not render {executed.name} to HTML:\n{tail}", file=str(executed)
            )
        page = _self_contained(result.stdout)
        tmp = html.with_name(html.name + ".tmp")
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(html)
    except BaseException:
        _remove(executed, html, html.with_name(html.name + ".tmp"))
        raise


_REMOTE_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*')


def _self_contained(page: str) -> str:
    """Drop the template's CDN scripts (require.js, MathJax; the appendix has no maths or widgets)
    so the page loads nothing from elsewhere, and make sure the language is declared."""
    page = _REMOTE_SCRIPT.sub("", page)
    if "<html" in page and 'lang="' not in page.split(">", 2)[1]:
        page = page.replace("<html", '<html lang="en"', 1)
    return page


def _normalise_notebook(path: Path, parameters: Mapping[str, Any]) -> None:
    """Remove run timestamps (so the same inputs give the same bytes) and set the page title."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    meta = notebook.setdefault("metadata", {})
    for key in ("start_time", "end_time", "duration", "exception"):
        meta.get("papermill", {}).pop(key, None)
    area = parameters.get("area_name") or parameters.get("area_code")
    if area:
        meta["title"] = f"{area}: preterm birth and low birth weight appendix"
    for cell in notebook.get("cells", []):
        cell_meta = cell.get("metadata", {})
        if "injected-parameters" in cell_meta.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives it a random id
        cell_meta.pop("execution", None)
        for key in ("start_time", "end_time", "duration", "exception", "status"):
            cell_meta.get("papermill", {}).pop(key, None)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The release index page
# --------------------------------------------------------------------------------------------


def write_index(
    release: str,
    label: str,
    areas: Mapping[str, str],
    appendix_paths: Mapping[str, str],
    synthetic: bool,
    path: str | Path,
    pdf_paths: Mapping[str, str] | None = None,
    workbook: str | Path | None = None,
) -> None:
    """A plain, accessible HTML index of a release: one relative link per area's appendix.

    ``appendix_paths`` maps area code -> appendix HTML path (absolute, or relative to the current
    directory like Snakemake paths); links are written relative to the index's folder. Optional
    ``pdf_paths`` (area code -> PDF) and ``workbook`` add links to the PDF and the spreadsheet.
    """
    path = Path(path)
    missing = [code for code in areas if code not in appendix_paths]
    if missing:
        raise InputError(
            f"no appendix path for area(s) {', '.join(missing)}",
            key="areas",
            hint="pass one appendix HTML path per configured area",
        )
    base = path.parent.resolve()

    def relative(target: str | Path) -> str:
        return _e(Path(os.path.relpath(Path(target).resolve(), base)).as_posix())

    items = []
    for code, name in areas.items():
        pdf = ""
        if pdf_paths and code in pdf_paths:
            pdf = f' — <a href="{relative(pdf_paths[code])}">PDF version of the {_e(name)} appendix</a>'
        items.append(
            f'    <li><a href="{relative(appendix_paths[code])}">{_e(name)}</a> '
            f'<span class="code">({_e(code)})</span>{pdf}</li>'
        )
    downloads = (
        f'  <h2>Data</h2>\n  <p><a href="{relative(workbook)}">All published tables as an accessible '
        "spreadsheet (XLSX)</a>, with cover, contents and notes.</p>\n"
        if workbook
        else ""
    )
    banner = (
        f'  <p class="banner" role="note"><strong>{_e(SYNTHETIC_NOTICE)}</strong> This release is '
        "a demonstration made from generated data; do not quote its numbers.</p>\n"
        if synthetic
        else ""
    )
    title = f"Inequalities in preterm birth and low birth weight: {label}"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{_e(title)}</title>
  <style>
    body {{ font-family: Arial, Helvetica, sans-serif; max-width: 46em; margin: 2em auto;
           padding: 0 1em; line-height: 1.5; color: #0b0c0c; }}
    a {{ color: #12436d; }}
    a:focus {{ outline: 3px solid #f46a25; }}
    .banner {{ border: 3px solid #801650; background: #fbeaf1; padding: 0.8em 1em; }}
    .code {{ color: #3d3d3d; }}
  </style>
</head>
<body>
<header>
{banner}</header>
<main>
  <h1>{_e(title)}</h1>
  <p>Release <code>{_e(release)}</code>. One appendix per area: rates of preterm birth and low
  birth weight by deprivation and ethnic group, adjusted odds and risk ratios, and data notes. Every
  number has passed disclosure control.</p>
  <h2>Area appendices</h2>
  <ul>
{chr(10).join(items)}
  </ul>
{downloads}</main>
</body>
</html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)


# --------------------------------------------------------------------------------------------
# The analysts' version (with code) and the printable PDF
# --------------------------------------------------------------------------------------------


def render_analyst_html(
    executed: str | Path, html: str | Path, python: str, log: str | Path | None = None
) -> None:
    """Convert an executed appendix notebook to HTML *with* its code cells, for analysts.

    Kept outside the published tree; the page loads nothing from elsewhere. On failure no HTML
    is left and a ``NotebookError`` names the notebook.
    """
    executed, html = Path(executed), Path(html)
    log = Path(log) if log is not None else None
    if not executed.exists():
        raise NotebookError("the executed notebook is missing", file=str(executed))
    html.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    command = [python, "-m", "nbconvert", "--to", "html", "--stdout", str(executed)]
    tmp = html.with_name(html.name + ".tmp")
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        _log(log, "nbconvert", command, result)
        if result.returncode != 0:
            tail = "\n".join(result.stderr.strip().splitlines()[-8:])
            raise NotebookError(
                f"nbconvert could not render {executed.name} to HTML with code:\n{tail}",
                file=str(executed),
            )
        tmp.write_text(_self_contained(result.stdout), encoding="utf-8")
        tmp.replace(html)
    except BaseException:
        _remove(html, tmp)
        raise


def render_appendix_pdf(
    html: str | Path, pdf: str | Path, *, synthetic: bool, notice: str = ""
) -> int:
    """Print the reviewer HTML to an A4 PDF (``birthgaps.appendix.pdf.html_to_pdf``); returns the page count."""
    from birthgaps.appendix.pdf import html_to_pdf

    return html_to_pdf(html, pdf, synthetic=synthetic, notice=notice)


def render_documents(
    executed: str | Path,
    html: str | Path,
    analyst: str | Path,
    pdf: str | Path,
    python: str,
    log: str | Path | None = None,
    *,
    synthetic: bool,
) -> int:
    """After ``render_appendix``: the analysts' HTML (an nbconvert subprocess) and the reviewer PDF
    at the same time, since one waits on a child process while the other works; returns the page
    count. If either fails, neither output is left."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    code_page = pool.submit(render_analyst_html, executed, analyst, python, log)
    try:
        pages = render_appendix_pdf(html, pdf, synthetic=synthetic)
        code_page.result()
    except BaseException:
        pool.shutdown(wait=True)  # let nbconvert finish before removing what it wrote
        _remove(Path(analyst), Path(pdf))
        raise
    pool.shutdown()
    return pages
