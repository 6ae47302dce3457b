"""Vectorised random draws shared by the synthetic generator's modules (categorical rows,
truncated normals, disjoint index sets for dirt, pseudonymous ids); no per-record Python loops."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri


def sample_rows(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One categorical draw per record from table[row] (inverse CDF, looping over table rows)."""
    cum = np.cumsum(table, axis=1)
    u = rng.random(len(row))
    out = np.zeros(len(row), dtype=np.int64)
    for k in range(len(table)):
        sel = row == k
        if sel.any():
            out[sel] = np.searchsorted(cum[k], u[sel] * cum[k, -1], side="right")
    return np.minimum(out, table.shape[1] - 1)


def truncnorm(
    rng: np.random.Generator,
    mean: np.ndarray | float,
    sd: np.ndarray | float,
    lo: np.ndarray | float,
    hi: np.ndarray | float,
) -> np.ndarray:
    """Normal(mean, sd) draws truncated to [lo, hi), by the inverse CDF (tail-stable); one draw per
    element of the broadcast arguments (pass an array to get more than one)."""
    mean, sd, lo, hi = np.broadcast_arrays(
        np.asarray(mean, float), np.asarray(sd, float), np.asarray(lo, float), np.asarray(hi, float)
    )
    za, zb = (lo - mean) / sd, (hi - mean) / sd
    flip = za > 0  # sample the mirrored lower tail for precision, then mirror back
    a = np.where(flip, -zb, za)
    b = np.where(flip, -za, zb)
    pa, pb = ndtr(a), ndtr(b)
    u = rng.random(mean.shape)
    z = ndtri(pa + u * (pb - pa))
    z = np.clip(np.where(flip, -z, z), za, zb)
    return mean + sd * z


def pick_disjoint(rng: np.random.Generator, n: int, rates: list[float]) -> list[np.ndarray]:
    """Disjoint random index sets of sizes round(rate * n), one per rate."""
    sizes = [int(round(r * n)) for r in rates]
    chosen = rng.choice(n, size=min(sum(sizes), n), replace=False)
    return list(np.split(chosen, np.cumsum(sizes)[:-1]))


def hex_ids(rng: np.random.Generator, n: int, prefix: str = "SYN") -> np.ndarray:
    """Unique pseudonymous ids: a three-letter prefix + 10 upper-case hex digits (numpy unicode)."""
    values = rng.integers(0, 16**10, size=n, dtype=np.int64)
    while True:
        _, first = np.unique(values, return_index=True)
        if len(first) == n:
            break
        again = np.setdiff1d(np.arange(n), first)
        values[again] = rng.integers(0, 16**10, size=len(again), dtype=np.int64)
    hexdigits = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    raw = np.empty((n, 13), dtype=np.uint8)
    raw[:, :3] = np.frombuffer(prefix.encode("ascii")[:3], dtype=np.uint8)
    for k in range(10):  # one pass per hex digit, most significant first
        raw[:, 3 + k] = hexdigits[(values >> (36 - 4 * k)) & 15]
    return raw.view("S13").ravel().astype("U13")
