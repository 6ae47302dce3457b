"""Levels, references, collapsed cells and design matrices of a model (the model frame).

Cells and a model's terms enter; level lists, collapsed covariate patterns and treatment-coded
design matrices leave. Checks stop on a cell table without the model's columns or an unknown
reference level."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from birthgaps.core import codes as definitions
from birthgaps.core.errors import InputError

#: Values treated as missing covariates (complete-case analysis leaves these births out).
MISSING_LEVELS: frozenset[str] = frozenset({definitions.UNKNOWN, definitions.NOT_STATED})

#: Canonical level order of known categorical terms (missing levels excluded).
LEVEL_ORDER: dict[str, list[str]] = {
    "imd_quintile": list(definitions.IMD_QUINTILES),
    "ethnic_group": [g for g in definitions.ETHNIC_GROUPS if g != definitions.NOT_STATED],
    "age_band": list(definitions.AGE_BANDS),
}


def _level_key(level: str) -> tuple[int, int, str]:
    """Sort key putting numeric levels (years, quintiles) first, in numeric order."""
    numeric = level.lstrip("-").isdigit()
    return (0 if numeric else 1, int(level) if numeric else 0, level)


def order_levels(term: str, values: Iterable[Any]) -> list[str]:
    """Levels of ``term`` present in ``values`` in canonical order (other levels sorted after)."""
    present = {str(v) for v in values}
    canonical = LEVEL_ORDER.get(term, [])
    extras = sorted(present - set(canonical), key=_level_key)
    return [lv for lv in canonical if lv in present] + extras


def is_positional(ref: Any) -> bool:
    """True for the positional references ``first`` / ``last`` (or no reference at all)."""
    return ref is None or str(ref) in ("first", "last")


def pick_reference(ref: Any, levels: Sequence[str]) -> str:
    """The configured reference, or the earliest (``first``) / latest (``last``) of ``levels``."""
    if ref is not None and str(ref) == "last":
        return levels[-1]
    if is_positional(ref):
        return levels[0]
    return str(ref)


def _resolve_reference(term: str, reference: dict[str, Any], levels: Sequence[str]) -> str:
    """Reference level of ``term``: the configured value, or the first/last level present."""
    ref = reference.get(term, "first")
    if is_positional(ref) and not levels:
        raise ValueError(f"term {term!r} has no levels to choose a reference from")
    return pick_reference(ref, levels)


def collapse(cells: pd.DataFrame, terms: Sequence[str]) -> pd.DataFrame:
    """Sum events and denominators over every column not in ``terms``; terms become strings."""
    frame = cells.loc[:, [*terms, "events", "denominator"]].copy()
    for term in terms:
        frame[term] = frame[term].astype(str)
    grouped = frame.groupby(list(terms), sort=True, observed=True, dropna=False)[
        ["events", "denominator"]
    ].sum()
    return grouped.reset_index()


def design(
    collapsed: pd.DataFrame, terms: Sequence[str], reference: dict[str, Any]
) -> tuple[np.ndarray, pd.DataFrame, dict[str, str]]:
    """Response ``[events, non-events]``, treatment-coded design matrix and resolved references."""
    events = collapsed["events"].to_numpy(dtype=float)
    denominator = collapsed["denominator"].to_numpy(dtype=float)
    endog = np.column_stack([events, denominator - events])
    columns: dict[str, np.ndarray] = {"Intercept": np.ones(len(collapsed))}
    resolved: dict[str, str] = {}
    for term in terms:
        values = collapsed[term].to_numpy(dtype=object)
        levels = order_levels(term, values)
        ref = _resolve_reference(term, reference, levels)
        if ref not in levels:
            raise ValueError(f"reference level {ref!r} of term {term!r} is not in the data")
        resolved[term] = ref
        for level in levels:
            if level != ref:
                columns[f"{term}[T.{level}]"] = (values == level).astype(float)
    exog = pd.DataFrame(columns, index=collapsed.index)
    return endog, exog, resolved


def check_cells(cells: pd.DataFrame, terms: Sequence[str]) -> None:
    """Fail loudly when the cell table lacks a column the model needs."""
    missing = [c for c in [*terms, "events", "denominator"] if c not in cells.columns]
    if missing:
        raise InputError(
            "the cell table lacks columns needed by the models",
            column=", ".join(missing),
            rows=len(cells),
            hint="build cells with birthgaps.clean.cells.make_cells and check models: in the config",
        )


def dependent_columns(exog: pd.DataFrame) -> list[str]:
    """Design columns that are linear combinations of earlier columns (kept columns come first).

    Works on the small cross-product matrix X'X, column by column: a column whose residual after
    projection on the kept ones is (numerically) zero is aliased, e.g. a level that only occurs
    together with one level of another term.
    """
    matrix = exog.to_numpy()
    gram = matrix.T @ matrix
    kept: list[int] = []
    dependent: list[str] = []
    for j in range(gram.shape[0]):
        if gram[j, j] <= 0:
            dependent.append(exog.columns[j])
            continue
        if kept:
            sub = gram[np.ix_(kept, kept)]
            cross = gram[kept, j]
            residual = gram[j, j] - cross @ np.linalg.solve(sub, cross)
        else:
            residual = gram[j, j]
        if residual <= 1e-9 * gram[j, j]:
            dependent.append(exog.columns[j])
        else:
            kept.append(j)
    return dependent


def check_references(reference: dict[str, Any], levels: dict[str, list[str]]) -> None:
    """A configured reference level must be a level of its term (a typo must not pass silently)."""
    for term, known in levels.items():
        ref = reference.get(term, "first")
        if is_positional(ref) or not known:
            continue
        if str(ref) not in known:
            raise InputError(
                f"reference level {str(ref)!r} of {term} is not one of its levels",
                key=f"models.reference.{term}",
                hint=f"use one of {known}, 'first' or 'last'",
            )
