"""Readers of the official lookup files, whatever the publisher's layout (CSV or XLSX, columns found by name):
a path in; the IoD ranks and deciles, the LSOA 2011 -> 2021 pairs or the LSOA -> area table out."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.settings import schema_defaults

#: LSOA vintage each IoD edition was published for.
EDITION_VINTAGE: dict[str, int] = {"iod2019": 2011, "iod2025": 2021}
#: Config name of the ONS LSOA 2011 -> 2021 lookup.
LSOA_MAP = "lsoa11_lsoa21"
#: Config name of the ONS LSOA 2021 -> local authority (2024) lookup (birthgaps.ingest.residence).
AREA_LOOKUP = "lsoa21_lad24"
#: Values of the ``match`` column of an IMD lookup, in report order.
MATCH_KINDS: tuple[str, ...] = ("direct", "mapped", "mapped_ambiguous")
#: Defaults as the config schema gives them (for callers without a loaded config).
DEFAULT_CACHE_DIR = schema_defaults("lookups")["cache_dir"]
DEFAULT_EDITION = schema_defaults("deprivation")["edition"]
DEFAULT_VINTAGE = schema_defaults("releases", "*")["lsoa_vintage"]
DEFAULT_TIMEOUT = 60.0
RULE = "lookups"

CHUNK = 1 << 16
_ENGLISH_LSOA = re.compile(r"^E01\d{6}$")
_XLSX_MAGIC = b"PK\x03\x04"

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
    check_edition(edition)
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


def check_edition(edition: str) -> None:
    """Stop on an IoD edition birthgaps does not know."""
    if edition not in EDITION_VINTAGE:
        raise InputError(
            f"unknown IoD edition `{edition}`",
            rule=RULE,
            key="deprivation.edition",
            hint=f"choose one of: {', '.join(EDITION_VINTAGE)}",
        )
