"""Text of the published files that hold no table: a path in; (location, text) pieces out, for the scan's
identifier checks (PNG text chunks, PDF pages, lines of plain text); one reader per file suffix."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

TextExtractor = Callable[[Path], list[tuple[str, str]]]


class NoExtractorError(Exception):
    """No library is installed that can read text from this type of file."""


def png_text(path: Path) -> list[tuple[str, str]]:
    """Text chunks (tEXt, zTXt, iTXt) of a PNG, which can carry titles or other metadata."""
    pieces: list[tuple[str, str]] = []
    with path.open("rb") as handle:
        if handle.read(8) != b"\x89PNG\r\n\x1a\n":
            raise ValueError("not a PNG file")
        while header := handle.read(8):
            length, kind = struct.unpack(">I4s", header)
            if kind not in (b"tEXt", b"zTXt", b"iTXt"):
                handle.seek(length + 4, 1)
                if kind == b"IEND":
                    break
                continue
            data = handle.read(length)
            handle.seek(4, 1)
            key, _, rest = data.partition(b"\0")
            if kind == b"tEXt":
                text = rest.decode("latin-1")
            elif kind == b"zTXt":
                text = zlib.decompress(rest[1:]).decode("latin-1")
            else:
                compressed, rest = rest[0], rest[2:]
                _language, _, rest = rest.partition(b"\0")
                _translated, _, rest = rest.partition(b"\0")
                text = (zlib.decompress(rest) if compressed else rest).decode("utf-8", "replace")
            pieces.append((f"PNG text chunk '{key.decode('latin-1')}'", text))
    return pieces


def pdf_text(path: Path) -> list[tuple[str, str]]:
    """Text of each PDF page through pypdfium2 or pypdf, whichever is installed."""
    try:
        import pypdfium2  # type: ignore[import-not-found]
    except ImportError:
        pypdfium2 = None
    if pypdfium2 is not None:
        document = pypdfium2.PdfDocument(str(path))
        try:
            return [
                (f"page {i + 1}", page.get_textpage().get_text_range())
                for i, page in enumerate(document)
            ]
        finally:
            document.close()
    try:
        from pypdf import PdfReader  # type: ignore[import-not-found]
    except ImportError as error:
        raise NoExtractorError("no PDF text library (pypdfium2 or pypdf) is installed") from error
    return [
        (f"page {i + 1}", page.extract_text() or "") for i, page in enumerate(PdfReader(path).pages)
    ]


def plain_text(path: Path) -> list[tuple[str, str]]:
    """Each line of a UTF-8 text file."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return [(f"line {i}", line) for i, line in enumerate(lines, start=1) if line.strip()]


# Suffix -> function giving (location, text) pieces checked for identifiers. Plug in another reader
# (say, a different PDF library) by assigning TEXT_EXTRACTORS[".pdf"] = reader.
TEXT_EXTRACTORS: dict[str, TextExtractor] = {
    ".txt": plain_text,
    ".md": plain_text,
    ".json": plain_text,
    ".png": png_text,
    ".pdf": pdf_text,
}
