"""Publication: rules build the published tree in ``staged/``; only after every rule and the
disclosure scan have passed is it copied to ``published/``, swapped in whole, so a failed or
interrupted run leaves ``published/`` exactly as the last good run left it (docs/outputs.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from birthgaps.core.manifest import sha256_of

#: Columns of the manifest written beside the scan report: one row per published file.
MANIFEST_COLUMNS = ["path", "bytes", "sha256"]


def manifest(tree: str | Path) -> pd.DataFrame:
    """Every file under ``tree`` (relative path, size, sha256), in path order."""
    tree = Path(tree)
    files = sorted(p for p in tree.rglob("*") if p.is_file())
    rows = [(p.relative_to(tree).as_posix(), p.stat().st_size, sha256_of(p)) for p in files]
    return pd.DataFrame(rows, columns=MANIFEST_COLUMNS)


def _siblings(published: Path) -> tuple[Path, Path]:
    """The temporary names used while swapping: the incoming copy and the outgoing tree."""
    return published.with_name(published.name + ".incoming"), published.with_name(
        published.name + ".outgoing"
    )


def recover(published: str | Path) -> None:
    """Finish or undo a swap that was interrupted (a killed run) so ``published/`` is whole."""
    published = Path(published)
    incoming, outgoing = _siblings(published)
    if outgoing.exists():
        if published.exists():
            shutil.rmtree(outgoing)  # the swap had completed; only the clean-up was cut short
        else:
            outgoing.rename(published)  # the old tree had moved out, the new one never moved in
    if incoming.exists():
        shutil.rmtree(incoming)


def _copy_outputs(staged: Path, incoming: Path, outputs: list[str | Path] | None) -> None:
    """Copy the rules' outputs (files or folders under ``staged``), or all of ``staged``."""
    if outputs is None:
        shutil.copytree(staged, incoming)
        return
    incoming.mkdir()
    for output in map(Path, outputs):
        relative = output.resolve().relative_to(staged.resolve())
        target = incoming / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if output.is_dir():
            shutil.copytree(output, target)
        else:
            shutil.copy2(output, target)


def publish_tree(
    staged: str | Path, published: str | Path, outputs: list[str | Path] | None = None
) -> pd.DataFrame:
    """Replace ``published/`` by a copy of the staged outputs in one swap; return its manifest.

    ``outputs`` are the files and folders this run's rules wrote under ``staged/`` (all of it when
    None): a file left there by an older run (an area no longer configured) is not published. The
    copy is made beside ``published/`` first, so a failure while copying leaves the old tree
    untouched; the swap is two renames on one file system.
    """
    staged, published = Path(staged), Path(published)
    if not staged.is_dir():
        raise FileNotFoundError(f"nothing staged to publish: {staged}")
    recover(published)
    incoming, outgoing = _siblings(published)
    try:
        _copy_outputs(staged, incoming, outputs)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    if published.exists():
        published.rename(outgoing)
    incoming.rename(published)
    if outgoing.exists():
        shutil.rmtree(outgoing)
    return manifest(published)
