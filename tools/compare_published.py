"""Compare two published trees file by file: byte-identical, or what differs (issue 10's check).

    python tools/compare_published.py OLD/results/demo/published results/demo/published

Prints one line per file that is missing, added or different. For a different file it also says
whether its *content* is the same: the visible text of an HTML page, the cell values of a workbook,
the text of a PDF (``pdftotext``, without running headers and footers, so a paragraph moving
to the next page is not a change) or the pixels of a PNG; so a change of markup alone is told apart
from a change of what a reader sees. Exit status 0 when every file is byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Text(HTMLParser):
    """Visible text of an HTML page, whitespace collapsed (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):  # noqa: D102
        if tag in {"script", "style"}:
            self._skip += 1
        for key, value in attrs:
            if key == "alt" and value:
                self.parts.append(value)

    def handle_endtag(self, tag):  # noqa: D102
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):  # noqa: D102
        if not self._skip:
            self.parts.append(data)


def _pdf_words(text: str) -> str:
    """The words of a PDF's pages without the running header and footer (lines, digits aside, on
    most pages), so that a paragraph moving to the next page is not a change of content."""
    pages = [page.splitlines() for page in text.split("\f")]
    furniture = Counter(
        re.sub(r"\d+", "#", line.strip()) for page in pages for line in set(page) if line.strip()
    )
    common = {line for line, n in furniture.items() if n > len(pages) / 2}
    kept = [
        line
        for page in pages
        for line in page
        if line.strip() and re.sub(r"\d+", "#", line.strip()) not in common
    ]
    return re.sub(r"\s+", " ", " ".join(kept)).strip() + f" [{len(pages)} pages]"


def content(path: Path) -> str | None:
    """What a reader sees in the file, as text, or None when there is no such reading."""
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        parser = _Text()
        parser.feed(path.read_text(errors="replace"))
        return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()
    if suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        out = io.StringIO()
        for sheet in book.worksheets:
            out.write(f"## {sheet.title}\n")
            for row in sheet.iter_rows(values_only=True):
                out.write("\t".join("" if v is None else str(v) for v in row) + "\n")
        return out.getvalue()
    if suffix == ".pdf" and shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
        return _pdf_words(done.stdout)
    if suffix == ".png":
        from PIL import Image

        with Image.open(path) as image:
            return hashlib.sha256(image.convert("RGBA").tobytes()).hexdigest()
    return None


def compare(old: Path, new: Path) -> list[str]:
    """One line per difference between the trees ``old`` and ``new``."""
    olds = {p.relative_to(old) for p in old.rglob("*") if p.is_file()}
    news = {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    lines = [f"missing  {p}" for p in sorted(olds - news)]
    lines += [f"added    {p}" for p in sorted(news - olds)]
    for rel in sorted(olds & news):
        if _sha(old / rel) == _sha(new / rel):
            continue
        a, b = content(old / rel), content(new / rel)
        if a is not None and a == b:
            lines.append(f"markup   {rel} (bytes differ, content the same)")
        else:
            lines.append(f"content  {rel}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    lines = compare(args.old, args.new)
    total = sum(1 for p in args.new.rglob("*") if p.is_file())
    print("\n".join(lines) if lines else f"all {total} files byte-identical")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
