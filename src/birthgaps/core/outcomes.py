"""The outcome registry: every outcome is declared as data (built-ins in outcomes.yaml, a council's own
under ``outcomes:`` in the config), and every stage works from the declarations, never from code.

A declaration names a numerator (a condition on the cleaned records, in a small safe language of
comparisons joined by ``and``/``or``/``not``), a denominator population, the columns that must be stated,
the measure (percent or per 1,000), polarity, small-number rules, pooling and whether it is modelled.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from birthgaps.core.codes import DEATH_COLUMNS as _EXTRACT_DEATH_COLUMNS
from birthgaps.core.codes import OPTIONAL_COLUMNS
from birthgaps.core.errors import InputError

BUILTIN_PATH = Path(__file__).with_name("outcomes.yaml")

GROUPS: dict[str, str] = {
    "birth_outcomes": "Birth outcomes",
    "mortality": "Mortality",
    "maternity": "Maternity indicators",
}
DENOMINATORS: dict[str, str] = {
    "live_births": "live births",
    "total_births": "total births",
    "maternities": "maternities",
}
MEASURES: dict[str, tuple[int, str]] = {"percent": (100, "%"), "per_1000": (1000, "per 1,000")}
POLARITIES = ("lower_is_better", "higher_is_better")
POOLINGS: dict[str, int] = {"single_year": 1, "rolling_3": 3}
YEAR_BASES = ("birth", "death")

#: Columns of the cleaned records a condition may name, by kind.
NUMERIC_COLUMNS = frozenset(
    {
        "gestation_weeks",
        "gestation_days",
        "birth_weight_g",
        "mother_age",
        "plurality",
        "booking_gestation_days",
        "mother_bmi",
        "age_at_death_days",
    }
)
BOOLEAN_COLUMNS = frozenset({"stillbirth", "live", "smoking_at_delivery", "multiple_birth"})
TEXT_COLUMNS = frozenset({"delivery_method", "baby_sex"})
#: Columns where missing means "no event" (no linked death), not "not stated": a numerator may use them
#: without listing them under ``requires``.
EVENT_COLUMNS = frozenset({"age_at_death_days", "stillbirth"})
#: Columns the cleaning step derives from the linked deaths.
DEATH_COLUMNS = frozenset({"age_at_death_days"})

_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_REQUIRED = ("label", "group", "definition", "numerator", "denominator", "measure")
_FIELDS = {
    *_REQUIRED,
    "short",
    "requires",
    "restrict",
    "polarity",
    "small_numbers",
    "pooling",
    "year_basis",
    "follow_up_days",
    "fingertips",
    "modelled",
}


@dataclass(frozen=True)
class Outcome:
    """One declared outcome, with its threshold words filled in from ``definitions``."""

    id: str
    label: str
    group: str
    definition: str
    short: str
    numerator: str
    denominator: str
    measure: str
    requires: tuple[str, ...] = ()
    restrict: str | None = None
    polarity: str = "lower_is_better"
    min_events: int = 3
    unreliable_below: int = 20
    pooling: str = "single_year"
    year_basis: str = "birth"
    follow_up_days: int | None = None
    fingertips: int | None = None
    modelled: bool = False
    columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def multiplier(self) -> int:
        """100 for a percentage, 1,000 for a rate per 1,000."""
        return MEASURES[self.measure][0]

    @property
    def unit(self) -> str:
        """The unit after a value: "%" or "per 1,000"."""
        return MEASURES[self.measure][1]

    @property
    def unit_words(self) -> str:
        """The unit in words, e.g. "per 1,000 live births" or "% of maternities"."""
        if self.measure == "percent":
            return f"% of {DENOMINATORS[self.denominator]}"
        return f"per 1,000 {DENOMINATORS[self.denominator]}"

    @property
    def pool_years(self) -> int:
        """Years pooled in each period of an area's rates (1 or 3)."""
        return POOLINGS[self.pooling]

    @property
    def needs_deaths(self) -> bool:
        """True when the numerator uses the linked deaths."""
        return bool(self.columns & DEATH_COLUMNS)

    def as_params(self) -> dict:
        """A plain dict of the declaration, for Snakemake ``params`` (a change re-runs the rules)."""
        plain = {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}
        # sorted: a set's order changes between processes, and params that differ between runs
        # would re-run every rule that takes them each time
        plain["columns"] = sorted(self.columns)
        return plain


def _error(problem: str, key: str, hint: str | None = None) -> InputError:
    return InputError(problem, key=key, hint=hint or "see config/README.md, section Outcomes")


@cache
def builtin_declarations() -> dict[str, dict]:
    """The built-in declarations of outcomes.yaml, by id."""
    return yaml.safe_load(BUILTIN_PATH.read_text())


# ---------------------------------------------------------------------------------------------
# The condition language
# ---------------------------------------------------------------------------------------------

_COMPARE = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
}


def condition_names(text: str, constants: Mapping[str, float], key: str) -> frozenset[str]:
    """Check a condition and return the columns it names; a bad condition stops with its config key."""
    try:
        tree = ast.parse(str(text), mode="eval")
    except SyntaxError as exc:
        raise _error(f"cannot read the condition {text!r}: {exc.msg}", key) from None
    columns: set[str] = set()

    def kind(node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            if node.id in NUMERIC_COLUMNS:
                columns.add(node.id)
                return "number"
            if node.id in BOOLEAN_COLUMNS:
                columns.add(node.id)
                return "bool"
            if node.id in TEXT_COLUMNS:
                columns.add(node.id)
                return "text"
            if node.id in constants:
                return "number"
            known = sorted(NUMERIC_COLUMNS | BOOLEAN_COLUMNS | TEXT_COLUMNS | set(constants))
            raise _error(
                f"the condition {text!r} names {node.id!r}, which is neither a column of the cleaned "
                "records nor a threshold of `definitions`",
                key,
                f"use one of: {', '.join(known)}",
            )
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return "bool"
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return "number"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return "text"
        if isinstance(node, ast.List | ast.Tuple):
            kinds = {kind(e) for e in node.elts}
            if len(kinds) != 1 or not all(isinstance(e, ast.Constant) for e in node.elts):
                raise _error(f"a list in {text!r} must hold constants of one kind", key)
            return "list:" + kinds.pop()
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                if kind(value) != "bool":
                    raise _error(f"`and`/`or` in {text!r} join conditions only", key)
            return "bool"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            if kind(node.operand) != "bool":
                raise _error(f"`not` in {text!r} applies to a condition", key)
            return "bool"
        if isinstance(node, ast.Compare):
            left = kind(node.left)
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                if type(op) not in _COMPARE:
                    raise _error(f"operator not allowed in {text!r}", key)
                right = kind(right_node)
                if isinstance(op, ast.In | ast.NotIn):
                    if right != f"list:{left}":
                        raise _error(f"`in` in {text!r} needs a list of the same kind", key)
                elif left != right or left.startswith("list"):
                    raise _error(f"{text!r} compares a {left} with a {right}", key)
                elif left in {"text", "bool"} and not isinstance(op, ast.Eq | ast.NotEq):
                    raise _error(f"{text!r} orders values that are not numbers", key)
                left = right
            return "bool"
        raise _error(
            f"the condition {text!r} uses {type(node).__name__}, which is not allowed "
            "(comparisons, `in` lists, and/or/not, columns, thresholds and constants only)",
            key,
        )

    if kind(tree.body) != "bool":
        raise _error(f"the condition {text!r} is not a yes/no condition", key)
    return frozenset(columns)


def _value(node: ast.AST, frame: pd.DataFrame, constants: Mapping[str, float]):
    if isinstance(node, ast.Name):
        if node.id in constants:
            return constants[node.id]
        return frame[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        return [e.value for e in node.elts]
    return _truth(node, frame, constants)


def _as_boolean(values) -> pd.Series:
    return pd.Series(values).astype("boolean")


def _truth(node: ast.AST, frame: pd.DataFrame, constants: Mapping[str, float]) -> pd.Series:
    """Kleene (three-valued) truth of a checked condition node over the frame's rows."""
    if isinstance(node, ast.BoolOp):
        parts = [_truth(v, frame, constants) for v in node.values]
        out = parts[0]
        for part in parts[1:]:
            out = (out & part) if isinstance(node.op, ast.And) else (out | part)
        return out
    if isinstance(node, ast.UnaryOp):
        return ~_truth(node.operand, frame, constants)
    if isinstance(node, ast.Name):
        return frame[node.id].astype("boolean")
    if isinstance(node, ast.Compare):
        out = None
        left = _value(node.left, frame, constants)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _value(right_node, frame, constants)
            if isinstance(op, ast.In | ast.NotIn):
                series = pd.Series(left, index=frame.index)
                part = series.isin(right).astype("boolean").mask(series.isna())
                if isinstance(op, ast.NotIn):
                    part = ~part
            else:
                symbol = _COMPARE[type(op)]
                part = {
                    "<": lambda a, b: a < b,
                    "<=": lambda a, b: a <= b,
                    ">": lambda a, b: a > b,
                    ">=": lambda a, b: a >= b,
                    "==": lambda a, b: a == b,
                    "!=": lambda a, b: a != b,
                }[symbol](left, right)
                part = pd.Series(part, index=frame.index).astype("boolean")
                for side in (left, right):
                    if isinstance(side, pd.Series):
                        part = part.mask(side.isna())
            out = part if out is None else out & part
            left = right
        return out
    raise TypeError(type(node).__name__)  # pragma: no cover - rejected by condition_names


def evaluate(text: str, frame: pd.DataFrame, constants: Mapping[str, float]) -> pd.Series:
    """The rows where a checked condition holds (nullable boolean: <NA> where a value is missing)."""
    tree = ast.parse(str(text), mode="eval")
    return _truth(tree.body, frame, constants).reindex(frame.index)


# ---------------------------------------------------------------------------------------------
# Declarations -> Outcome
# ---------------------------------------------------------------------------------------------


def threshold_constants(definitions: Mapping) -> dict[str, float]:
    """The numeric thresholds of ``definitions`` a condition or definition text may name."""
    return {
        k: v
        for k, v in definitions.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def _fill(text: str, constants: Mapping[str, float], key: str) -> str:
    try:
        return " ".join(str(text).split()).format(**constants)
    except (KeyError, ValueError, IndexError) as exc:
        raise _error(f"cannot fill the text {text!r}: {exc}", key) from None


def declare(
    outcome_id: str,
    fields: Mapping,
    definitions: Mapping,
    small_numbers: Mapping | None = None,
    key: str = "outcomes",
) -> Outcome:
    """Check one declaration and return its :class:`Outcome` (thresholds filled in from definitions)."""
    if not _ID.match(str(outcome_id)):
        raise _error(
            f"outcome id {outcome_id!r} must be lower case letters, digits and _ (max 40)", key
        )
    unknown = sorted(set(fields) - _FIELDS - {"id"})
    if unknown:
        raise _error(f"outcome {outcome_id}: unknown field(s) {', '.join(unknown)}", key)
    missing = [f for f in _REQUIRED if fields.get(f) in (None, "")]
    if missing:
        raise _error(f"outcome {outcome_id} does not declare {', '.join(missing)}", key)
    for name, allowed in (
        ("group", GROUPS),
        ("denominator", DENOMINATORS),
        ("measure", MEASURES),
        ("polarity", POLARITIES),
        ("pooling", POOLINGS),
        ("year_basis", YEAR_BASES),
    ):
        if name in fields and fields[name] not in allowed:
            raise _error(
                f"outcome {outcome_id}: {name} {fields[name]!r} is not one of {', '.join(allowed)}",
                f"{key}.{name}",
            )
    constants = threshold_constants(definitions)
    numerator_columns = condition_names(fields["numerator"], constants, f"{key}.numerator")
    requires = tuple(fields.get("requires") or ())
    for column in requires:
        if column not in NUMERIC_COLUMNS | BOOLEAN_COLUMNS | TEXT_COLUMNS:
            raise _error(f"outcome {outcome_id}: requires names unknown column {column!r}", key)
    restrict = fields.get("restrict")
    restrict_columns = (
        condition_names(restrict, constants, f"{key}.restrict") if restrict else frozenset()
    )
    unstated = sorted((numerator_columns | restrict_columns) - set(requires) - EVENT_COLUMNS)
    unstated = [c for c in unstated if c not in {"live", "multiple_birth"}]
    if unstated:
        raise _error(
            f"outcome {outcome_id} uses {', '.join(unstated)} without listing it under `requires`: "
            "records where it is not stated would be counted as non-events",
            f"{key}.requires",
        )
    follow_up = fields.get("follow_up_days")
    if (numerator_columns & DEATH_COLUMNS) and not follow_up:
        raise _error(
            f"outcome {outcome_id} counts linked deaths but declares no follow_up_days",
            f"{key}.follow_up_days",
        )
    rules = {**{"min_events": 3, "unreliable_below": 20}, **dict(small_numbers or {})}
    rules.update(fields.get("small_numbers") or {})
    return Outcome(
        id=str(outcome_id),
        label=str(fields["label"]),
        group=fields["group"],
        definition=_fill(fields["definition"], constants, f"{key}.definition"),
        short=_fill(fields.get("short") or fields["label"].lower(), constants, f"{key}.short"),
        numerator=str(fields["numerator"]),
        denominator=fields["denominator"],
        measure=fields["measure"],
        requires=requires,
        restrict=str(restrict) if restrict else None,
        polarity=fields.get("polarity", "lower_is_better"),
        min_events=int(rules["min_events"]),
        unreliable_below=int(rules["unreliable_below"]),
        pooling=fields.get("pooling", "single_year"),
        year_basis=fields.get("year_basis", "birth"),
        follow_up_days=int(follow_up) if follow_up else None,
        fingertips=int(fields["fingertips"]) if fields.get("fingertips") else None,
        modelled=bool(fields.get("modelled", False)),
        columns=numerator_columns | restrict_columns | frozenset(requires),
    )


def outcome_items(items: Iterable) -> list[tuple[str, dict]]:
    """(id, declaration fields) of each ``outcomes:`` item: a built-in id, or a mapping with ``id``
    (a new outcome, or a built-in with some fields changed)."""
    builtins = builtin_declarations()
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            if item not in builtins:
                raise _error(
                    f"`{item}` is not a built-in outcome",
                    f"outcomes.{i}",
                    f"declare it in full (label, group, definition, numerator, denominator, measure), "
                    f"or use one of: {', '.join(builtins)}",
                )
            out.append((item, dict(builtins[item])))
        else:
            fields = dict(item)
            outcome_id = str(fields.pop("id", ""))
            out.append((outcome_id, {**builtins.get(outcome_id, {}), **fields}))
    ids = [i for i, _ in out]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise _error(f"outcome(s) listed twice: {', '.join(repeated)}", "outcomes")
    return out


def registry(config: Mapping) -> dict[str, Outcome]:
    """The enabled outcomes of a (validated) config, in config order."""
    small = (config.get("statistics") or {}).get("small_numbers") or {}
    return {
        outcome_id: declare(outcome_id, fields, config["definitions"], small, f"outcomes.{i}")
        for i, (outcome_id, fields) in enumerate(outcome_items(config["outcomes"]))
    }


def outcome_ids(config: Mapping) -> list[str]:
    """The ids of the enabled outcomes, in config order."""
    return [i for i, _ in outcome_items(config["outcomes"])]


def from_params(params: Iterable[Mapping]) -> dict[str, Outcome]:
    """Rebuild outcomes from :meth:`Outcome.as_params` dicts (a rule's ``params``)."""
    out = {}
    for p in params:
        values = dict(p)
        values["requires"] = tuple(values.get("requires") or ())
        values["columns"] = frozenset(values.get("columns") or ())
        out[values["id"]] = Outcome(**values)
    return out


# ---------------------------------------------------------------------------------------------
# Flags on the cleaned records
# ---------------------------------------------------------------------------------------------


def population(frame: pd.DataFrame, outcome: Outcome) -> np.ndarray:
    """The records of the outcome's denominator population (before ``requires`` and ``restrict``)."""
    if outcome.denominator == "total_births":
        return np.ones(len(frame), dtype=bool)
    if outcome.denominator == "live_births":
        return frame["live"].to_numpy(dtype=bool)
    return frame["maternity_first"].to_numpy(dtype=bool, na_value=False)


def missing_columns(frame: pd.DataFrame, outcome: Outcome) -> list[str]:
    """Columns the outcome needs that the records lack (or hold no value in at all)."""
    needed = set(outcome.columns)
    if outcome.denominator == "maternities":
        needed.add("maternity_first")
    return sorted(c for c in needed if c not in frame.columns or frame[c].isna().all())


def outcome_flags(
    frame: pd.DataFrame,
    outcome: Outcome,
    definitions: Mapping,
    complete_to: pd.Timestamp | None = None,
) -> pd.Series:
    """Nullable boolean per record: True/False in the outcome's denominator, <NA> outside it.

    The denominator is the population, less records with a ``requires`` column not stated, records
    failing ``restrict``, and (for linked-death outcomes by year of birth) births without
    ``follow_up_days`` of complete death follow-up before ``complete_to``. By year of death every live
    birth counts and the cells keep only years whose deaths are complete.
    """
    constants = threshold_constants(definitions)
    absent = [c for c in missing_columns(frame, outcome) if c not in EVENT_COLUMNS]
    if outcome.needs_deaths and "age_at_death_days" not in frame.columns:
        absent.append("age_at_death_days")
    if absent:
        raise InputError(
            f"outcome `{outcome.id}` needs {', '.join(absent)}, which the cleaned records do not "
            "have (the extract has no such column, or it is empty)",
            column=", ".join(absent),
            key="outcomes",
            hint=f"map the column from the extract (docs/sources.md), or remove {outcome.id} "
            "from `outcomes`",
        )
    keep = population(frame, outcome).copy()
    for column in outcome.requires:
        keep &= frame[column].notna().to_numpy()
    if outcome.restrict:
        keep &= evaluate(outcome.restrict, frame, constants).to_numpy(dtype=bool, na_value=False)
    if outcome.follow_up_days and complete_to is not None and outcome.year_basis == "birth":
        last_birth = pd.Timestamp(complete_to) - pd.Timedelta(days=outcome.follow_up_days - 1)
        keep &= (frame["birth_date"] <= last_birth).to_numpy(dtype=bool, na_value=False)
    event = evaluate(outcome.numerator, frame, constants).fillna(False).astype("boolean")
    return event.where(pd.Series(keep, index=frame.index), pd.NA).astype("boolean")


def extract_needs(outcomes: Iterable[Outcome]) -> dict[str, list[str]]:
    """Optional extract columns each outcome needs, by outcome id ("death_date or age_at_death_days"
    for a linked death), so ingest can stop when the extract cannot give an enabled outcome."""
    needs = {}
    for outcome in outcomes:
        columns = sorted(outcome.columns & set(OPTIONAL_COLUMNS) - set(_EXTRACT_DEATH_COLUMNS))
        if outcome.denominator == "maternities":
            columns.insert(0, "maternity_id")
        if outcome.needs_deaths:
            columns.append(" or ".join(_EXTRACT_DEATH_COLUMNS))
        if columns:
            needs[outcome.id] = columns
    return needs
