"""Official lookups: IoD2019 / IoD2025 by LSOA and the ONS LSOA 2011 -> 2021 lookup.

Each file is named in config (`lookups.files.<name>`: publisher's `url`, optional local `path`, and
`content_sha256`, the checksum of its parsed content, and/or `sha256`, that of its bytes), downloaded
on first use into a cache, verified every time it is used, and read whatever its publisher's layout
(CSV or XLSX; columns are found by name), so the publisher's file and a local copy verify alike. ``build_imd_lookup``
gives the LSOA -> IMD decile table that ``clean`` joins, keyed by the LSOA vintage of the extract:
directly when the edition was published for that vintage, through the ONS lookup otherwise
(docs/lookups.md explains the rule for split and merged LSOAs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.ingest.lookup_fetch import expected_checksums, fetch_table, log
from birthgaps.ingest.lookup_files import (
    DEFAULT_CACHE_DIR,
    DEFAULT_TIMEOUT,
    EDITION_VINTAGE,
    LSOA_MAP,
    MATCH_KINDS,
    RULE,
    check_edition,
    read_iod,
    read_lsoa11_lsoa21,
)

# ---------------------------------------------------------------------------------------------
# The LSOA -> IMD lookup of an extract
# ---------------------------------------------------------------------------------------------


def _check_vintage(vintage: int) -> int:
    try:
        vintage = int(vintage)
    except (TypeError, ValueError):
        vintage = -1
    if vintage not in (2011, 2021):
        raise InputError(
            "the LSOA vintage of an extract must be 2011 or 2021",
            rule=RULE,
            key="releases.<release>.lsoa_vintage",
        )
    return vintage


def decile_of_rank(ranks: pd.Series | np.ndarray, iod: pd.DataFrame) -> np.ndarray:
    """Decile whose rank range (as published in ``iod``) holds each rank."""
    top = iod.groupby("imd_decile")["imd_rank"].max().sort_index()
    position = np.searchsorted(top.to_numpy(), np.asarray(ranks, dtype=float), side="left")
    position = np.minimum(position, len(top) - 1)
    return top.index.to_numpy()[position]


def map_iod(iod: pd.DataFrame, pairs: pd.DataFrame, extract_vintage: int) -> pd.DataFrame:
    """IMD of the other LSOA vintage carried onto ``extract_vintage`` codes through the ONS pairs.

    Each extract LSOA takes the mean rank of the LSOAs it is linked to, rounded, and the decile
    that holds that rank. One link for an unchanged LSOA, a part of a split LSOA or an LSOA merged
    into a bigger one; several for a 2011 LSOA split into 2021 LSOAs (seen from 2011 codes) or a
    2021 LSOA merged from 2011 LSOAs (seen from 2021 codes). ``match`` is ``mapped`` when the
    linked LSOAs share one decile and ``mapped_ambiguous`` when they do not. Links to LSOAs absent
    from the IoD file (Welsh ones) are ignored; codes left with no link get no row.
    """
    source, target = (
        ("lsoa11_code", "lsoa21_code")
        if extract_vintage == 2011
        else ("lsoa21_code", "lsoa11_code")
    )
    links = pairs[[source, target]].drop_duplicates()
    links = links.merge(iod, left_on=target, right_on="lsoa_code", how="inner")
    grouped = links.groupby(source, sort=True)
    summary = grouped.agg(
        links=("imd_rank", "size"),
        mean_rank=("imd_rank", "mean"),
        low=("imd_decile", "min"),
        high=("imd_decile", "max"),
    )
    rank = np.floor(summary["mean_rank"].to_numpy() + 0.5).astype("int64")
    agreed = (summary["low"] == summary["high"]).to_numpy()
    decile = np.where(agreed, summary["low"].to_numpy(), decile_of_rank(rank, iod))
    out = pd.DataFrame(
        {
            "lsoa_code": pd.array(summary.index, dtype="string"),
            "imd_decile": decile.astype("int64"),
            "imd_rank": rank,
            "match": np.where(agreed, "mapped", "mapped_ambiguous"),
        }
    )
    out["match"] = out["match"].astype("string")
    return out


def build_imd_lookup(
    edition: str,
    extract_vintage: int,
    iod_path: str | Path,
    lsoa_map_path: str | Path | None,
) -> pd.DataFrame:
    """LSOA -> IMD table (``lsoa_code``, ``imd_decile``, ``imd_rank``, ``match``) for an extract.

    Keyed by the extract's LSOA vintage: ``direct`` rows when ``edition`` was published for that
    vintage (IoD2019 - 2011, IoD2025 - 2021), otherwise rows mapped through the ONS 2011 -> 2021
    lookup at ``lsoa_map_path`` (see ``map_iod``). Codes that match nothing are simply absent, for
    ``clean`` to count as Unknown.
    """
    check_edition(edition)
    _check_vintage(extract_vintage)
    iod = read_iod(iod_path, edition)
    needs_map = EDITION_VINTAGE[edition] != int(extract_vintage) and lsoa_map_path is not None
    pairs = read_lsoa11_lsoa21(lsoa_map_path) if needs_map else None
    return imd_lookup_from_tables(edition, extract_vintage, iod, pairs, str(lsoa_map_path))


def imd_lookup_from_tables(
    edition: str,
    extract_vintage: int,
    iod: pd.DataFrame,
    pairs: pd.DataFrame | None,
    pairs_file: str | None = None,
) -> pd.DataFrame:
    """``build_imd_lookup`` from tables already read (``read_iod``, ``read_lsoa11_lsoa21``)."""
    check_edition(edition)
    vintage = _check_vintage(extract_vintage)
    if EDITION_VINTAGE[edition] == vintage:
        lookup = iod.assign(match=pd.array(["direct"] * len(iod), dtype="string"))
    else:
        if pairs is None:
            raise InputError(
                f"{edition} is published for LSOA {EDITION_VINTAGE[edition]} codes and the extract "
                f"carries LSOA {vintage} codes: the ONS LSOA 2011 -> 2021 lookup is needed",
                rule=RULE,
                key=f"lookups.files.{LSOA_MAP}",
            )
        edition_column = "lsoa11_code" if EDITION_VINTAGE[edition] == 2011 else "lsoa21_code"
        missing = int((~iod["lsoa_code"].isin(pairs[edition_column])).sum())
        if missing == len(iod):
            raise InputError(
                f"the LSOA lookup shares no {EDITION_VINTAGE[edition]} codes with the {edition} file",
                rule=RULE,
                file=pairs_file,
                column=edition_column,
                hint="check that the lookup is the ONS LSOA (2011) to LSOA (2021) lookup",
            )
        if missing:
            log.warning("%s: %d LSOAs of the IoD file are not in the LSOA lookup", edition, missing)
        lookup = map_iod(iod, pairs, vintage)
    counts = match_counts(lookup)
    log.info(
        "IMD lookup (%s for LSOA %d codes): %d LSOAs; %s",
        edition,
        vintage,
        len(lookup),
        ", ".join(f"{kind} {n}" for kind, n in counts.items()),
    )
    return lookup[["lsoa_code", "imd_decile", "imd_rank", "match"]]


def match_counts(lookup: pd.DataFrame) -> dict[str, int]:
    """Number of LSOAs of each ``match`` kind (every kind listed, zeros included)."""
    counts = lookup["match"].value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in MATCH_KINDS}


# ---------------------------------------------------------------------------------------------
# From config
# ---------------------------------------------------------------------------------------------


def required_lookups(edition: str, lsoa_vintage: int) -> list[str]:
    """Config names of the files a release needs: the edition, plus the ONS lookup when mapping."""
    check_edition(edition)
    vintage = _check_vintage(lsoa_vintage)
    return [edition] + ([LSOA_MAP] if EDITION_VINTAGE[edition] != vintage else [])


def _file_spec(lookups: dict | None, name: str) -> dict:
    files = (lookups or {}).get("files") or {}
    if name not in files:
        raise InputError(
            f"the config names no file for lookup `{name}`",
            rule=RULE,
            key=f"lookups.files.{name}",
            hint="add url and content_sha256 (see config/README.md and docs/lookups.md)",
        )
    return files[name]


def official_imd_lookup(
    lookups: dict | None,
    edition: str,
    lsoa_vintage: int,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> pd.DataFrame:
    """Fetch the files a release needs (config block ``lookups``) and build its IMD lookup."""
    cache_dir = (lookups or {}).get("cache_dir") or DEFAULT_CACHE_DIR
    fetched = {
        name: fetch_table(name, _file_spec(lookups, name), cache_dir, timeout=timeout)
        for name in required_lookups(edition, lsoa_vintage)
    }
    _, iod = fetched[edition]
    pairs_path, pairs = fetched.get(LSOA_MAP, (None, None))
    return imd_lookup_from_tables(edition, lsoa_vintage, iod, pairs, str(pairs_path))


def release_settings(config: dict) -> tuple[str, int]:
    """(IoD edition, LSOA vintage) of the configured release (a loaded config: defaults filled)."""
    spec = config["releases"][config["release"]]
    return config["deprivation"]["edition"], int(spec["lsoa_vintage"])


def imd_lookup_for_release(config: dict, *, timeout: float = DEFAULT_TIMEOUT) -> pd.DataFrame:
    """The official LSOA -> IMD lookup of the configured (real) release: fetch, verify, build."""
    release = config["release"]
    if config["releases"][release].get("synthetic"):
        raise InputError(
            "a synthetic release uses its own fictional `imd_lookup`, not the official lookups",
            rule=RULE,
            key=f"releases.{release}.imd_lookup",
        )
    edition, vintage = release_settings(config)
    return official_imd_lookup(config.get("lookups"), edition, vintage, timeout=timeout)


def check_local_copy(name: str, file_spec: dict) -> None:
    """Preflight: a lookup's configured local copy (``path``), when it names one, exists."""
    local = file_spec.get("path")
    if local and not Path(local).is_file():
        raise InputError(
            f"the local copy of lookup `{name}` does not exist",
            rule="preflight",
            file=str(local),
            key=f"lookups.files.{name}.path",
        )


def check_lookup_config(config: dict) -> None:
    """Preflight for a real release: the lookups it needs are configured and local copies exist."""
    release = config["release"]
    spec = config["releases"][release]
    if spec.get("synthetic") or spec.get("imd_lookup"):
        return
    edition, vintage = release_settings(config)
    for name in required_lookups(edition, vintage):
        file_spec = _file_spec(config.get("lookups"), name)
        expected_checksums(name, file_spec)
        check_local_copy(name, file_spec)
        if not file_spec.get("path") and not file_spec.get("url"):
            raise InputError(
                f"lookup `{name}` has neither a `url` nor a local `path`",
                rule="preflight",
                key=f"lookups.files.{name}",
            )
