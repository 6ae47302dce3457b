"""Coverage: stops for a cleaned release too thin to publish (no live births in it or in an area;
most LSOA codes not in the IMD lookup), so no table of nothing, or of a silent fraction, is written.
"""

from __future__ import annotations

import pandas as pd

from birthgaps.core.errors import InputError

RULE = "clean"


def require_live_births(births: pd.DataFrame, areas: list[str], flow: pd.DataFrame) -> None:
    """Stop when the release, or a configured area, has no live births after cleaning.

    Tables of nothing would be published otherwise (empty rates, trends and models); the message
    names the removal steps that took the records, so the analyst sees why."""
    removed = flow[flow["remaining"].notna() & (flow["step"] != "received")]
    removed = removed[(removed["count"] > 0) & (removed["step"] != "live_births")]
    steps = "; ".join(f"{row.description}: {row.count:,}" for row in removed.itertuples())
    received = int(flow.loc[flow["step"] == "received", "count"].iloc[0])
    if births.empty:
        raise InputError(
            f"no live births are left after cleaning ({received:,} records read; removed: "
            f"{steps or 'none'})",
            rule=RULE,
            column="area_code" if "other_areas" in set(removed["step"]) else None,
            rows=received,
            key="areas",
            hint="check that `areas:` holds the codes the extract uses for the mother's area of "
            "residence, that `releases.<name>.years` covers the birth dates, and the outcome codes",
        )
    counts = births["area_code"].value_counts()
    empty = [code for code in areas if counts.get(code, 0) == 0]
    if empty:
        raise InputError(
            f"{len(empty)} configured area(s) have no live births after cleaning: "
            f"{', '.join(empty)} (areas with births: {', '.join(sorted(counts.index))})",
            rule=RULE,
            column="area_code",
            rows=0,
            key="areas",
            hint="remove the area from `areas:` or correct its code (codes of local authorities "
            "change: check the year of the codes the extract uses)",
        )


def require_lookup_matches(lsoa: pd.Series, matched: pd.Series, share: float) -> None:
    """Stop when more than ``share`` of the stated LSOA codes are not in the IMD lookup: codes of
    another vintage or country, or a lookup of another edition, would otherwise leave most births
    of unknown deprivation and the deprivation analyses on a silent fraction of the release."""
    stated = lsoa.notna().to_numpy(dtype=bool)
    unmatched = stated & ~matched.to_numpy(dtype=bool)
    if stated.sum() < 10 or unmatched.sum() <= share * stated.sum():
        return
    prefixes = lsoa[unmatched].astype("string").str[:3].value_counts().head(5)
    shown = ", ".join(f"{code}… {n:,}" for code, n in prefixes.items())
    raise InputError(
        f"{int(unmatched.sum()):,} of {int(stated.sum()):,} stated LSOA codes "
        f"({unmatched.sum() / stated.sum():.0%}) are not in the IMD lookup (codes beginning {shown})",
        rule=RULE,
        column="mother_lsoa",
        rows=int(unmatched.sum()),
        key="releases.<name>.lsoa_vintage",
        hint="set the release's lsoa_vintage to the vintage of the extract's codes (2011 or 2021) "
        "and check deprivation.edition; LSOA codes of England begin E01 (W01 is Wales); the share "
        "that stops the run is validation.implausible_share",
        check="lsoa_unmatched",
    )
