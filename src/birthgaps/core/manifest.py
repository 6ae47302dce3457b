"""The release's provenance manifest (``manifest.json`` in the published tree): the size and sha256
of every input file, a hash of the resolved config, the code version, the lock file's hash, the
versions that ran it and the date produced. In: input paths and config. Out: deterministic JSON,
so two runs of the same inputs give the same bytes (paths relative, never absolute).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from birthgaps.core.errors import InputError

#: Bytes read at a time when hashing a file.
CHUNK = 1 << 20
#: The manifest's file name in the published tree, named by every document that points to it.
MANIFEST_NAME = "manifest.json"
#: Format of the manifest; bump when its keys change meaning.
MANIFEST_FORMAT = 1


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def canonical_json(value: Any) -> str:
    """``value`` as JSON with sorted keys, fixed separators and a newline: the same data always
    gives the same text."""
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False, default=str) + "\n"


def config_sha256(config: Mapping) -> str:
    """sha256 of the resolved config written as canonical JSON (compact): a change of any setting,
    wherever it came from, changes it."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def produced_date(environ: Mapping[str, str] | None = None) -> str:
    """The date the release's documents were produced, as "4 December 2026": from
    ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC) when it is set, so a rebuild of the same
    inputs gives the same bytes on any day; otherwise today's date (UTC). A value that is not a
    whole number of seconds stops with an ``InputError``."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            day = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
        except (ValueError, OverflowError, OSError) as error:
            raise InputError(
                f"SOURCE_DATE_EPOCH is not a number of seconds: {epoch!r}",
                key="SOURCE_DATE_EPOCH",
                hint="unset it, or give seconds since 1970-01-01 UTC",
            ) from error
    else:
        day = dt.datetime.now(tz=dt.UTC).date()
    return f"{day.day} {day:%B %Y}"


def package_version(name: str = "birthgaps") -> str:
    """The installed version of a package (``importlib.metadata``), or "unknown"."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def code_version(project: str | Path) -> str:
    """``git describe --always --dirty --tags`` of the project folder when it is a git checkout
    (with git installed), else the installed birthgaps version."""
    try:
        result = subprocess.run(
            ["git", "-C", str(project), "describe", "--always", "--dirty", "--tags"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return package_version()
    described = result.stdout.strip()
    return described if result.returncode == 0 and described else package_version()


def portable_path(path: str | Path, workdir: str | Path, project: str | Path) -> str:
    """A path as the manifest writes it: relative to the working directory, else
    ``<project>/...`` for a file shipped with birthgaps, else ``<elsewhere>/<file name>``; never
    absolute, so it is the same in any folder and names no user's home."""
    resolved = Path(os.path.abspath(path))
    for root, prefix in ((workdir, ""), (project, "<project>/")):
        try:
            return prefix + resolved.relative_to(os.path.abspath(root)).as_posix()
        except ValueError:
            continue
    return f"<elsewhere>/{resolved.name}"


def size_text(size: int) -> str:
    """A file size in bytes with thousands separators ("1,234,567,890"): a bare 10-digit size (an
    extract of 1 GB or more) can pass the NHS number check and would stop the publication scan."""
    return f"{size:,}"


def file_entry(path: str | Path, workdir: str | Path, project: str | Path) -> dict[str, Any]:
    """One input file: its portable path, size in bytes (:func:`size_text`) and sha256."""
    return {
        "path": portable_path(path, workdir, project),
        "bytes": size_text(Path(path).stat().st_size),
        "sha256": sha256_of(path),
    }


def build_manifest(
    inputs: Mapping[str, Sequence[str | Path]],
    *,
    configfiles: Sequence[str | Path],
    config_hash: str,
    release: str,
    release_label: str,
    code: str,
    lock_sha256: str | None,
    workdir: str | Path,
    project: str | Path,
    produced: str | None = None,
) -> dict[str, Any]:
    """The manifest as a dict: ``inputs`` maps a role ("births_extract", "lookups", ...) to its
    files, whose size and sha256 are read here; ``config_hash`` is ``config_sha256`` of the
    resolved config, ``lock_sha256`` that of ``uv.lock`` (None without one)."""
    missing = [
        str(p) for files in [*inputs.values(), configfiles] for p in files if not Path(p).is_file()
    ]
    if missing:
        raise InputError(
            f"input file(s) to checksum are missing: {', '.join(missing)}", rule="manifest"
        )
    return {
        "format": MANIFEST_FORMAT,
        "release": release,
        "release_label": release_label,
        "produced": produced if produced is not None else produced_date(),
        "code_version": code,
        "birthgaps_version": package_version(),
        "versions": {
            "python": platform.python_version(),
            "snakemake": package_version("snakemake"),
            "pandas": package_version("pandas"),
        },
        "lock_sha256": lock_sha256,
        "config": {
            "files": [file_entry(p, workdir, project) for p in configfiles],
            "resolved_sha256": config_hash,
        },
        "inputs": {
            role: [file_entry(p, workdir, project) for p in files]
            for role, files in sorted(inputs.items())
        },
    }


def lock_sha256(project: str | Path) -> str | None:
    """sha256 of the project's ``uv.lock`` (the exact versions), or None when there is none."""
    lock = Path(project) / "uv.lock"
    return sha256_of(lock) if lock.is_file() else None


def write_manifest(manifest: Mapping[str, Any], path: str | Path) -> None:
    """Write the manifest as canonical JSON, through a temporary file renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(canonical_json(manifest), encoding="utf-8")
    tmp.replace(path)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest written by ``write_manifest``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def short_hash(value: str | None, length: int = 12) -> str:
    """The first characters of a checksum, enough to tell two apart when read."""
    return (value or "none")[:length]


def provenance_line(manifest: Mapping[str, Any]) -> str:
    """The one line every document shows: date, versions, and where the checksums are."""
    return (
        f"Produced {manifest['produced']} by birthgaps {manifest['birthgaps_version']} "
        f"({manifest['code_version']}); inputs and checksums: {MANIFEST_NAME}"
    )


def manifest_step(
    inputs: Mapping[str, Sequence[str | Path]],
    path: str | Path,
    *,
    configfiles: Sequence[str | Path],
    config_hash: str,
    release: str,
    release_label: str,
    code: str,
    lock_sha256: str | None,
    project: str | Path,
) -> None:
    """The rule ``manifest``: checksum the inputs and write ``manifest.json`` (paths relative to
    the current directory, Snakemake's working directory)."""
    manifest = build_manifest(
        inputs,
        configfiles=configfiles,
        config_hash=config_hash,
        release=release,
        release_label=release_label,
        code=code,
        lock_sha256=lock_sha256,
        workdir=Path.cwd(),
        project=project,
    )
    write_manifest(manifest, path)
