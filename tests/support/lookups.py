"""Tiny IoD and LSOA lookup files, a loopback HTTP server to fetch them from, and a real-release config."""

from __future__ import annotations

import copy
import hashlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd


@contextmanager
def serve(directory: Path, delay: float = 0.0) -> Iterator[tuple[str, list[str]]]:
    """Serve ``directory`` on 127.0.0.1 (a free port); yield (base URL, list of requested paths)."""
    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(directory), **kwargs)

        def do_GET(self):  # noqa: N802 (http.server's name)
            requested.append(self.path)
            if delay:
                time.sleep(delay)
            super().do_GET()

        def log_message(self, *args):  # keep pytest output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens (a server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/file.csv"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


FILE1_HEADER = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile"
)


def iod_rows(n: int = 20) -> list[tuple[str, int, int]]:
    """(code, rank, decile) for n LSOAs E01000001..; rank i+1; 2 LSOAs per decile when n = 20."""
    return [(f"E01{i + 1:06d}", i + 1, i * 10 // n + 1) for i in range(n)]


def write_file1(path: Path, rows=None, *, bom: bool = True, header: str = FILE1_HEADER) -> Path:
    """An IoD2019 File 1 style CSV: BOM, CRLF, ranks with quoted thousands separators."""
    rows = iod_rows() if rows is None else rows
    lines = [header]
    for code, rank, decile in rows:
        rank_text = f'"{rank * 1000:,}"' if isinstance(rank, int) else rank
        lines.append(f"{code},Somewhere {code[-3:]},E06000016,Leicester,{rank_text},{decile}")
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def write_iod2025(path: Path, rows=None) -> Path:
    """An IoD2025 LSOA 2021 file in the humaniverse/IMD layout (plain integers, score columns)."""
    rows = iod_rows() if rows is None else rows
    frame = pd.DataFrame(
        {
            "lsoa21_code": [r[0] for r in rows],
            "IMD_decile": [r[2] for r in rows],
            "Income_decile": [10 - r[2] + 1 for r in rows],
            "IMD_rank": [r[1] for r in rows],
            "Income_rank": [len(rows) - r[1] + 1 for r in rows],
            "IMD_score": [50.0 - r[1] for r in rows],
        }
    )
    frame.to_csv(path, index=False)
    return path


def write_pairs(path: Path, pairs: list[tuple[str, str, str]], *, ons: bool = False) -> Path:
    """An LSOA 2011 -> 2021 lookup: geographr's column names, or the ONS portal's."""
    if ons:
        header = "LSOA11CD,LSOA11NM,CHGIND,LSOA21CD,LSOA21NM,LAD22CD,LAD22NM,LAD22NMW,ObjectId"
        lines = [
            f"{a},Name {a},{c},{b},Name {b},E06000016,Leicester,,{i}"
            for i, (a, b, c) in enumerate(pairs)
        ]
    else:
        header = (
            "lsoa11_name,lsoa11_code,change_code,lsoa21_name,lsoa21_code,ltla22_name,ltla22_code"
        )
        lines = [f"Name {a},{a},{c},Name {b},{b},Leicester,E06000016" for a, b, c in pairs]
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def real_config(config: dict, tmp_path: Path, files: dict, **release) -> dict:
    config = copy.deepcopy(config)
    config["release"] = "real"
    config["releases"]["real"] = {
        "label": "Real",
        "extract": str(tmp_path / "births.csv"),
        "years": [2020],
        **release,
    }
    config["lookups"] = {"cache_dir": str(tmp_path / "cache"), "files": files}
    return config
