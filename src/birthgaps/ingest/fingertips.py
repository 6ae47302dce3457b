"""Comparators from OHID Fingertips: fetch England, region and area values with ``fingertips-py`` when
online, save the response as a snapshot (CSV + JSON sidecar with fetch date and sha256), and read the
snapshot offline (checksum verified) as rows of the comparator reference table.

Fingertips definitions differ a little from birthgaps' own (docs/statistics.md, "Comparators"):
indicator 91743 (premature births) is published per 1,000 births; 20101 (low birth weight of
term babies) as a percentage. Values are converted to percentages with the unit of
:data:`UNITS`, and the unit is checked against the counts (Value = unit x Count / Denominator).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.ingest.national import REFERENCE_COLUMNS, tidy_reference

#: What one unit of ``Value`` is per: 1,000 (a rate per 1,000 births) or 100 (a percentage).
UNITS: dict[int, int] = {91743: 1000, 20101: 100}
#: Fingertips area type ids: 402 = upper-tier local authorities (4/23 onwards), 15 = England.
AREA_TYPE_UTLA = 402
PARENT_AREA_TYPE_ENGLAND = 15
#: Fingertips columns read from a response (the layout of every Fingertips CSV download).
COLUMNS = [
    "Indicator ID",
    "Area Code",
    "Area Name",
    "Area Type",
    "Category Type",
    "Time period",
    "Value",
    "Count",
    "Denominator",
]
SIDECAR_SUFFIX = ".json"


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecar(snapshot: str | Path) -> Path:
    """The JSON sidecar of a snapshot CSV (``x.csv`` -> ``x.csv.json``)."""
    path = Path(snapshot)
    return path.with_name(path.name + SIDECAR_SUFFIX)


def fetch_snapshot(
    indicators: Mapping[str, int],
    snapshot: str | Path,
    *,
    area_type_id: int = AREA_TYPE_UTLA,
    now: datetime | None = None,
) -> Path:
    """Fetch the indicators with ``fingertips-py`` and save the response and its sidecar.

    The sidecar records the fetch time (UTC), the sha256 of the saved CSV, the outcome ->
    indicator map and the area type, so :func:`read_snapshot` needs nothing else.
    """
    from fingertips_py import retrieve_data

    unknown = [o for o, i in indicators.items() if int(i) not in UNITS]
    if unknown:
        raise InputError(
            f"no known unit for the Fingertips indicator of {', '.join(unknown)}",
            key="comparators.fingertips.indicators",
            hint=f"indicators with a known unit: {', '.join(str(i) for i in UNITS)}",
        )
    ids = sorted({int(i) for i in indicators.values()})
    response = retrieve_data.get_data_by_indicator_ids(
        ids, area_type_id, parent_area_type_id=PARENT_AREA_TYPE_ENGLAND
    )
    missing = [c for c in COLUMNS if c not in response.columns]
    if missing:
        raise InputError(
            "the Fingertips response lacks a column", column=", ".join(missing), rows=len(response)
        )
    path = Path(snapshot)
    path.parent.mkdir(parents=True, exist_ok=True)
    response.to_csv(path, index=False)
    meta = {
        "fetched": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sha256": sha256_of(path),
        "indicators": {str(o): int(i) for o, i in indicators.items()},
        "area_type_id": int(area_type_id),
        "rows": len(response),
        "client": "fingertips-py 0.4.3",
    }
    sidecar(path).write_text(json.dumps(meta, indent=2) + "\n")
    return path


def _geography_type(area_type: pd.Series) -> pd.Series:
    """Fingertips area type -> country / region / local_authority."""
    kind = area_type.astype(str).str.strip().str.lower()
    return pd.Series(
        np.select(
            [kind.isin(["england", "country"]), kind.str.startswith("region")],
            ["country", "region"],
            "local_authority",
        ),
        index=area_type.index,
    )


def _check_unit(rows: pd.DataFrame, unit: int, indicator: int, path: Path) -> None:
    """Value must be unit x Count / Denominator (to 1%) where counts are given: else InputError."""
    counted = rows.dropna(subset=["Value", "Count", "Denominator"])
    counted = counted[counted["Denominator"] > 0]
    if counted.empty:
        return
    implied = unit * counted["Count"] / counted["Denominator"]
    off = int((abs(counted["Value"] - implied) > 0.01 * implied.abs().clip(lower=1e-9)).sum())
    if off:
        raise InputError(
            f"Fingertips indicator {indicator}: Value is not per {unit:,} of Count / Denominator",
            file=str(path),
            column="Value",
            rows=off,
            hint="check the indicator's unit (birthgaps.ingest.fingertips.UNITS)",
        )


def read_snapshot(snapshot: str | Path) -> pd.DataFrame:
    """A saved Fingertips snapshot as comparator reference rows (percentages, single years only).

    Stops with InputError when the sidecar is missing, the sha256 differs (the CSV changed since it
    was fetched), a column is missing or a value does not match its unit.
    """
    path = Path(snapshot)
    meta_path = sidecar(path)
    if not path.exists() or not meta_path.exists():
        raise InputError(
            "the Fingertips snapshot or its .json sidecar is missing",
            file=str(meta_path if path.exists() else path),
            key="comparators.fingertips.snapshot",
        )
    meta = json.loads(meta_path.read_text())
    if sha256_of(path) != meta.get("sha256"):
        raise InputError(
            "the Fingertips snapshot's sha256 differs from its sidecar (changed since fetched)",
            file=str(path),
            key="comparators.fingertips.snapshot",
            hint="fetch it again (tools/fetch_fingertips.py) rather than editing it",
        )
    frame = pd.read_csv(path, dtype={"Area Code": str, "Time period": str}, low_memory=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            "the Fingertips snapshot lacks a column", file=str(path), column=", ".join(missing)
        )
    for column in ("Value", "Count", "Denominator"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frames = []
    fetched = str(meta.get("fetched") or "")[:10]
    for outcome, indicator in (meta.get("indicators") or {}).items():
        unit = UNITS.get(int(indicator))
        if unit is None:
            raise InputError(
                f"no known unit for Fingertips indicator {indicator}",
                file=str(meta_path),
                key="comparators.fingertips.indicators",
            )
        rows = frame[frame["Indicator ID"].astype(str) == str(indicator)]
        rows = rows[rows["Category Type"].isna() | (rows["Category Type"].astype(str) == "")]
        _check_unit(rows, unit, int(indicator), path)
        period = rows["Time period"].astype(str).str.strip()
        rows = rows[period.str.fullmatch(r"\d{4}") & rows["Value"].notna()]
        frames.append(
            pd.DataFrame(
                {
                    "geography_code": rows["Area Code"].str.strip(),
                    "geography_name": rows["Area Name"].astype(str).str.strip(),
                    "geography_type": _geography_type(rows["Area Type"]),
                    "outcome": outcome,
                    "year": rows["Time period"].astype(int),
                    "period": rows["Time period"].astype(str),
                    "numerator": pd.array(rows["Count"].round(), dtype="Int64"),
                    "denominator": pd.array(rows["Denominator"].round(), dtype="Int64"),
                    "percent": (rows["Value"] * 100 / unit).round(4),
                    "source": f"OHID Fingertips indicator {indicator} (fetched {fetched})",
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=REFERENCE_COLUMNS)
    return tidy_reference(pd.concat(frames, ignore_index=True))


def with_snapshot(reference: pd.DataFrame, snapshot: pd.DataFrame) -> pd.DataFrame:
    """The reference with the snapshot's rows taking precedence: a (geography, outcome, year) the
    snapshot holds replaces the published one; every other reference row is kept."""
    if snapshot.empty:
        return reference
    keys = ["geography_code", "outcome", "year"]
    held = set(map(tuple, snapshot[keys].astype(str).to_numpy()))
    keep = [tuple(k) not in held for k in reference[keys].astype(str).to_numpy()]
    return tidy_reference(pd.concat([snapshot, reference[keep]], ignore_index=True))
