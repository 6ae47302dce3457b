"""The inputs of one area's appendix: the published tables read and checked, the saved figures
found, the resolved disclosure and statistics settings. In: paths and settings (the notebook's
parameters). Out: an ``AppendixInputs``; every problem is an ``InputError`` naming file and column.
It never reads record-level data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from birthgaps.appendix import figure_set, frames
from birthgaps.appendix.figure_set import FigureSpec
from birthgaps.core import labels
from birthgaps.core.catalogue import published_model_columns
from birthgaps.core.errors import InputError

#: The config read for the disclosure and statistics settings when the notebook is run by hand
#: without them (the demo's; the workflow always passes its resolved config's sections).
DEFAULT_CONFIG = Path("config") / "config.yaml"


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


def _value_column(path: str | Path) -> bool:
    """Rates published before outcomes had units call the value ``percent``: read it as ``value``."""
    header = pd.read_csv(path, nrows=0).columns if Path(path).exists() else []
    return "percent" in header and "value" not in header


def read_rates(path: str | Path) -> pd.DataFrame:
    """The published rates table with text columns as strings (group "1" stays "1"); a table
    written before outcomes had units (``percent``, no ``unit``) is read as percentages."""
    text = {
        c: "string"
        for c in ("area_code", "area_name", "outcome", "dimension", "group", "flag", "unit")
    }
    columns = frames.RATES_COLUMNS
    if _value_column(path):
        columns = [c if c != "value" else "percent" for c in columns]
    table = _read_csv(path, columns, "rates", {**text, "events": "Int64", "denominator": "Int64"})
    if "value" not in table.columns:
        table = table.rename(columns={"percent": "value"})
        table["unit"] = "%"
    table["flag"] = table["flag"].fillna("") if "flag" in table.columns else ""
    return table


def read_changes(path: str | Path) -> pd.DataFrame:
    """The published changes table (``tables/changes.csv``: what changed since the previous
    release), every column as text."""
    columns = ["change", "table", "area_code", "outcome", "figure"]
    table = _read_csv(path, columns, "changes", {c: "string" for c in columns})
    return table.fillna({c: "" for c in columns})


def read_outcomes(path: str | Path) -> pd.DataFrame:
    """The published outcome definitions (``tables/outcomes.csv``), one row per enabled outcome."""
    return _read_csv(
        path,
        [c for c in labels.OUTCOME_TABLE_COLUMNS if c != "fingertips_id"],
        "outcome definitions",
        {c: "string" for c in labels.OUTCOME_TABLE_COLUMNS if c != "fingertips_id"},
    )


def use_outcomes_csv(path: str | Path | None) -> None:
    """Take every outcome's words from the published definitions at ``path`` (``labels.use_outcomes``);
    None or empty: the built-in outcomes with the default thresholds (a notebook run by hand)."""
    given = path is not None and str(path).strip() != ""
    labels.use_outcomes(read_outcomes(path) if given else None, str(path))


def read_death_markers(path: str | Path) -> pd.DataFrame:
    """The published share of deaths that were preterm or of low birth weight (models stage)."""
    text = {c: "string" for c in ("area_code", "outcome", "marker", "dimension", "group", "flag")}
    return _read_csv(
        path,
        [
            "area_code",
            "outcome",
            "marker",
            "dimension",
            "group",
            "events",
            "denominator",
            "percent",
            "lower_95",
            "upper_95",
            "suppressed",
        ],
        "death markers",
        {**text, "events": "Int64", "denominator": "Int64"},
    )


def read_models(path: str | Path) -> pd.DataFrame:
    """The published models table with levels as strings."""
    text = {
        c: "string" for c in ("area_code", "outcome", "model", "term", "level", "reference", "note")
    }
    table = _read_csv(path, frames.MODELS_COLUMNS, "models", text)
    table["note"] = table["note"].fillna("")
    return table


def read_risk_ratios(path: str | Path) -> pd.DataFrame:
    """The published risk-ratio table (same layout as the models table) with levels as strings."""
    text = {
        c: "string" for c in ("area_code", "outcome", "model", "term", "level", "reference", "note")
    }
    table = _read_csv(path, frames.RISK_RATIOS_COLUMNS, "risk ratios", text)
    table["note"] = table["note"].fillna("")
    return table


#: Columns of the other published model tables (docs/models.md, "Tables"), ``area_code`` first.
INTERACTION_TABLE_COLUMNS = published_model_columns("interaction")
STRATIFIED_TABLE_COLUMNS = published_model_columns("stratified")
EXCESS_TABLE_COLUMNS = published_model_columns("excess_explained")
FIT_TABLE_COLUMNS = published_model_columns("fit")
_COUNT_DTYPES = {"n_births": "Int64", "n_events": "Int64"}


def _bool_column(table: pd.DataFrame, column: str) -> None:
    """A CSV's True/False column (missing = False) as bool, in place."""
    table[column] = frames.as_bool(table[column])


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
        table[column] = table[column].map(frames.tidy_level).astype("string")
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
        frames.TRENDS_COLUMNS,
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
    table = _read_csv(path, frames.INEQUALITY_COLUMNS, "inequality", text)
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
        frames.FUNNEL_COLUMNS,
        "funnel",
        {**text, "year": "Int64", "events": "Int64", "denominator": "Int64"},
    )
    table["significance"] = table["significance"].fillna("")
    return table


def read_flow(path: str | Path) -> pd.DataFrame:
    """The published exclusion flow (format of ``clean.publish_flow``)."""
    text = {c: "string" for c in ("step", "description", "flag", "area_code")}
    return _read_csv(path, ["description", "count"], "exclusion flow", text)


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
    #: the resolved config's ``disclosure`` and ``statistics`` sections (core.settings)
    disclosure: Mapping
    statistics: Mapping
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
    #: the share of deaths that were preterm or of low birth weight (models stage; optional)
    death_markers: pd.DataFrame = field(default_factory=pd.DataFrame)
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


def settings_sections(disclosure: Mapping | None, statistics: Mapping | None) -> tuple[dict, dict]:
    """The ``disclosure`` and ``statistics`` settings as given, or both from ``DEFAULT_CONFIG``
    (validated and resolved by ``core.settings.load_config``) when either is None."""
    if disclosure is None or statistics is None:
        from birthgaps.core.settings import load_config

        config = load_config(DEFAULT_CONFIG)
        return dict(config["disclosure"]), dict(config["statistics"])
    return dict(disclosure), dict(statistics)


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
    disclosure: Mapping | None = None,
    statistics: Mapping | None = None,
    outcomes_csv: str | Path | None = None,
    death_markers_csv: str | Path | None = None,
) -> AppendixInputs:
    """Read and check the notebook's inputs; every problem is an ``InputError`` naming file and column.

    The five further model tables are optional (empty path or None: that part of the appendix
    says the table is not available, and no risk-ratio figures are expected). With
    ``empty_tables_json`` (the models rule's reasons), a model table without rows must be listed
    there (empty by design, and the appendix says why); one that is not stops the appendix.
    ``disclosure`` and ``statistics`` are the resolved config's sections, which every method
    statement of the appendix is written from; when either is None both are read from
    ``config/config.yaml`` (a notebook run by hand from the project folder). ``outcomes_csv``
    (the published definitions) gives every outcome's label, definition, unit and group; without
    it the built-in outcomes with the default thresholds are used (a notebook run by hand).
    """
    disclosure, statistics = settings_sections(disclosure, statistics)
    use_outcomes_csv(outcomes_csv)
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
    death_markers = optional(death_markers_csv, read_death_markers)
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
    outcomes = frames.outcomes_in(rates, area_code)
    model_outcomes = frames.outcomes_in(models, area_code)
    specs = figure_set.figure_specs(
        outcomes,
        model_outcomes,
        risk_ratios=not risk_ratios.empty,
        trend_outcomes=frames.outcomes_with_years(rates, area_code),
    )
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
        disclosure=disclosure,
        statistics=statistics,
        outcomes=outcomes,
        model_outcomes=model_outcomes,
        specs=specs,
        period=frames.period_of(rates, area_code),
        trends=trends,
        inequality=inequality,
        funnel=funnel,
        risk_ratios=risk_ratios,
        interaction=interaction,
        stratified=stratified,
        excess_explained=excess,
        model_fit=model_fit,
        death_markers=death_markers,
        empty_notes=empty_notes,
    )
