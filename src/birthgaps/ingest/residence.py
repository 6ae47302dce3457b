"""Area of residence from the mother's LSOA: the ONS LSOA -> local authority lookup derives
``area_code`` for an extract without one, or checks the one it has (docs/sources.md, "Area").

An LSOA that is missing, not in the lookup or split across authorities gives no area (counted by
clean as not stated), never a guessed one. Reports give counts and area codes, never LSOA values.
"""

from __future__ import annotations

import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.ingest import lookup_fetch, lookup_files, lookups
from birthgaps.ingest.sources import release_source
from birthgaps.ingest.validation import FATAL, INFO, Issue, mask_issue

RULE = "ingest"

#: Config name (``lookups.files.<name>``) of the LSOA -> local authority lookup, by LSOA vintage:
#: LSOA 2021 -> LAD 2024 (best fit via wards), LSOA 2011 -> LAD 2022 (the LSOA 2011 -> 2021 file).
AREA_LOOKUPS: dict[int, str] = {2021: lookup_files.AREA_LOOKUP, 2011: lookup_files.LSOA_MAP}

#: How many (given, from LSOA) area pairs a mismatch report lists.
SHOWN_PAIRS = 10


def area_lookup_settings(config: dict) -> dict | None:
    """What the ingest rule needs to fetch the release's area lookup; None when not used.

    A dict with the lookup's config name, its ``lookups.files`` entry, the cache folder and the
    LSOA vintage of the extract.
    """
    if release_source(config)["area"]["from"] == "column":
        return None
    release = config["release"]
    vintage = int(config["releases"][release]["lsoa_vintage"])
    name = AREA_LOOKUPS[vintage]
    block = config.get("lookups") or {}
    files = block.get("files") or {}
    if name not in files:
        raise InputError(
            f"the source takes the area from the mother's LSOA, but the config names no file "
            f"for lookup `{name}`",
            rule="preflight",
            key=f"lookups.files.{name}",
            hint="add its path (or url) and sha256 (docs/lookups.md), or set the source's "
            "area.from: column",
        )
    lookups.check_local_copy(name, files[name])
    return {
        "name": name,
        "spec": files[name],
        "cache_dir": block.get("cache_dir") or lookup_files.DEFAULT_CACHE_DIR,
        "lsoa_vintage": vintage,
    }


def load_area_lookup(settings: dict | None) -> pd.DataFrame | None:
    """Fetch (checksum-verified) and read the lookup described by ``area_lookup_settings``."""
    if settings is None:
        return None
    path, table = lookup_fetch.fetch_table(
        settings["name"], settings["spec"], settings["cache_dir"]
    )
    if settings["name"] == lookup_files.AREA_LOOKUP:
        return table  # parsed and verified as it was read
    return lookup_files.read_area_lookup(path, settings["lsoa_vintage"])


def areas_from_lsoa(lsoa: pd.Series, lookup: pd.DataFrame) -> pd.Series:
    """Local authority code of each LSOA; <NA> where missing or not (uniquely) in the lookup."""
    table = pd.Series(
        lookup["area_code"].to_numpy(), index=pd.Index(lookup["lsoa_code"].to_numpy())
    )
    wanted = lsoa.astype("string").str.strip().str.upper()
    return wanted.map(table).astype("string").reset_index(drop=True)


def apply_area(
    births: pd.DataFrame, source: dict, lookup: pd.DataFrame | None, file: str
) -> tuple[pd.DataFrame, list[Issue]]:
    """Derive or check ``area_code`` as the source says (``area.from``); report rows for the file.

    ``lsoa``: the area is the LSOA's authority (none when the LSOA is not in the lookup).
    ``column_checked``: the file's area is kept; records whose LSOA lies in another authority are
    counted by pair of areas, and the run stops when they are the majority of the records checked.
    """
    mode = source["area"]["from"]
    if mode == "column":
        return births, []
    if lookup is None:
        raise InputError(
            f"area.from: {mode} needs the LSOA -> local authority lookup", rule=RULE, file=file
        )
    derived = areas_from_lsoa(births["mother_lsoa"], lookup)
    stated = births["mother_lsoa"].notna().to_numpy(dtype=bool)
    unmatched = stated & derived.isna().to_numpy(dtype=bool)
    issues = []
    if unmatched.any():
        issues.append(
            mask_issue(
                file,
                "area_code",
                "lsoa_not_in_area_lookup",
                unmatched,
                "mother's LSOA not in the LSOA -> local authority lookup (or split between "
                "authorities): no area derived, counted as area not stated",
                INFO,
            )
        )
    if mode == "lsoa":
        births = births.assign(area_code=derived.to_numpy())
        births["area_code"] = births["area_code"].astype("string")
        return births, issues
    given = births["area_code"].astype("string").reset_index(drop=True)
    both = (given.notna() & derived.notna()).to_numpy(dtype=bool)
    differ = both & (given != derived).fillna(False).to_numpy(dtype=bool)
    if differ.any():
        pairs = (
            pd.DataFrame({"given": given[differ], "lsoa": derived[differ]})
            .value_counts()
            .head(SHOWN_PAIRS)
        )
        listed = ", ".join(f"{g} given / {d} from LSOA: {n:,}" for (g, d), n in pairs.items())
        majority = int(differ.sum()) * 2 > int(both.sum())
        text = (
            f"area of residence differs from the authority of the mother's LSOA in "
            f"{int(differ.sum()):,} of {int(both.sum()):,} records checked ({listed})"
        )
        if majority:
            text += (
                ". What to do: most records disagree, so the area column or the LSOA column (or "
                "the release's lsoa_vintage) is probably wrong: check the mapping, or set the "
                "source's area.from: lsoa to use the LSOA's authority"
            )
        else:
            text += " (the file's area is kept)"
        issues.append(
            mask_issue(
                file, "area_code", "area_lsoa_mismatch", differ, text, FATAL if majority else INFO
            )
        )
    return births, issues
