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

import hashlib
import http.client
import logging
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.core.errors import InputError

log = logging.getLogger("birthgaps.ingest.lookups")

#: LSOA vintage each IoD edition was published for.
EDITION_VINTAGE: dict[str, int] = {"iod2019": 2011, "iod2025": 2021}
#: Config name of the ONS LSOA 2011 -> 2021 lookup.
LSOA_MAP = "lsoa11_lsoa21"
#: Config name of the ONS LSOA 2021 -> local authority (2024) lookup (birthgaps.ingest.residence).
AREA_LOOKUP = "lsoa21_lad24"
#: Values of the ``match`` column of an IMD lookup, in report order.
MATCH_KINDS: tuple[str, ...] = ("direct", "mapped", "mapped_ambiguous")
DEFAULT_CACHE_DIR = "resources/lookups"
DEFAULT_EDITION = "iod2025"
DEFAULT_VINTAGE = 2021
DEFAULT_TIMEOUT = 60.0
RULE = "lookups"

_CHUNK = 1 << 16
_ENGLISH_LSOA = re.compile(r"^E01\d{6}$")
_XLSX_MAGIC = b"PK\x03\x04"


# ---------------------------------------------------------------------------------------------
# Download, verify, cache
# ---------------------------------------------------------------------------------------------


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


#: What the content checksum of each lookup covers: its parsed rows, as these columns.
CONTENT_COLUMNS: dict[str, list[str]] = {
    "iod2019": ["lsoa_code", "imd_rank", "imd_decile"],
    "iod2025": ["lsoa_code", "imd_rank", "imd_decile"],
    LSOA_MAP: ["lsoa11_code", "lsoa21_code"],
    AREA_LOOKUP: ["lsoa_code", "area_code"],
}


def content_sha256(name: str, table: pd.DataFrame) -> str:
    """Hex sha256 of a parsed lookup's content, whatever the file's format, layout or column names:
    its ``CONTENT_COLUMNS`` as ``a,b,c`` text lines, distinct, sorted, each ending in LF (UTF-8)."""
    columns = [table[c].astype(str) for c in CONTENT_COLUMNS[name]]
    lines = np.unique(columns[0].str.cat(columns[1:], sep=",").to_numpy(dtype=str))
    return hashlib.sha256("".join(f"{line}\n" for line in lines).encode("utf-8")).hexdigest()


def _checksums(name: str, spec: dict) -> tuple[str | None, str | None]:
    """(content_sha256, sha256) as configured, lower case; stop when neither is given or one is
    not 64 hex digits."""
    found = []
    for key in ("content_sha256", "sha256"):
        value = str(spec.get(key) or "").strip().lower()
        if spec.get(key) is not None and not re.fullmatch(r"[0-9a-f]{64}", value):
            raise InputError(
                f"lookup `{name}` needs a sha256 checksum of 64 hex digits in `{key}`",
                rule=RULE,
                key=f"lookups.files.{name}.{key}",
                hint="copy it from docs/lookups.md",
            )
        found.append(value or None)
    if not any(found):
        raise InputError(
            f"lookup `{name}` needs a sha256 checksum of 64 hex digits: `content_sha256` (of its "
            "parsed content) or `sha256` (of its bytes)",
            rule=RULE,
            key=f"lookups.files.{name}.content_sha256",
            hint="copy content_sha256 from docs/lookups.md",
        )
    return found[0], found[1]


def _read_lookup(name: str, path: str | Path) -> pd.DataFrame:
    """A lookup file parsed by its reader (IoD edition or the ONS LSOA lookup)."""
    if name == LSOA_MAP:
        return read_lsoa11_lsoa21(path)
    if name == AREA_LOOKUP:
        return read_area_lookup(path, 2021)
    return read_iod(path, name)


def _verified_content(
    name: str, path: Path, expected: str | None, where: str, key: str
) -> pd.DataFrame:
    """The parsed table; stop when its content checksum is not the configured one."""
    table = _read_lookup(name, path)
    actual = content_sha256(name, table)
    if expected is not None and actual != expected:
        what = (
            f"{len(table):,} LSOA pairs"
            if name in (LSOA_MAP, AREA_LOOKUP)
            else f"{len(table):,} LSOAs, deciles {table['imd_decile'].min()}-"
            f"{table['imd_decile'].max()}"
        )
        raise InputError(
            f"lookup `{name}` does not hold the expected content: its parsed "
            f"{', '.join(CONTENT_COLUMNS[name])} ({what}) have content_sha256 {actual}, "
            f"not {expected}",
            rule=RULE,
            file=where,
            key=key or None,
            hint=(
                "the file holds other codes, ranks or deciles than the file the config names "
                "(another edition, a revision, or an edited copy): use the file the checksum "
                "belongs to, or, once you have checked the new file, set "
                f"lookups.files.{name}.content_sha256 to {actual}"
            ),
        )
    return table


def _mismatch(name: str, where: str, key: str, expected: str, actual: str) -> InputError:
    """The error for a file whose checksum is not the configured one."""
    return InputError(
        f"lookup `{name}` does not have the expected sha256 checksum "
        f"(expected {expected}, got {actual})",
        rule=RULE,
        file=where,
        key=key,
        hint=(
            "the file is not the one the config names (changed at source, truncated or another "
            "file): use the file the checksum belongs to, or, once you have checked the new file, "
            f"set lookups.files.{name}.sha256 to {actual}"
        ),
    )


def cache_path(name: str, spec: dict, cache_dir: str | Path) -> Path:
    """Where a downloaded lookup is kept: ``<cache_dir>/<name>-<first 16 of the checksum><.csv|
    .xlsx>`` (content_sha256, else sha256).

    Keyed by name and checksum, not by address: the same file from a moved URL is reused, and a
    new checksum in config never picks up an old copy.
    """
    content, byte_sha = _checksums(name, spec)
    expected = content or byte_sha
    url_path = urllib.parse.urlparse(str(spec.get("url", ""))).path.lower()
    suffix = next((s for s in (".xlsx", ".xls", ".csv") if url_path.endswith(s)), ".csv")
    return Path(cache_dir) / f"{name}-{expected[:16]}{suffix}"


def _offline(name: str, url: str, reason: str) -> InputError:
    """The error for a download that could not reach the server."""
    return InputError(
        f"lookup `{name}`: cannot download {url} ({reason})",
        rule=RULE,
        file=url,
        key=f"lookups.files.{name}.url",
        hint=(
            f"cannot download, set `lookups.files.{name}.path` to a local copy "
            "(its checksum is still verified); see docs/lookups.md"
        ),
    )


def _download(
    name: str, url: str, target: Path, checksums: tuple[str | None, str | None], timeout: float
) -> pd.DataFrame:
    """Stream ``url`` to a temporary file beside ``target``, verify it (bytes, then parsed
    content, as configured), then rename into place; return the parsed table."""
    content, expected = checksums
    target.parent.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(url, headers={"User-Agent": "birthgaps-lookups"})
    handle, tmp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as r:
            while chunk := r.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        actual = digest.hexdigest()
        if expected is not None and actual != expected:
            raise _mismatch(name, url, f"lookups.files.{name}.sha256", expected, actual)
        table = _verified_content(name, tmp, content, url, f"lookups.files.{name}.content_sha256")
        os.replace(tmp, target)
        return table
    except urllib.error.HTTPError as error:
        raise InputError(
            f"lookup `{name}`: the server answered HTTP {error.code} {error.reason} for {url}",
            rule=RULE,
            file=url,
            key=f"lookups.files.{name}.url",
            hint=(
                "check the address on the publisher's page (docs/lookups.md); to work without "
                f"downloading, set `lookups.files.{name}.path` to a local copy"
            ),
        ) from None
    except urllib.error.URLError as error:
        raise _offline(name, url, str(error.reason)) from None
    except (TimeoutError, ConnectionError, http.client.HTTPException) as error:
        raise _offline(name, url, f"{type(error).__name__}: {error}") from None
    except ValueError as error:  # e.g. an address urllib cannot parse
        raise InputError(
            f"lookup `{name}`: the URL is not usable ({error})",
            rule=RULE,
            file=url,
            key=f"lookups.files.{name}.url",
        ) from None
    finally:
        tmp.unlink(missing_ok=True)


def fetch_table(
    name: str, spec: dict, cache_dir: str | Path, *, timeout: float = DEFAULT_TIMEOUT
) -> tuple[Path, pd.DataFrame]:
    """A verified copy of lookup ``name`` (local ``path``, else the cache, else a download) and
    its parsed table.

    The checksums are verified on every call (``sha256`` on the bytes, ``content_sha256`` on the
    parsed rows), so a file changed on disk or at source never slips through; a cached copy that
    fails them is downloaded again.
    """
    checksums = _checksums(name, spec)
    content, expected = checksums
    if spec.get("path"):
        local = Path(spec["path"])
        key = f"lookups.files.{name}.path"
        if not local.is_file():
            raise InputError(
                f"the local copy of lookup `{name}` does not exist",
                rule=RULE,
                file=str(local),
                key=key,
                hint="correct the path (relative paths start from the working directory)",
            )
        if expected is not None:
            actual = sha256_of(local)
            if actual != expected:
                raise _mismatch(name, str(local), key, expected, actual)
        table = _verified_content(name, local, content, str(local), key)
        return local, table
    url = str(spec.get("url") or "")
    if not url:
        raise InputError(
            f"lookup `{name}` has neither a `url` nor a local `path`",
            rule=RULE,
            key=f"lookups.files.{name}",
        )
    target = cache_path(name, spec, cache_dir)
    if target.is_file():
        table = _cached(name, target, checksums)
        if table is not None:
            log.info("lookup %s: cached copy %s verified", name, target)
            return target, table
        log.warning("lookup %s: cached copy %s fails its checks; downloading again", name, target)
    log.info("lookup %s: downloading %s", name, url)
    table = _download(name, url, target, checksums, timeout)
    log.info("lookup %s: saved %s (verified)", name, target)
    return target, table


def _cached(
    name: str, target: Path, checksums: tuple[str | None, str | None]
) -> pd.DataFrame | None:
    """The parsed table of a cached copy that passes its checks, else None (to download again)."""
    content, expected = checksums
    if expected is not None and sha256_of(target) != expected:
        return None
    try:
        return _verified_content(name, target, content, str(target), "")
    except InputError:
        return None


def fetch(
    name: str, spec: dict, cache_dir: str | Path, *, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Path of a verified copy of lookup ``name`` (see ``fetch_table``)."""
    return fetch_table(name, spec, cache_dir, timeout=timeout)[0]


# ---------------------------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------------------------


def _normalise(column: object) -> str:
    """Lower-case column name with every run of other characters turned into one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", str(column).lower()).strip("_")


def _is_lsoa_code(norm: str) -> bool:
    """True for LSOA code headers: ``LSOA code (2011)``, ``lsoa21_code``, ``LSOA11CD``, ``lsoa_code``."""
    return re.fullmatch(r"(f_)?lsoa(_?(11|21))?_?(code|cd)(_?20(11|21))?", norm) is not None


def _imd_column(norms: dict[str, str], measure: str) -> list[str]:
    """Original names of the columns that hold the overall IMD ``measure`` (rank or decile).

    Matches MHCLG's ``Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)`` and
    short names such as ``IMD_rank`` or ``IMDDecile``; domain, score and average columns never match.
    """
    found = []
    for original, norm in norms.items():
        words = set(norm.split("_"))
        if norm.startswith("index_of_multiple_deprivation"):
            named = measure in words
        else:
            named = re.fullmatch(rf"imd(19|2019|25|2025)?_?{measure}(_.*)?", norm) is not None
        if named and not words & {"score", "average"}:
            found.append(original)
    return found


def _one(candidates: list[str], what: str, path: str | Path, columns: list[str]) -> str:
    """The single matching column, or a clear error naming what was looked for and what was found."""
    if len(candidates) == 1:
        return candidates[0]
    problem = "has no column for" if not candidates else "has several columns that could be"
    shown = ", ".join(columns[:12]) + (" ..." if len(columns) > 12 else "")
    raise InputError(
        f"the lookup file {problem} the {what}",
        rule=RULE,
        file=str(path),
        column=", ".join(candidates) if candidates else what,
        hint=f"columns found: {shown}. Is this the file the config names?",
    )


def _is_xlsx(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == _XLSX_MAGIC


def _xlsx_table(path: Path) -> pd.DataFrame:
    """The sheet of a workbook that has an LSOA code column, with its header found in the top rows."""
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InputError(
            f"the lookup file looks like an XLSX workbook but cannot be opened ({error})",
            rule=RULE,
            file=str(path),
        ) from None
    with book:
        for sheet in book.sheet_names:
            top = pd.read_excel(book, sheet_name=sheet, header=None, nrows=15, dtype=str)
            for row in range(len(top)):
                if any(_is_lsoa_code(_normalise(v)) for v in top.iloc[row] if pd.notna(v)):
                    return pd.read_excel(book, sheet_name=sheet, header=row, dtype=str)
    raise InputError(
        "no sheet of the workbook has an LSOA code column in its first 15 rows",
        rule=RULE,
        file=str(path),
        column="LSOA code",
    )


def _read_columns(path: str | Path, pick) -> pd.DataFrame:
    """Read a CSV or XLSX lookup as text, keeping the columns ``pick(columns)`` chooses (in order)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("the lookup file does not exist", rule=RULE, file=str(path))
    try:
        if _is_xlsx(path):
            table = _xlsx_table(path)
            table.columns = [str(c) for c in table.columns]
            chosen = pick(list(table.columns))
            return table[chosen].copy()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                header = list(pd.read_csv(path, nrows=0, encoding=encoding).columns)
                chosen = pick(header)
                return pd.read_csv(
                    path, usecols=chosen, dtype=str, encoding=encoding, keep_default_na=False
                )[chosen]
            except UnicodeDecodeError:
                continue
        raise InputError(
            "the lookup file is neither UTF-8 nor Windows-1252 text", rule=RULE, file=str(path)
        )
    except pd.errors.EmptyDataError:
        raise InputError("the lookup file is empty", rule=RULE, file=str(path)) from None
    except pd.errors.ParserError as error:
        raise InputError(
            f"the lookup file cannot be parsed as CSV ({str(error).strip()})",
            rule=RULE,
            file=str(path),
        ) from None


def _codes(values: pd.Series, path: str | Path, column: str) -> pd.Series:
    """Stripped code strings; stop on blanks (a lookup row without its key)."""
    codes = values.astype("string").str.strip()
    blank = int((codes.isna() | (codes == "")).sum())
    if blank:
        raise InputError(
            "the lookup file has rows without an LSOA code",
            rule=RULE,
            file=str(path),
            column=column,
            rows=blank,
        )
    return codes


def _whole_numbers(
    values: pd.Series, path: str | Path, column: str, low: int, high: int | None
) -> pd.Series:
    """Integers parsed from text such as ``"29,199"`` or ``"8.0"``; stop on anything else or out of range."""
    text = values.astype("string").str.replace(",", "", regex=False).str.strip()
    number = pd.to_numeric(text, errors="coerce")
    whole = number.notna() & (number == np.floor(number)) & (number >= low)
    if high is not None:
        whole &= number <= high
    bad = int((~whole).sum())
    if bad:
        span = f"{low} to {high}" if high is not None else f"{low} or more"
        raise InputError(
            f"the lookup file has values that are not whole numbers from {span}",
            rule=RULE,
            file=str(path),
            column=column,
            rows=bad,
        )
    return number.astype("int64")


def _vintage_in_name(column: str) -> int | None:
    """LSOA vintage a code column's name announces (``LSOA code (2011)``, ``lsoa21_code``), if any."""
    match = re.search(r"(?:lsoa_?|20)(11|21)", _normalise(column))
    return 2000 + int(match.group(1)) if match else None


def read_iod(path: str | Path, edition: str) -> pd.DataFrame:
    """LSOA code, IMD decile and rank (1 = most deprived) from an IoD file of the given edition.

    Reads MHCLG File 1 (CSV or XLSX), File 7 CSV and the humaniverse/IMD layout: columns are found
    by name. Stops on blank or repeated codes, non-English codes, deciles outside 1-10, ranks that
    are not positive whole numbers, deciles that do not follow the ranks, or a code column that
    names the other LSOA vintage.
    """
    _check_edition(edition)
    found: dict[str, str] = {}

    def pick(columns: list[str]) -> list[str]:
        norms = {c: _normalise(c) for c in columns}
        found["code"] = _one(
            [c for c, n in norms.items() if _is_lsoa_code(n)], "LSOA code", path, columns
        )
        found["rank"] = _one(_imd_column(norms, "rank"), "IMD rank", path, columns)
        found["decile"] = _one(_imd_column(norms, "decile"), "IMD decile", path, columns)
        return [found["code"], found["rank"], found["decile"]]

    raw = _read_columns(path, pick)
    named = _vintage_in_name(found["code"])
    if named is not None and named != EDITION_VINTAGE[edition]:
        raise InputError(
            f"the IoD file has LSOA {named} codes but {edition} is published for LSOA "
            f"{EDITION_VINTAGE[edition]} codes",
            rule=RULE,
            file=str(path),
            column=found["code"],
            key="deprivation.edition",
            hint="the file and the edition in config do not agree: correct one of them",
        )
    if raw.empty:
        raise InputError("the IoD file has a header but no rows", rule=RULE, file=str(path))
    iod = pd.DataFrame(
        {
            "lsoa_code": _codes(raw[found["code"]], path, found["code"]),
            "imd_decile": _whole_numbers(raw[found["decile"]], path, found["decile"], 1, 10),
            "imd_rank": _whole_numbers(raw[found["rank"]], path, found["rank"], 1, None),
        }
    )
    foreign = int((~iod["lsoa_code"].str.fullmatch(_ENGLISH_LSOA.pattern)).sum())
    if foreign:
        raise InputError(
            "the IoD file has codes that are not English LSOA codes (E01 and six digits)",
            rule=RULE,
            file=str(path),
            column=found["code"],
            rows=foreign,
        )
    repeated = int(iod["lsoa_code"].duplicated().sum())
    if repeated:
        raise InputError(
            "the IoD file lists some LSOAs more than once",
            rule=RULE,
            file=str(path),
            column=found["code"],
            rows=repeated,
        )
    spans = iod.groupby("imd_decile")["imd_rank"].agg(["min", "max"]).sort_index()
    if (spans["min"].to_numpy()[1:] < spans["max"].to_numpy()[:-1]).any():
        raise InputError(
            "the IoD deciles do not follow the ranks: decile 1 must hold the smallest ranks "
            "(1 = most deprived) and each decile the next ones",
            rule=RULE,
            file=str(path),
            column=f"{found['rank']}, {found['decile']}",
            hint="check that the rank column is the IMD rank where 1 is most deprived",
        )
    return iod.sort_values("lsoa_code", ignore_index=True)


def _area_column(columns: list[str], pattern: str, what: str, path: str) -> str:
    """The one column whose normalised name matches ``pattern``; an InputError otherwise."""
    names = [c for c in columns if re.fullmatch(pattern, re.sub(r"[^a-z0-9]", "", c.lower()))]
    if len(names) != 1:
        raise InputError(
            f"the LSOA -> local authority lookup has {len(names) or 'no'} {what} column(s)",
            file=path,
            column=", ".join(names) or what,
            rule="ingest",
            hint="use the ONS lookup file named in docs/sources.md (section Area)",
        )
    return names[0]


def read_area_lookup(path: str | Path, lsoa_vintage: int) -> pd.DataFrame:
    """``lsoa_code`` -> ``area_code`` from an ONS lookup (geographr or ONS column names).

    Rows repeat an LSOA when it was split or merged; an LSOA with more than one authority is left
    out, so its births get no area rather than a guessed one.
    """
    path = str(path)
    yy = str(lsoa_vintage)[2:]
    columns = list(pd.read_csv(path, nrows=0).columns)
    lsoa = _area_column(columns, rf"f?lsoa{yy}(cd|code)", f"LSOA {lsoa_vintage} code", path)
    area = _area_column(columns, r"(lad|ltla)\d\d(cd|code)", "local authority code", path)
    table = pd.read_csv(path, usecols=[lsoa, area], dtype="string")
    table.columns = ["lsoa_code", "area_code"]
    table = table.apply(lambda s: s.str.strip()).dropna().drop_duplicates()
    split = table["lsoa_code"].duplicated(keep=False)
    return table.loc[~split].reset_index(drop=True)


def read_lsoa11_lsoa21(path: str | Path) -> pd.DataFrame:
    """ONS LSOA 2011 -> 2021 pairs (``lsoa11_code``, ``lsoa21_code``, ``change_code`` U/S/M/X or <NA>).

    Reads the ONS Open Geography layout (``LSOA11CD``/``F_LSOA11CD``, ``LSOA21CD``, ``CHGIND``) and
    geographr's (``lsoa11_code``, ``lsoa21_code``, ``change_code``); exact duplicate pairs are kept once.
    """
    found: dict[str, str | None] = {}

    def pick(columns: list[str]) -> list[str]:
        norms = {c: _normalise(c) for c in columns}
        for vintage in ("11", "21"):
            pattern = rf"(f_)?lsoa_?{vintage}_?(cd|code)"
            found[vintage] = _one(
                [c for c, n in norms.items() if re.fullmatch(pattern, n)],
                f"LSOA 20{vintage} code",
                path,
                columns,
            )
        change = [c for c, n in norms.items() if n in {"chgind", "change_code", "change"}]
        found["change"] = change[0] if len(change) == 1 else None
        return [c for c in (found["11"], found["21"], found["change"]) if c]

    raw = _read_columns(path, pick)
    if raw.empty:
        raise InputError("the LSOA lookup has a header but no rows", rule=RULE, file=str(path))
    pairs = pd.DataFrame(
        {
            "lsoa11_code": _codes(raw[found["11"]], path, str(found["11"])),
            "lsoa21_code": _codes(raw[found["21"]], path, str(found["21"])),
        }
    )
    if found["change"]:
        change = raw[found["change"]].astype("string").str.strip().str.upper()
        bad = int((~change.isin(["U", "S", "M", "X"])).sum())
        if bad:
            raise InputError(
                "the LSOA lookup has change codes other than U, S, M and X",
                rule=RULE,
                file=str(path),
                column=found["change"],
                rows=bad,
            )
        pairs["change_code"] = change
    else:
        pairs["change_code"] = pd.Series(pd.NA, index=pairs.index, dtype="string")
    pairs = pairs.drop_duplicates(["lsoa11_code", "lsoa21_code"], ignore_index=True)
    return pairs


# ---------------------------------------------------------------------------------------------
# The LSOA -> IMD lookup of an extract
# ---------------------------------------------------------------------------------------------


def _check_edition(edition: str) -> None:
    if edition not in EDITION_VINTAGE:
        raise InputError(
            f"unknown IoD edition `{edition}`",
            rule=RULE,
            key="deprivation.edition",
            hint=f"choose one of: {', '.join(EDITION_VINTAGE)}",
        )


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
    _check_edition(edition)
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
    _check_edition(edition)
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
    _check_edition(edition)
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
    """(IoD edition, LSOA vintage) of the configured release, with their defaults."""
    spec = config["releases"][config["release"]]
    edition = (config.get("deprivation") or {}).get("edition", DEFAULT_EDITION)
    return edition, int(spec.get("lsoa_vintage", DEFAULT_VINTAGE))


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
        _checksums(name, file_spec)
        check_local_copy(name, file_spec)
        if not file_spec.get("path") and not file_spec.get("url"):
            raise InputError(
                f"lookup `{name}` has neither a `url` nor a local `path`",
                rule="preflight",
                key=f"lookups.files.{name}",
            )
