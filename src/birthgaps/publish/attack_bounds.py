"""What the attacks know and what they found: a release's rates table in; per-cell bounds of its hidden and
shown counts (from the rounding rule, then each attack's findings), scored against the truth, out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from birthgaps.core.disclosure import AdditiveSet, rates_additive_sets
from birthgaps.publish.attack_view import BASE, KEYS, QUANTITIES, SMALL, key_frame


@dataclass
class AttackResult:
    """What one attack found: ``findings`` (one row per bounded cell or row) and a ``summary``."""

    name: str
    findings: pd.DataFrame
    summary: dict[str, float | int | str] = field(default_factory=dict)
    seconds: float = 0.0


def structural_sets(rates: pd.DataFrame) -> list[AdditiveSet]:
    """Every additive set of a rates table, from its keys alone (what an attacker can list).

    Uses ``birthgaps.core.disclosure.rates_additive_sets`` without its sum check, which needs the
    unrounded counts. The sets include the nested ones: detailed ethnic groups sum to their
    high-level group (the ONS classification is public).
    """
    return rates_additive_sets(key_frame(rates), check=())


def initial_bounds(
    rates: pd.DataFrame, *, base: int = BASE, half: int | None = None
) -> pd.DataFrame:
    """What the rounding rule alone says about each row's counts.

    ``half`` is how far a shown count may be from the truth: ``base // 2`` for rounding to the
    nearest multiple, ``base - 1`` for a release that follows another, whose counts may be carried
    over from it (docs/disclosure.md, "Across releases").

    A shown count v lies in [v-2, v+2] (v = 0 is an exact 0, as 1 and 2 would be suppressed;
    shown counts are never 1 to 7, so the interval starts at 8 at the lowest). A hidden count is
    only known to be a whole number >= 0. Columns ``events_lo``, ``events_hi``,
    ``denominator_lo``, ``denominator_hi`` (float, ``inf`` for no upper bound) and ``hidden``.
    """
    half = base // 2 if half is None else half
    hidden = rates["suppressed"].astype(str).str.lower().eq("true").to_numpy()
    out = pd.DataFrame({"hidden": hidden}, index=rates.index)
    for q in QUANTITIES:
        shown = pd.to_numeric(rates[q], errors="coerce").to_numpy(dtype=float)
        lo = np.where(shown == 0, 0.0, np.maximum(shown - half, SMALL[1] + 1))
        hi = np.where(shown == 0, 0.0, shown + half)
        missing = np.isnan(shown) | hidden
        out[f"{q}_lo"] = np.where(missing, 0.0, lo)
        out[f"{q}_hi"] = np.where(missing, np.inf, hi)
    return out


def apply_findings(bounds: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Intersect ``bounds`` with an attack's findings (``row``, ``quantity``, ``lo``, ``hi``)."""
    out = bounds.copy()
    if findings.empty:
        return out
    for q in QUANTITIES:
        part = findings[findings["quantity"] == q]
        if part.empty:
            continue
        lo = part.groupby("row")["lo"].max()
        hi = part.groupby("row")["hi"].min()
        rows = lo.index.to_numpy()
        out.loc[rows, f"{q}_lo"] = np.maximum(out.loc[rows, f"{q}_lo"].to_numpy(), lo.to_numpy())
        rows = hi.index.to_numpy()
        out.loc[rows, f"{q}_hi"] = np.minimum(out.loc[rows, f"{q}_hi"].to_numpy(), hi.to_numpy())
    return out


def trust_filter(findings: pd.DataFrame, threshold: float = 0.5) -> pd.DataFrame:
    """Drop findings that could equally come from a statistic computed from the shown counts.

    ``findings["reproduced"]`` says whether the shown (rounded) counts themselves reproduce the
    published statistic. When that holds for at least ``threshold`` of the attacked items, the
    attacker must assume the table is computed from the shown counts, and such items tell nothing;
    otherwise the table is evidently computed from other (unrounded) counts and every item counts.
    """
    if findings.empty:
        return findings.drop(columns="reproduced", errors="ignore")
    items = findings.drop_duplicates("item")
    share = float(items["reproduced"].mean())
    if share >= threshold:
        findings = findings[~findings["reproduced"]]
    return findings.drop(columns=["reproduced", "item"])


def bounds_findings(
    rows: np.ndarray, quantity: str, lo: np.ndarray, hi: np.ndarray, method: str
) -> pd.DataFrame:
    """Findings of one method: bounds [lo, hi] of one quantity of the given rates rows."""
    return pd.DataFrame(
        {
            "row": rows.astype(int),
            "quantity": quantity,
            "lo": np.asarray(lo, dtype=float),
            "hi": np.asarray(hi, dtype=float),
            "method": method,
        }
    )


def score_bounds(
    findings: pd.DataFrame,
    rates: pd.DataFrame,
    truth: pd.DataFrame | None,
    *,
    base: int = BASE,
) -> pd.DataFrame:
    """Score per-cell bounds (``row``, ``quantity``, ``lo``, ``hi``) against the truth.

    Adds the keys, ``hidden``, ``true`` (unrounded count, when the truth is given), ``shown``,
    ``exact`` (lo == hi), ``width`` (hi - lo), ``correct`` (the truth lies within the bounds),
    ``recovered`` (exact and equal to the truth: the count is pinned), ``unrounded`` (recovered
    and differing from the shown rounded value, i.e. an unrounded count given back) and
    ``small_narrow`` (a hidden cell whose true value is 1 to 7 bounded to width <= 2).
    """
    out = findings.copy()
    if out.empty:
        for column in ("hidden", "exact", "recovered", "unrounded", "small_narrow", "correct"):
            out[column] = pd.Series(dtype=bool)
        return out
    rows = out["row"].to_numpy(dtype=int)
    for column in KEYS:
        out[column] = rates[column].to_numpy()[rows]
    hidden = rates["suppressed"].astype(str).str.lower().eq("true").to_numpy()
    out["hidden"] = hidden[rows]
    shown = np.full(len(out), np.nan)
    true = np.full(len(out), np.nan)
    for q in ("events", "denominator", "non_events"):
        mask = (out["quantity"] == q).to_numpy()
        if q == "non_events":
            pub = pd.to_numeric(rates["denominator"], errors="coerce") - pd.to_numeric(
                rates["events"], errors="coerce"
            )
        else:
            pub = pd.to_numeric(rates[q], errors="coerce")
        shown[mask] = pub.to_numpy(dtype=float)[rows[mask]]
        if truth is not None:
            t = truth["denominator"] - truth["events"] if q == "non_events" else truth[q]
            true[mask] = pd.to_numeric(t).to_numpy(dtype=float)[rows[mask]]
    out["shown"] = shown
    out["true"] = true
    lo, hi = out["lo"].to_numpy(float), out["hi"].to_numpy(float)
    out["width"] = hi - lo
    out["exact"] = lo == hi
    out["correct"] = (lo <= true) & (true <= hi) if truth is not None else np.nan
    eq_true = (lo == true) & (hi == true)
    out["recovered"] = eq_true
    out["unrounded"] = eq_true & ~out["hidden"].to_numpy() & (true != shown)
    small = (true >= SMALL[0]) & (true <= SMALL[1])
    out["small_narrow"] = out["hidden"].to_numpy() & small & (hi - lo <= 2)
    return out


def summary_of(scored: pd.DataFrame, quantities: Sequence[str] = QUANTITIES) -> dict:
    """How many scored cells each kind of breach holds (hidden pinned, small narrowed, unrounded shown)."""
    part = scored[scored["quantity"].isin(quantities)] if not scored.empty else scored
    if part.empty:
        return {
            "hidden_exact": 0,
            "hidden_exact_nonzero": 0,
            "hidden_recovered": 0,
            "hidden_small_narrow": 0,
            "shown_pinned": 0,
            "shown_unrounded": 0,
            "cells": 0,
        }
    hidden = part["hidden"].astype(bool)
    return {
        "hidden_exact": int((part["exact"] & hidden).sum()),
        # a hidden count pinned at 0 (e.g. events of a set whose total is a published 0)
        "hidden_exact_nonzero": int((part["exact"] & hidden & (part["hi"] > 0)).sum()),
        "hidden_recovered": int((part["recovered"] & hidden).sum()),
        "hidden_small_narrow": int(part["small_narrow"].sum()),
        "shown_pinned": int((part["recovered"] & ~hidden).sum()),
        "shown_unrounded": int(part["unrounded"].sum()),
        "cells": len(part),
    }
