"""Download, verify and cache the official lookups: a file's config entry (url, path, checksums) in; a verified
local copy (or a stop saying what to do offline) out."""

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
from pathlib import Path

import numpy as np
import pandas as pd

from birthgaps.core.errors import InputError
from birthgaps.core.manifest import sha256_of  # one file checksum for the whole package
from birthgaps.ingest.lookup_files import (
    AREA_LOOKUP,
    CHUNK,
    DEFAULT_TIMEOUT,
    LSOA_MAP,
    RULE,
    read_area_lookup,
    read_iod,
    read_lsoa11_lsoa21,
)

log = logging.getLogger("birthgaps.ingest.lookups")

# ---------------------------------------------------------------------------------------------
# Download, verify, cache
# ---------------------------------------------------------------------------------------------


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


def expected_checksums(name: str, spec: dict) -> tuple[str | None, str | None]:
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
    content, byte_sha = expected_checksums(name, spec)
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
            while chunk := r.read(CHUNK):
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
    checksums = expected_checksums(name, spec)
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
