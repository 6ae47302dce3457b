"""Inversion attacks: a release and the current bounds in; the counts consistent with each published
statistic out (the Wilson limits of rates.csv, the rate ratios of inequality.csv, the funnel limits of
funnel.csv, the crude odds ratios and standard errors of models.csv)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from birthgaps.publish.attack_bounds import (
    AttackResult,
    initial_bounds,
    score_bounds,
    summary_of,
    trust_filter,
)
from birthgaps.publish.attack_view import HALF, LIMITS, Release, decimals, matches, row_index
from birthgaps.stats.measures import proportion_ci, rate_ratio

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
    columns = [c for c in LIMITS if c in rates.columns]
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
    findings = trust_filter(pd.DataFrame(found, columns=columns))
    findings["method"] = "wilson"
    scored = score_bounds(findings, rates, release.truth)
    summary = summary_of(scored)
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
        columns = ["value", *[c for c in LIMITS if c in table.columns]]
        places = {c: decimals(text[c]) for c in columns}
        index = row_index(rates)
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
    findings = trust_filter(pd.DataFrame(found, columns=columns))
    findings["method"] = "rate_ratio"
    findings = _tightest(findings)
    scored = score_bounds(findings, rates, release.truth)
    summary = summary_of(scored)
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
        places = {c: decimals(text[c]) for c in [*LIMITS, "baseline"]}
        index = row_index(rates)
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
    findings = trust_filter(pd.DataFrame(found, columns=columns))
    findings["method"] = "funnel"
    findings = _tightest(findings)
    scored = score_bounds(findings, rates, release.truth)
    return AttackResult("funnel", scored, summary_of(scored), time.perf_counter() - started)


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
        index = row_index(rates)
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
