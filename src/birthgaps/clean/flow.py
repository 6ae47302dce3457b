"""The published exclusion flow: the restricted flow (and the previous release's) in; its disclosure-controlled
form out (rounded, with the secondary suppression that keeps removal steps from revealing a small count)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from birthgaps.core.disclosure import AdditiveSet, carry_previous, secondary_mask

#: Outcome indicators written by ``clean_births`` (nullable booleans; <NA> = not in denominator).


_REMOVAL_STEPS = {
    "duplicates",
    "conflicting_records",
    "stillbirths",
    "area_not_stated",
    "other_areas",
    "other_years",
    "multiple_births_excluded",
}


def _flow_sets(flow: pd.DataFrame) -> list[AdditiveSet]:
    """Sums among the flow's cells (position 2*i = count, 2*i+1 = remaining of row i) that hold
    exactly in the unrounded counts: the removal chain, and live births split by each denominator."""
    values = np.concatenate(
        [flow[["count", "remaining"]].to_numpy(dtype="float64", na_value=np.nan).ravel()]
    )
    steps = flow["step"].tolist()
    position = {step: i for i, step in enumerate(steps)}
    candidates = []
    for i, step in enumerate(steps):
        if step in _REMOVAL_STEPS and i > 0:
            candidates.append(AdditiveSet(2 * (i - 1) + 1, (2 * i, 2 * i + 1), step))
        if not np.isnan(values[2 * i + 1]):  # a row whose count repeats its remaining
            candidates.append(AdditiveSet(2 * i, (2 * i + 1,), step))
    splits = {
        "preterm_denominator": [
            "gestation_not_stated",
            "gestation_implausible",
            "weight_for_gestation",
        ],
        "lbw_denominator": ["weight_not_stated", "weight_implausible", "weight_for_gestation"],
    }
    if "live_births" in position:
        for denominator, parts in splits.items():
            if denominator in position and all(p in position for p in parts):
                members = tuple(2 * position[p] for p in [denominator, *parts])
                candidates.append(AdditiveSet(2 * position["live_births"], members, denominator))
    return [
        s
        for s in candidates
        if not np.isnan(values[list(s.cells)]).any()
        and values[s.total] == values[list(s.members)].sum()
    ]


def publish_flow(
    flow: pd.DataFrame,
    rules: dict,
    previous: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The exclusion flow with small counts suppressed, the rest rounded, and complementary
    suppression so no hidden count can be worked out from the running totals around it.

    ``previous`` is the previous release's (published, restricted) flow when this release follows
    one: counts are kept consistent with it (``birthgaps.core.disclosure.carry_previous``), so the two
    flows cannot be subtracted to show where a late record went.
    """
    low, high = rules["suppress_min"], rules["suppress_max"]
    values = flow[["count", "remaining"]].to_numpy(dtype="float64", na_value=np.nan).ravel()
    primary = (values >= low) & (values <= high)
    published = np.floor(values / rules["rounding_base"] + 0.5) * rules["rounding_base"]
    if previous is not None:
        before = _previous_flow(flow, *previous)
        published, forced = carry_previous(values, rules, **before)
        primary |= forced
    sets, size = _flow_sets(flow), np.nan_to_num(values, nan=np.inf)
    hidden = primary
    while True:  # a row is withheld whole; repeat until that creates no new one-hidden sum
        rows = secondary_mask(hidden, sets, size).reshape(-1, 2).any(axis=1)
        widened = np.repeat(rows, 2)
        if (widened == hidden).all():
            break
        hidden = widened
    hidden = hidden.reshape(-1, 2)
    published = published.reshape(-1, 2)
    out = flow.copy()
    for j, column in enumerate(["count", "remaining"]):
        column_values = pd.Series(published[:, j], index=out.index).round()
        out[column] = column_values.astype("Int64").mask(hidden[:, j])
    out["suppressed"] = hidden.any(axis=1)
    out["flag"] = out["suppressed"].map({True: "c", False: ""}).astype("string")
    return out


def _previous_flow(
    flow: pd.DataFrame, published: pd.DataFrame, restricted: pd.DataFrame
) -> dict[str, np.ndarray]:
    """The previous release's exact and published flow values and hidden marks, by step."""
    steps = flow[["step"]].astype("string")

    def by_step(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        part = frame[["step", *columns]].copy()
        part["step"] = part["step"].astype("string")
        return steps.merge(part.drop_duplicates("step"), on="step", how="left")

    exact = by_step(restricted, ["count", "remaining"])
    shown = by_step(published, ["count", "remaining", "suppressed"])
    hidden_row = shown["suppressed"].astype("string").str.lower().isin(["true", "1"])
    hidden = np.repeat(hidden_row.to_numpy(dtype=bool), 2)

    def numbers(frame: pd.DataFrame) -> np.ndarray:
        return frame[["count", "remaining"]].apply(pd.to_numeric).to_numpy("float64").ravel()

    return {
        "exact_before": numbers(exact),
        "published_before": numbers(shown),
        "hidden_before": hidden,
    }
