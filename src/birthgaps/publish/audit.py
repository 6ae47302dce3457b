"""Attacks on a published release: can anyone work back to a hidden or unrounded count?

The attacker reads only the published CSV tables of a release (``published/tables/*.csv``) and
knows the methods (docs/statistics.md, docs/disclosure.md). Each attack returns an
:class:`AttackResult`: a tidy table of findings (one row per cell it bounds) and a summary. Scores
are computed against the restricted truth (``restricted/rates_unrounded.parquet`` and
``restricted/cells.parquet``), which the attacks themselves never read.

A *cell* is one count of one ``rates.csv`` row (``events`` or ``denominator``; ``non_events`` is
reported as well). The attacks:

1. ``invert_wilson``: enumerate the integer counts consistent with a shown row's rounded counts
   (a box of +-2 around them) and keep those whose Wilson limits, rounded as published, match.
2. ``invert_rate_ratios``, ``invert_funnel``, ``invert_crude_models``: the same for the rate ratios
   of ``inequality.csv`` (both groups' counts at once), the funnel limits of ``funnel.csv`` (a
   function of the point's denominator and the baseline) and the crude odds ratios and standard
   errors of ``models.csv`` (complete-case counts of each level).
3. ``difference_sets``: interval arithmetic over every additive set (``rates_additive_sets``,
   listed from the key structure only), iterated until nothing narrows.
4. ``milp_bounds``: an integer program over all rates rows (additive sets exact, shown counts as
   intervals, inversion results as bounds) that minimises and maximises every hidden count.
5. ``milp_two_releases``: the same over two consecutive releases (one year more, or one late
   record more), with the differences between them as non-negative integers.

``attack_release`` and ``attack_pair`` run everything on result folders; ``benchmarks/
attack_release.py`` prints the report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix, csr_matrix

from birthgaps.core.disclosure import AdditiveSet, rates_additive_sets
from birthgaps.stats.measures import proportion_ci, rate_ratio

__all__ = [
    "KEYS",
    "QUANTITIES",
    "AttackResult",
    "Release",
    "apply_findings",
    "attack_pair",
    "attack_release",
    "complete_case_truth",
    "decimals",
    "difference_sets",
    "initial_bounds",
    "invert_crude_models",
    "invert_funnel",
    "invert_rate_ratios",
    "invert_wilson",
    "load_release",
    "matches",
    "milp_bounds",
    "milp_two_releases",
    "score_bounds",
    "structural_sets",
]

#: Key columns of a rates row.
KEYS = ["area_code", "outcome", "dimension", "group"]
#: The counts of a rates row that the attacks bound (non-events = denominator - events).
QUANTITIES = ("events", "denominator")
#: Published counts are rounded to this base; the true count lies within HALF of the shown one.
BASE = 5
HALF = 2
#: Counts in this range are suppressed (NHS England rule).
SMALL = (1, 7)
#: Decimals at or above which a column counts as published at full precision.
FULL_PRECISION = 12
_LIMITS = ("lower_95", "upper_95", "lower_99_8", "upper_99_8")


# ------------------------------------------------------------------------------------------------
# Reading a release
# ------------------------------------------------------------------------------------------------


@dataclass
class Release:
    """The published tables of one release (and, for scoring only, its restricted truth).

    ``tables`` holds each CSV parsed as numbers, ``text`` the same CSV as strings (to read the
    published precision), ``truth`` the unrounded rates (``rates_unrounded``, aligned to
    ``tables["rates"]``) and ``cells`` the restricted cell table; either is None when absent.
    """

    folder: Path
    tables: dict[str, pd.DataFrame]
    text: dict[str, pd.DataFrame]
    truth: pd.DataFrame | None = None
    cells: pd.DataFrame | None = None

    @property
    def rates(self) -> pd.DataFrame:
        """The published rates table (one row per key)."""
        return self.tables["rates"]


def _table_folder(folder: Path) -> Path:
    for candidate in (folder / "published" / "tables", folder / "tables", folder):
        if (candidate / "rates.csv").exists():
            return candidate
    raise FileNotFoundError(f"no rates.csv under {folder}")


def _key_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in KEYS:
        out[column] = out[column].astype("string").fillna("")
    return out


def load_release(folder: str | Path, *, with_truth: bool = True) -> Release:
    """Read every published CSV table of a release folder (``results/<release>``).

    ``folder`` may also be the ``published/tables`` folder itself (then no truth is found). With
    ``with_truth`` the restricted ``rates_unrounded.parquet`` is aligned to the published rates
    rows (same keys) and ``cells.parquet`` is read, for scoring.
    """
    folder = Path(folder)
    tables_dir = _table_folder(folder)
    tables: dict[str, pd.DataFrame] = {}
    text: dict[str, pd.DataFrame] = {}
    for path in sorted(tables_dir.glob("*.csv")):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        text[path.stem] = raw
        tables[path.stem] = pd.read_csv(path, dtype={c: "string" for c in KEYS})
    tables["rates"] = _key_frame(tables["rates"])
    release = Release(folder, tables, text)
    restricted = folder / "restricted"
    if with_truth and (restricted / "rates_unrounded.parquet").exists():
        truth = _key_frame(pd.read_parquet(restricted / "rates_unrounded.parquet"))
        aligned = release.rates[KEYS].merge(
            truth[[*KEYS, "events", "denominator"]], on=KEYS, how="left"
        )
        release.truth = aligned
        if (restricted / "cells.parquet").exists():
            release.cells = pd.read_parquet(restricted / "cells.parquet")
    return release


def decimals(text: pd.Series) -> int:
    """The precision a column is published at: the most decimals any of its values shows."""
    values = text.astype(str).str.strip()
    values = values[values.str.match(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")]
    if values.empty:
        return 0
    if values.str.contains("[eE]").any():
        return FULL_PRECISION
    return int(values.str.extract(r"\.(\d+)$")[0].fillna("").str.len().max())


def matches(candidate: np.ndarray, published: np.ndarray | float, places: int) -> np.ndarray:
    """True where a candidate value rounds to the published one at ``places`` decimals.

    Values at full precision (``places >= FULL_PRECISION``) must agree to a relative 1e-9. A
    missing published value matches anything.
    """
    candidate = np.asarray(candidate, dtype=float)
    published = np.broadcast_to(np.asarray(published, dtype=float), candidate.shape)
    if places >= FULL_PRECISION:
        ok = np.isclose(candidate, published, rtol=1e-9, atol=1e-12)
    else:
        ok = np.abs(candidate - published) <= 0.5 * 10.0**-places + 1e-9
    return ok | np.isnan(published)


# ------------------------------------------------------------------------------------------------
# Results and bounds
# ------------------------------------------------------------------------------------------------


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
    unrounded counts.
    """
    return rates_additive_sets(_key_frame(rates), check=())


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


def _trust_filter(findings: pd.DataFrame, threshold: float = 0.5) -> pd.DataFrame:
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


def _bounds_findings(
    rows: np.ndarray, quantity: str, lo: np.ndarray, hi: np.ndarray, method: str
) -> pd.DataFrame:
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


def _summary_of(scored: pd.DataFrame, quantities: Sequence[str] = QUANTITIES) -> dict:
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


# ------------------------------------------------------------------------------------------------
# 1. Inversion of the Wilson limits of rates.csv
# ------------------------------------------------------------------------------------------------


def _box(lo: float, hi: float, widen: int) -> np.ndarray:
    lo = max(0.0, lo - widen)
    return np.arange(int(lo), int(hi + widen) + 1, dtype=float)


def invert_wilson(
    release: Release,
    bounds: pd.DataFrame | None = None,
    *,
    widen: int = 0,
    levels: Sequence[float] = (0.95, 0.998),
) -> AttackResult:
    """Invert the Wilson limits of every shown rates row.

    For each shown row every integer (events, denominator) in the box given by ``bounds`` (the
    rounding interval, widened by ``widen`` on each side) is tried: its percent limits are rounded
    to the precision the CSV shows and compared with the published ones. Findings: one row per
    count with the hull [lo, hi] of the matching candidates and ``candidates`` (how many pairs
    match; 0 means the limits were not computed from any pair in the box, e.g. rounded counts
    outside it, and the row gives no finding).
    """
    started = time.perf_counter()
    rates = release.rates
    text = release.text["rates"]
    bounds = initial_bounds(rates) if bounds is None else bounds
    columns = [c for c in _LIMITS if c in rates.columns]
    places = {c: decimals(text[c]) for c in columns}
    found = []
    for i in np.flatnonzero(~bounds["hidden"].to_numpy()):
        published = pd.to_numeric(rates.loc[rates.index[i], columns], errors="coerce").to_numpy(
            float
        )
        if np.isnan(published).all():
            continue
        b = bounds.iloc[i]
        ev = _box(b["events_lo"], b["events_hi"], widen)
        den = _box(b["denominator_lo"], b["denominator_hi"], widen)
        e, n = (a.ravel() for a in np.meshgrid(ev, den))
        keep = (e <= n) & (n > 0)
        e, n = e[keep], n[keep]
        shown = pd.to_numeric(rates.loc[rates.index[i], ["events", "denominator"]]).to_numpy(float)
        e = np.append(e, shown[0])
        n = np.append(n, shown[1])
        ci = proportion_ci(e, n, confidence=tuple(levels), multiplier=100)
        ok = np.ones(len(e), dtype=bool)
        for column, value in zip(columns, published, strict=True):
            ok &= matches(ci[column].to_numpy(), value, places[column])
        reproduced = bool(ok[-1])
        e, n, ok = e[:-1], n[:-1], ok[:-1]
        count = int(ok.sum())
        if count == 0:
            continue
        for q, values in (("events", e[ok]), ("denominator", n[ok])):
            found.append((i, q, values.min(), values.max(), count, reproduced, i))
        ne = n[ok] - e[ok]
        found.append((i, "non_events", ne.min(), ne.max(), count, reproduced, i))
    columns = ["row", "quantity", "lo", "hi", "candidates", "reproduced", "item"]
    findings = _trust_filter(pd.DataFrame(found, columns=columns))
    findings["method"] = "wilson"
    scored = score_bounds(findings, rates, release.truth)
    summary = _summary_of(scored)
    if not scored.empty:
        per_row = scored[scored["quantity"] != "non_events"].groupby("row")["recovered"]
        summary["rows_attacked"] = int(scored["row"].nunique())
        summary["rows_events_pinned"] = int(
            scored[scored["quantity"] == "events"]["recovered"].sum()
        )
        summary["rows_both_pinned"] = int((per_row.sum() == 2).sum())
    return AttackResult("wilson", scored, summary, time.perf_counter() - started)


# ------------------------------------------------------------------------------------------------
# 2. Inversion of rate ratios, funnel limits and crude models
# ------------------------------------------------------------------------------------------------


def _row_index(rates: pd.DataFrame) -> dict[tuple[str, ...], int]:
    keys = zip(*(rates[k].astype(str).tolist() for k in KEYS), strict=True)
    return {key: i for i, key in enumerate(keys)}


def invert_rate_ratios(
    release: Release, bounds: pd.DataFrame, *, max_candidates: int = 200_000
) -> AttackResult:
    """Invert the risk ratios of ``inequality.csv`` (group against reference, Katz limits).

    For every shown ``rate_ratio`` row, all (a, n1, b, n0) in the current bounds of the group's
    and the reference's rates rows are tried (skipped if more than ``max_candidates``); the ratio
    and its limits, rounded as published, must match. Findings bound both rows' counts.
    """
    started = time.perf_counter()
    rates = release.rates
    table = release.tables.get("inequality")
    found: list[tuple] = []
    if table is not None and not table.empty:
        text = release.text["inequality"]
        columns = ["value", *[c for c in _LIMITS if c in table.columns]]
        places = {c: decimals(text[c]) for c in columns}
        index = _row_index(rates)
        part = table[(table["measure"] == "rate_ratio") & table["value"].notna()]
        for _, row in part.iterrows():
            key = (str(row["area_code"]), str(row["outcome"]), str(row["dimension"]))
            i = index.get((*key, str(row["group"])))
            j = index.get((*key, str(row["reference"])))
            if i is None or j is None:
                continue
            boxes = []
            for r in (i, j):
                b = bounds.iloc[r]
                if not np.isfinite([b["events_hi"], b["denominator_hi"]]).all():
                    break
                boxes += [_box(b["events_lo"], b["events_hi"], 0)]
                boxes += [_box(b["denominator_lo"], b["denominator_hi"], 0)]
            if len(boxes) < 4 or math.prod(len(x) for x in boxes) > max_candidates:
                continue
            a, n1, c, n0 = (g.ravel() for g in np.meshgrid(*boxes, indexing="ij"))
            keep = (a > 0) & (c > 0) & (a <= n1) & (c <= n0)
            a, n1, c, n0 = a[keep], n1[keep], c[keep], n0[keep]
            shown = [
                pd.to_numeric(rates[q].iloc[r], errors="coerce")
                for r in (i, j)
                for q in ("events", "denominator")
            ]
            a, n1, c, n0 = (np.append(x, v) for x, v in zip((a, n1, c, n0), shown, strict=True))
            ok = np.ones(len(a), dtype=bool)
            first = rate_ratio(a, n1, c, n0, confidence=0.95, kind="risk")
            ok &= matches(first["ratio"].to_numpy(), row["value"], places["value"])
            for level, suffix in ((0.95, "95"), (0.998, "99_8")):
                if f"lower_{suffix}" not in columns:
                    continue
                ratio = first if level == 0.95 else rate_ratio(a, n1, c, n0, level, kind="risk")
                for side in ("lower", "upper"):
                    column = f"{side}_{suffix}"
                    ok &= matches(ratio[column].to_numpy(), row[column], places[column])
            reproduced = bool(ok[-1])
            a, n1, c, n0, ok = a[:-1], n1[:-1], c[:-1], n0[:-1], ok[:-1]
            if not ok.any():
                continue
            count = int(ok.sum())
            item = len(found)
            for r, e_vals, n_vals in ((i, a[ok], n1[ok]), (j, c[ok], n0[ok])):
                found.append((r, "events", e_vals.min(), e_vals.max(), count, reproduced, item))
                found.append(
                    (r, "denominator", n_vals.min(), n_vals.max(), count, reproduced, item)
                )
    columns = ["row", "quantity", "lo", "hi", "candidates", "reproduced", "item"]
    findings = _trust_filter(pd.DataFrame(found, columns=columns))
    findings["method"] = "rate_ratio"
    findings = _tightest(findings)
    scored = score_bounds(findings, rates, release.truth)
    summary = _summary_of(scored)
    return AttackResult("rate_ratio", scored, summary, time.perf_counter() - started)


def _tightest(findings: pd.DataFrame) -> pd.DataFrame:
    """One finding per (row, quantity): the intersection of all bounds found for it."""
    if findings.empty:
        return findings
    grouped = findings.groupby(["row", "quantity"], as_index=False).agg(
        lo=("lo", "max"),
        hi=("hi", "min"),
        candidates=("candidates", "min"),
        method=("method", "first"),
    )
    return grouped


def invert_funnel(release: Release, bounds: pd.DataFrame, *, grid: int = 401) -> AttackResult:
    """Invert the PHE funnel limits of ``funnel.csv`` at each area and area-year point.

    The limits at a point are ``p -/+ z sqrt(p(1-p)/n)`` with p the baseline and n the point's
    denominator. Every n in the point's bounds (its rates row: ``overall`` for an area, ``year``
    for an area-year) is tried against a grid of baselines within the published baseline's
    rounding; n is kept if some baseline reproduces all four limits.
    """
    started = time.perf_counter()
    from scipy.stats import norm

    rates = release.rates
    table = release.tables.get("funnel")
    found: list[tuple] = []
    if table is not None and not table.empty:
        text = release.text["funnel"]
        places = {c: decimals(text[c]) for c in [*_LIMITS, "baseline"]}
        index = _row_index(rates)
        points = table[table["row_type"].isin(["area", "area_year"]) & table["lower_95"].notna()]
        for _, row in points.iterrows():
            if row["row_type"] == "area":
                key = (str(row["area_code"]), str(row["outcome"]), "overall", "All")
            else:
                key = (str(row["area_code"]), str(row["outcome"]), "year", str(int(row["year"])))
            r = index.get(key)
            if r is None:
                continue
            b = bounds.iloc[r]
            if not np.isfinite(b["denominator_hi"]):
                continue
            n = np.append(_box(b["denominator_lo"], b["denominator_hi"], 0), row["denominator"])
            step = 0.5 * 10.0 ** -places["baseline"]
            p = (row["baseline"] + np.linspace(-step, step, grid)) / 100
            nn, pp = np.meshgrid(n, p, indexing="ij")
            ok = np.ones(nn.shape, dtype=bool)
            for suffix, level in (("95", 0.95), ("99_8", 0.998)):
                half = norm.ppf(0.5 + level / 2) * np.sqrt(pp * (1 - pp) / nn)
                for side, value in (("lower", pp - half), ("upper", pp + half)):
                    column = f"{side}_{suffix}"
                    limit = np.clip(value * 100, 0, 100)
                    ok &= matches(limit, row[column], places[column])
            good = ok.any(axis=1)
            reproduced = bool(good[-1])
            kept = n[:-1][good[:-1]]
            if kept.size:
                found.append((r, "denominator", kept.min(), kept.max(), kept.size, reproduced, r))
    columns = ["row", "quantity", "lo", "hi", "candidates", "reproduced", "item"]
    findings = _trust_filter(pd.DataFrame(found, columns=columns))
    findings["method"] = "funnel"
    findings = _tightest(findings)
    scored = score_bounds(findings, rates, release.truth)
    return AttackResult("funnel", scored, _summary_of(scored), time.perf_counter() - started)


def complete_case_truth(
    cells: pd.DataFrame, terms: Iterable[str] = ("imd_quintile", "ethnic_group", "age_band")
) -> pd.DataFrame:
    """True complete-case events and births of each area (and ALL), outcome, term and level."""
    unknown = {"Unknown", "Not stated", ""}
    terms = list(terms)
    complete = cells[~cells[terms].astype(str).isin(unknown).any(axis=1)]
    frames = []
    for term in terms:
        for pooled in (False, True):
            part = complete.assign(area_code="ALL") if pooled else complete
            g = part.groupby(["area_code", "outcome", term], observed=True)[
                ["events", "denominator"]
            ].sum()
            g = g.reset_index().rename(columns={term: "level"})
            g["term"] = term
            frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    out["level"] = out["level"].astype(str)
    return out


def invert_crude_models(
    release: Release, *, slack: float = 0.25, tolerance: float = 0.02
) -> AttackResult:
    """Recover complete-case counts from the crude odds ratios and their standard errors.

    For a crude logit model on one factor, OR_k = (a_k/b_k)/(c/d) and se_k^2 = 1/a_k + 1/b_k +
    1/c + 1/d (events a, non-events b of level k; c, d of the reference). Given (c, d), each
    level's a_k = (1 + r_k)/u_k and b_k = a_k/r_k with r_k = OR_k c/d and u_k = se_k^2 - 1/c -
    1/d. Every (c, d) up to the reference group's published rates counts (plus 2) and down to
    ``1 - slack`` of them is tried; a candidate is kept when every level's a_k and b_k are whole
    numbers (to ``tolerance``: the published fit converged to about 1e-8, not exactly). Findings: one row per area, outcome, term and level with the recovered
    ``events`` and ``births`` (empty when not unique), scored against ``complete_case_truth``.
    """
    started = time.perf_counter()
    table = release.tables.get("models")
    rows: list[dict] = []
    if table is not None and "se" in table.columns:
        rates = release.rates
        index = _row_index(rates)
        crude = table[(table["model"] == "crude") & table["se"].notna()]
        for (area, outcome, term), part in crude.groupby(
            ["area_code", "outcome", "term"], sort=False
        ):
            reference = str(part["reference"].iloc[0])
            r = index.get((str(area), str(outcome), str(term), reference))
            if r is None:
                continue
            e_pub = pd.to_numeric(rates["events"].iloc[r], errors="coerce")
            n_pub = pd.to_numeric(rates["denominator"].iloc[r], errors="coerce")
            if pd.isna(e_pub) or pd.isna(n_pub):
                continue
            c = np.arange(max(1, int((1 - slack) * e_pub)), int(e_pub) + HALF + 1, dtype=float)
            d = np.arange(
                max(1, int((1 - slack) * (n_pub - e_pub))), int(n_pub - e_pub) + HALF + 1
            ).astype(float)
            cc, dd = (g.ravel() for g in np.meshgrid(c, d, indexing="ij"))
            odds = part["odds_ratio"].to_numpy(float)
            se = part["se"].to_numpy(float)
            ratio = odds[:, None] * cc[None, :] / dd[None, :]
            u = se[:, None] ** 2 - 1 / cc[None, :] - 1 / dd[None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                a = (1 + ratio) / u
                b = a / ratio
            whole = (np.abs(a - np.round(a)) < tolerance) & (np.abs(b - np.round(b)) < tolerance)
            whole &= (a > 0) & (b > 0)
            ok = whole.all(axis=0)
            unique = int(ok.sum()) == 1
            levels = [*part["level"].astype(str), reference]
            for k, level in enumerate(levels):
                record = {
                    "area_code": str(area),
                    "outcome": str(outcome),
                    "term": str(term),
                    "level": level,
                    "candidates": int(ok.sum()),
                    "events": np.nan,
                    "births": np.nan,
                }
                if unique:
                    m = int(np.flatnonzero(ok)[0])
                    if k < len(part):
                        ev, ne = round(a[k, m]), round(b[k, m])
                    else:
                        ev, ne = round(cc[m]), round(dd[m])
                    record["events"], record["births"] = ev, ev + ne
                rows.append(record)
    findings = pd.DataFrame(
        rows, columns=["area_code", "outcome", "term", "level", "candidates", "events", "births"]
    )
    summary: dict = {
        "levels": len(findings),
        "levels_unique": int(findings["events"].notna().sum()),
    }
    if release.cells is not None and not findings.empty:
        truth = complete_case_truth(release.cells)
        merged = findings.merge(truth, on=["area_code", "outcome", "term", "level"], how="left")
        findings["true_events"] = merged["events_y"].to_numpy()
        findings["true_births"] = merged["denominator"].to_numpy()
        findings["recovered"] = (findings["events"] == findings["true_events"]) & (
            findings["births"] == findings["true_births"]
        )
        summary["levels_recovered"] = int(findings["recovered"].sum())
    return AttackResult("crude_models", findings, summary, time.perf_counter() - started)


# ------------------------------------------------------------------------------------------------
# 3. Differencing over the additive sets
# ------------------------------------------------------------------------------------------------


def _propagate(
    lo: np.ndarray, hi: np.ndarray, sets: Sequence[AdditiveSet], rounds: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Interval propagation of total = sum(members) over all sets until nothing narrows."""
    lo, hi = lo.copy(), hi.copy()
    for _ in range(rounds):
        changed = False
        for s in sets:
            members = list(s.members)
            t = s.total
            # total within [sum lo, sum hi] of the members
            new_lo, new_hi = lo[members].sum(), hi[members].sum()
            if new_lo > lo[t]:
                lo[t], changed = new_lo, True
            if new_hi < hi[t]:
                hi[t], changed = new_hi, True
            # each member = total - others (an infinite upper bound counted apart)
            sum_lo = lo[members].sum()
            finite = np.isfinite(hi[members])
            sum_hi = hi[members][finite].sum()
            n_inf = int((~finite).sum())
            for m in members:
                others_lo = sum_lo - lo[m]
                if np.isfinite(hi[m]):
                    others_hi = sum_hi - hi[m] if n_inf == 0 else np.inf
                else:
                    others_hi = sum_hi if n_inf == 1 else np.inf
                cand_lo = lo[t] - others_hi
                cand_hi = hi[t] - others_lo
                if cand_lo > lo[m]:
                    lo[m], changed = cand_lo, True
                if cand_hi < hi[m]:
                    hi[m], changed = cand_hi, True
        if not changed:
            break
    return lo, hi


def difference_sets(
    release: Release, bounds: pd.DataFrame, sets: Sequence[AdditiveSet] | None = None
) -> AttackResult:
    """Differencing over every additive set, iterated (interval arithmetic on the bounds).

    A set with one hidden cell gives it as total minus the other members, to within the rounding
    of the shown ones (exactly, if the inversions pinned them). Iterating also narrows cells in
    sets with several hidden cells. Findings: the bounds of every hidden row's counts, plus
    ``single_sets``, the number of sets with exactly one hidden cell.
    """
    started = time.perf_counter()
    rates = release.rates
    sets = structural_sets(rates) if sets is None else sets
    hidden = bounds["hidden"].to_numpy()
    frames = []
    for q in QUANTITIES:
        lo, hi = _propagate(
            bounds[f"{q}_lo"].to_numpy(float), bounds[f"{q}_hi"].to_numpy(float), sets
        )
        rows = np.flatnonzero(hidden)
        frames.append(_bounds_findings(rows, q, lo[rows], hi[rows], "differencing"))
    findings = pd.concat(frames, ignore_index=True)
    scored = score_bounds(findings, rates, release.truth)
    summary = _summary_of(scored)
    summary["single_sets"] = sum(1 for s in sets if int(hidden[list(s.cells)].sum()) == 1)
    return AttackResult("differencing", scored, summary, time.perf_counter() - started)


# ------------------------------------------------------------------------------------------------
# 4. and 5. Integer programs
# ------------------------------------------------------------------------------------------------


@dataclass
class _Program:
    """A linear system over integer variables: rows of A x (=, <=) b, variable bounds."""

    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    rows: list[list[tuple[int, float]]] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)

    def add_vars(self, lb: np.ndarray, ub: np.ndarray, integer: bool = True) -> np.ndarray:
        start = len(self.lb)
        self.lb += list(map(float, lb))
        self.ub += list(map(float, ub))
        self.integer += [1 if integer else 0] * len(lb)
        return np.arange(start, start + len(lb))

    def add(self, terms: Sequence[tuple[int, float]], low: float, high: float) -> None:
        self.rows.append(list(terms))
        self.low.append(low)
        self.high.append(high)

    def matrix(self) -> csr_matrix:
        r, c, v = [], [], []
        for i, terms in enumerate(self.rows):
            for j, coef in terms:
                r.append(i)
                c.append(j)
                v.append(coef)
        shape = (len(self.rows), len(self.lb))
        return coo_matrix((v, (r, c)), shape=shape).tocsr()


def _add_release(
    program: _Program,
    bounds: pd.DataFrame,
    sets: Sequence[AdditiveSet],
    rates: pd.DataFrame,
    strong: bool,
) -> dict[str, np.ndarray]:
    """Variables (events, denominator) of every rates row with the one-release constraints."""
    variables = {}
    for q in QUANTITIES:
        lo = bounds[f"{q}_lo"].to_numpy(float)
        hi = bounds[f"{q}_hi"].to_numpy(float)
        variables[q] = program.add_vars(np.ceil(lo), np.floor(hi))
    ev, den = variables["events"], variables["denominator"]
    for i in range(len(ev)):
        program.add([(den[i], 1.0), (ev[i], -1.0)], 0.0, np.inf)  # events <= denominator
    for s in sets:
        for v in (ev, den):
            program.add([(v[s.total], 1.0), *[(v[m], -1.0) for m in s.members]], 0.0, 0.0)
    if strong:
        _add_strong(program, bounds, rates, ev, den)
    return variables


def _add_strong(
    program: _Program, bounds: pd.DataFrame, rates: pd.DataFrame, ev: np.ndarray, den: np.ndarray
) -> None:
    """What a well-informed attacker adds: shown non-events are 0 or >= 8 (a disjunction with a
    binary), term LBW events <= LBW events, term LBW births <= preterm non-events (same key)."""
    big = 1e6
    hidden = bounds["hidden"].to_numpy()
    for i in np.flatnonzero(~hidden):
        if bounds["denominator_lo"].iloc[i] - bounds["events_hi"].iloc[i] >= SMALL[1] + 1:
            continue
        z = program.add_vars(np.array([0.0]), np.array([1.0]))[0]
        # non-events >= 8 z and non-events <= big z  (so 0 when z = 0, >= 8 when z = 1)
        program.add([(den[i], 1.0), (ev[i], -1.0), (z, -(SMALL[1] + 1.0))], 0.0, np.inf)
        program.add([(den[i], 1.0), (ev[i], -1.0), (z, -big)], -np.inf, 0.0)
    index = _row_index(rates)
    for key, i in index.items():
        area, outcome, dimension, group = key
        if outcome != "term_lbw":
            continue
        lbw = index.get((area, "lbw", dimension, group))
        pre = index.get((area, "preterm", dimension, group))
        if lbw is not None:
            program.add([(ev[lbw], 1.0), (ev[i], -1.0)], 0.0, np.inf)
        if pre is not None:
            program.add([(den[pre], 1.0), (ev[pre], -1.0), (den[i], -1.0)], 0.0, np.inf)


def _components(program: _Program) -> np.ndarray:
    """Connected component of each variable (variables linked by a shared constraint)."""
    from scipy.sparse.csgraph import connected_components

    a = program.matrix()
    incidence = (a != 0).astype(float)
    graph = incidence.T @ incidence
    return connected_components(graph, directed=False)[1]


_LP_CACHE: dict[int, tuple] = {}


def _lp_form(sub: csr_matrix, low: np.ndarray, high: np.ndarray) -> tuple:
    """``sub`` x within [low, high] as linprog's A_ub x <= b_ub, A_eq x = b_eq (cached per matrix)."""
    key = id(sub)
    cached = _LP_CACHE.get(key)
    if cached is not None and cached[0] is sub:
        return cached[1]
    from scipy.sparse import vstack

    eq = low == high
    upper = np.isfinite(high) & ~eq
    lower = np.isfinite(low) & ~eq
    a_ub = b_ub = a_eq = b_eq = None
    if upper.any() or lower.any():
        a_ub = vstack([sub[np.flatnonzero(upper)], -sub[np.flatnonzero(lower)]]).tocsr()
        b_ub = np.concatenate([high[upper], -low[lower]])
    if eq.any():
        a_eq, b_eq = sub[np.flatnonzero(eq)], low[eq]
    form = (a_ub, b_ub, a_eq, b_eq)
    _LP_CACHE.clear()
    _LP_CACHE[key] = (sub, form)
    return form


def _solve_one(
    c: np.ndarray,
    sub: csr_matrix,
    low: np.ndarray,
    high: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    integrality: np.ndarray | None,
    time_limit: float,
) -> float | None:
    """Minimum of c'x (None if not solved): MILP with ``integrality``, else the LP relaxation."""
    if integrality is not None:
        res = milp(
            c,
            constraints=LinearConstraint(sub, low, high),
            integrality=integrality,
            bounds=Bounds(lb, ub),
            options={"time_limit": time_limit},
        )
        if res.status == 0:
            return float(res.fun)
        bound = getattr(res, "mip_dual_bound", None)  # cut short: the dual bound is still valid
        return None if bound is None or not np.isfinite(bound) else float(bound)
    a_ub, b_ub, a_eq, b_eq = _lp_form(sub, low, high)
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=np.column_stack([lb, ub]),
        method="highs",
    )
    return float(res.fun) if res.status == 0 else None


def _solve_extremes(
    program: _Program,
    targets: np.ndarray,
    *,
    time_limit: float,
    integer: bool = True,
    milp_width: float = 12,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of each target variable over the program's integer points.

    Each target is solved within its connected component. The LP relaxation comes first (its
    bounds, rounded inwards, are valid); with ``integer`` the MILP then tightens every target
    whose LP range is at most ``milp_width`` wide (a wider range cannot plausibly shrink to the
    widths scored here, and skipping it keeps the run short).
    """
    a = program.matrix()
    lb, ub = np.array(program.lb), np.array(program.ub)
    low, high = np.array(program.low), np.array(program.high)
    integrality = np.array(program.integer)
    comp = _components(program)
    mins = lb[targets].astype(float).copy()
    maxs = ub[targets].astype(float).copy()
    cache: dict[int, tuple] = {}
    for k, t in enumerate(targets):
        cid = comp[t]
        if cid not in cache:
            cols = np.flatnonzero(comp == cid)
            rows = np.flatnonzero(np.asarray(abs(a[:, cols]).sum(axis=1)).ravel() > 0)
            cache[cid] = (cols, a[rows][:, cols].tocsr(), low[rows], high[rows])
        cols, sub, lo_r, hi_r = cache[cid]
        if len(lo_r) == 0:
            continue
        position = int(np.searchsorted(cols, t))
        args = (sub, lo_r, hi_r, lb[cols], ub[cols])
        values = []
        for sign in (1.0, -1.0):
            c = np.zeros(len(cols))
            c[position] = sign
            value = _solve_one(c, *args, None, 0)
            values.append(np.nan if value is None else sign * value)
        lo_v, hi_v = values
        if not np.isnan(lo_v):
            mins[k] = max(mins[k], np.ceil(lo_v - 1e-6))
        if not np.isnan(hi_v):
            maxs[k] = min(maxs[k], np.floor(hi_v + 1e-6))
        if integer and maxs[k] - mins[k] <= milp_width and maxs[k] > mins[k]:
            for sign in (1.0, -1.0):
                c = np.zeros(len(cols))
                c[position] = sign
                value = _solve_one(c, *args, integrality[cols], time_limit)
                if value is None:
                    continue
                if sign > 0:
                    mins[k] = max(mins[k], np.ceil(value - 1e-6))
                else:
                    maxs[k] = min(maxs[k], np.floor(-value + 1e-6))
    return mins, maxs


def milp_bounds(
    release: Release,
    bounds: pd.DataFrame,
    *,
    strong: bool = False,
    time_limit: float = 5.0,
    shown: bool = False,
    sets: Sequence[AdditiveSet] | None = None,
) -> AttackResult:
    """Minimum and maximum of every hidden count by mixed-integer programming (HiGHS).

    Variables: events and denominator of every rates row, integer, within ``bounds`` (shown
    rounded counts as intervals, narrowed by the inversion attacks). Constraints: every additive
    set exact, events <= denominator; with ``strong`` also the disjunctions and cross-outcome
    inclusions of ``_add_strong``. Each hidden count is minimised and maximised within its
    connected component (``_solve_extremes``: LP relaxation, then the MILP where the LP range is
    narrow; ``time_limit`` seconds per MILP solve, a solve cut short reports its dual bound,
    which is still valid). With ``shown`` the shown counts are bounded too, by the LP
    relaxation (rounded inwards), which proves pins but may miss some.
    """
    started = time.perf_counter()
    rates = release.rates
    sets = structural_sets(rates) if sets is None else sets
    program = _Program()
    variables = _add_release(program, bounds, sets, rates, strong)
    hidden = bounds["hidden"].to_numpy()
    frames = []
    for q in QUANTITIES:
        rows = np.flatnonzero(hidden)
        lo, hi = _solve_extremes(program, variables[q][rows], time_limit=time_limit)
        frames.append(_bounds_findings(rows, q, lo, hi, "milp_strong" if strong else "milp"))
        if shown:
            rows = np.flatnonzero(~hidden)
            lo, hi = _solve_extremes(program, variables[q][rows], time_limit=0, integer=False)
            frames.append(_bounds_findings(rows, q, lo, hi, "lp"))
    findings = pd.concat(frames, ignore_index=True)
    scored = score_bounds(findings, rates, release.truth)
    name = "milp_strong" if strong else "milp"
    return AttackResult(name, scored, _summary_of(scored), time.perf_counter() - started)


def milp_two_releases(
    first: Release,
    second: Release,
    bounds_first: pd.DataFrame,
    bounds_second: pd.DataFrame,
    *,
    kind: str = "year",
    time_limit: float = 5.0,
    shown: bool = False,
) -> dict[str, AttackResult]:
    """Differencing across two consecutive releases by mixed-integer programming.

    ``kind="year"``: ``second`` covers one year more. Every row key of both releases that is
    not a ``year`` row satisfies second = first + d with d >= 0 (events, non-events); ``year``
    rows of the common years are equal. ``kind="record"``: ``second`` has one late record more,
    so every common key has second = first + d with d in {0, 1}. Both releases keep their own
    additive sets. Returns one result per release (keys ``first`` and ``second``).
    """
    if kind not in {"year", "record"}:
        raise ValueError("kind must be 'year' or 'record'")
    started = time.perf_counter()
    program = _Program()
    parts = []
    for release, bounds in ((first, bounds_first), (second, bounds_second)):
        sets = structural_sets(release.rates)
        parts.append(_add_release(program, bounds, sets, release.rates, False))
    index_first = _row_index(first.rates)
    index_second = _row_index(second.rates)
    years_first = set(first.rates.loc[first.rates["dimension"] == "year", "group"].astype(str))
    for key, i in index_first.items():
        j = index_second.get(key)
        if j is None:
            continue
        ev1, den1 = parts[0]["events"][i], parts[0]["denominator"][i]
        ev2, den2 = parts[1]["events"][j], parts[1]["denominator"][j]
        if kind == "year" and key[2] == "year":
            if key[3] in years_first:
                program.add([(ev2, 1.0), (ev1, -1.0)], 0.0, 0.0)
                program.add([(den2, 1.0), (den1, -1.0)], 0.0, 0.0)
            continue
        most = np.inf if kind == "year" else 1.0
        program.add([(ev2, 1.0), (ev1, -1.0)], 0.0, most)
        program.add([(den2, 1.0), (den1, -1.0), (ev2, -1.0), (ev1, 1.0)], 0.0, most)
        if kind == "record":
            program.add([(den2, 1.0), (den1, -1.0)], 0.0, 1.0)
    out = {}
    for label, release, bounds, variables in (
        ("first", first, bounds_first, parts[0]),
        ("second", second, bounds_second, parts[1]),
    ):
        hidden = bounds["hidden"].to_numpy()
        frames = []
        for q in QUANTITIES:
            rows = np.flatnonzero(hidden)
            lo, hi = _solve_extremes(program, variables[q][rows], time_limit=time_limit)
            frames.append(_bounds_findings(rows, q, lo, hi, f"two_releases_{kind}"))
            if shown:
                rows = np.flatnonzero(~hidden)
                lo, hi = _solve_extremes(program, variables[q][rows], time_limit=0, integer=False)
                frames.append(_bounds_findings(rows, q, lo, hi, "lp"))
        findings = pd.concat(frames, ignore_index=True)
        scored = score_bounds(findings, release.rates, release.truth)
        out[label] = AttackResult(
            f"two_releases_{kind}_{label}",
            scored,
            _summary_of(scored),
            time.perf_counter() - started,
        )
    return out


# ------------------------------------------------------------------------------------------------
# Running everything
# ------------------------------------------------------------------------------------------------


def inversion_bounds(
    release: Release, *, half: int | None = None
) -> tuple[pd.DataFrame, dict[str, AttackResult]]:
    """Bounds after every inversion attack (Wilson, rate ratios, funnel), and their results."""
    bounds = initial_bounds(release.rates, half=half)
    results: dict[str, AttackResult] = {}
    wilson = invert_wilson(release, bounds)
    results["wilson"] = wilson
    bounds = apply_findings(bounds, wilson.findings)
    for attack in (invert_rate_ratios, invert_funnel):
        result = attack(release, bounds)
        results[result.name] = result
        bounds = apply_findings(bounds, result.findings)
    results["crude_models"] = invert_crude_models(release)
    return bounds, results


def attack_release(
    release: Release | str | Path,
    *,
    time_limit: float = 5.0,
    strong: bool = True,
    shown: bool = True,
    baseline: bool = True,
) -> dict[str, AttackResult]:
    """Every one-release attack in turn, each starting from what the earlier ones found.

    Returns the results by name: ``wilson``, ``rate_ratio``, ``funnel``, ``crude_models``,
    ``differencing``, ``milp`` and (with ``strong``) ``milp_strong``; plus (with ``baseline``)
    ``rounding_only``, the integer program from the rounded counts alone (no inversion), for
    comparison. ``shown`` also bounds the shown counts in ``milp`` (LP relaxation).
    """
    if not isinstance(release, Release):
        release = load_release(release)
    bounds, results = inversion_bounds(release)
    sets = structural_sets(release.rates)
    if baseline:
        plain = initial_bounds(release.rates)
        only = milp_bounds(release, plain, time_limit=time_limit, sets=sets)
        only.name = "rounding_only"
        results["rounding_only"] = only
    results["differencing"] = difference_sets(release, bounds, sets)
    results["milp"] = milp_bounds(release, bounds, time_limit=time_limit, sets=sets, shown=shown)
    if strong:
        results["milp_strong"] = milp_bounds(
            release, bounds, strong=True, time_limit=time_limit, sets=sets
        )
    return results


def attack_pair(
    first: Release | str | Path,
    second: Release | str | Path,
    *,
    kind: str = "year",
    time_limit: float = 5.0,
    use_inversions: bool = True,
    carried: bool = False,
) -> dict[str, AttackResult]:
    """Two-release differencing (``milp_two_releases``) after each release's inversion attacks.

    ``carried``: the second release followed the first (``releases.<name>.previous``), so the
    attacker knows its shown counts may be up to ``base - 1`` from the truth, not ``base // 2``.
    """
    releases = [r if isinstance(r, Release) else load_release(r) for r in (first, second)]
    halves = [None, BASE - 1 if carried else None]
    if use_inversions:
        bounds = [inversion_bounds(r, half=h)[0] for r, h in zip(releases, halves, strict=True)]
    else:
        bounds = [initial_bounds(r.rates, half=h) for r, h in zip(releases, halves, strict=True)]
    return milp_two_releases(*releases, *bounds, kind=kind, time_limit=time_limit, shown=True)


def summary_table(results: Mapping[str, AttackResult]) -> pd.DataFrame:
    """One row per attack: its summary and run time."""
    rows = [
        {"attack": name, **r.summary, "seconds": round(r.seconds, 2)} for name, r in results.items()
    ]
    return pd.DataFrame(rows)
