"""Preflight: the validated config in, a stop (InputError) or a warning before any job starts when the
release's extract files, source mapping or previous release's outputs are not as the config says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from birthgaps.core.errors import InputError
from birthgaps.core.settings import previous_files
from birthgaps.ingest.extract import missing_columns_hints
from birthgaps.ingest.readers import header_columns
from birthgaps.ingest.sources import (
    load_source,
    release_files,
    release_source,
    source_missing_columns,
)


def check_previous(config: dict) -> None:
    """A release that names the release it follows needs that release's outputs on this machine."""
    release = config["release"]
    previous = config["releases"][release].get("previous")
    if not previous:
        return
    key = f"releases.{release}.previous"
    if previous == release:
        raise InputError("a release cannot follow itself", key=key)
    for path in previous_files(config).values():
        if not Path(path).exists():
            raise InputError(
                f"the previous release {previous!r} has not been run here: a file is missing",
                file=path,
                key=key,
                hint=f"run the pipeline for release {previous} first (config `release: "
                f"{previous}`), or remove `previous` if this release does not follow another",
            )


def preflight(config: dict, *, warn: bool = True) -> None:
    """Check, before any job runs, the release's source mapping, the previous release's outputs
    (when it follows one) and that a real release's extract file(s) exist, agree in their columns
    and carry every column the source needs; with ``warn``, warn about extracts git would commit."""
    release = config["release"]
    spec = config["releases"][release]
    source = release_source(config)
    deaths = spec.get("deaths")
    if deaths:
        load_source(deaths.get("source") or "canonical", key=f"releases.{release}.deaths.source")
    check_previous(config)
    if spec.get("synthetic"):
        return
    if deaths and not Path(deaths["extract"]).exists():
        raise InputError(
            "the deaths extract file does not exist",
            file=deaths["extract"],
            key=f"releases.{release}.deaths.extract",
        )
    if deaths and warn:
        warn_if_not_ignored(deaths["extract"])
    files = release_files(spec)
    for i, path in enumerate(files):
        if not Path(path).exists():
            suffix = f"[{i}]" if len(files) > 1 else ""
            raise InputError(
                "the extract file does not exist",
                file=path,
                key=f"releases.{release}.extract{suffix}",
            )
    if spec.get("imd_lookup") and not Path(spec["imd_lookup"]).exists():
        raise InputError(
            "the imd lookup file does not exist",
            file=spec["imd_lookup"],
            key=f"releases.{release}.imd_lookup",
        )
    first: list[str] | None = None
    for path in files:
        if warn:
            warn_if_not_ignored(path)
        columns = header_columns(path, source["reader"], rule="preflight")
        if first is not None and set(columns) != set(first):
            differ = sorted(set(columns) ^ set(first))
            raise InputError(
                f"the columns differ from those of the first file ({Path(files[0]).name})",
                file=path,
                column=", ".join(differ),
                rule="preflight",
                hint="give every file of a release the same columns",
                check="columns_differ",
            )
        missing = source_missing_columns(columns, source)
        if missing:
            raise InputError(
                f"required columns are missing: {', '.join(missing)}",
                file=path,
                column=", ".join(missing),
                rule="preflight",
                hint="; ".join(missing_columns_hints(path, columns, source)) + " (docs/sources.md)",
                check="columns_missing",
            )
        first = first or columns


def git_exposure(path: str | Path) -> str | None:
    """The git work tree that holds ``path`` when git does not ignore it there (so a `git add`
    would commit patient-level data); None when ignored, outside a work tree or without git."""
    folder = Path(path).resolve().parent
    try:
        root = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if root.returncode != 0:
            return None
        ignored = subprocess.run(
            ["git", "-C", str(folder), "check-ignore", "-q", str(Path(path).resolve())],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return root.stdout.strip() if ignored.returncode == 1 else None


def warn_if_not_ignored(path: str | Path) -> None:
    """Warn on stderr (not a stop) when an extract lies in a git work tree and is not ignored."""
    tree = git_exposure(path)
    if tree:
        print(
            f"birthgaps: warning: the extract {path} lies inside the git work tree {tree} and is "
            "not git-ignored, so `git add` would put patient-level data in the repository. "
            "What to do: keep extracts under data/ (ignored by the project's .gitignore), "
            "outside the repository, or add the file to .gitignore",
            file=sys.stderr,
        )
