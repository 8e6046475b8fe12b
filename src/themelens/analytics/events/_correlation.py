"""Mean cross-correlation of estimation-window residuals over events sharing a date.

The input of the Kolari–Pynnönen adjustment (see ``_tests``). Residuals are
matched by calendar date, not by relative day, so events on different
exchanges pair only on the dates both traded. Pairs are handled a block at a
time; in a block, pairs whose two rows use exactly the same dates (one
calendar, the same missing days: most pairs) are correlated row against row,
and the others are laid out on a shared calendar, one segment of days per
pair, where matching dates are the same cell.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["cluster_blocks", "mean_cross_correlation", "mean_of", "pair_correlations"]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64] | npt.NDArray[np.int32]

_EVENTS_PER_BLOCK: Final = 1024
_PAIRS_PER_CHUNK: Final = 2048


def _pairs(cluster: Ints) -> tuple[Ints, Ints]:
    """Every unordered pair (i < j in sorted order) of events with the same cluster id, vectorised."""
    n = len(cluster)
    order = np.argsort(cluster, kind="stable")
    ids = cluster[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if n else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, n])
    within = np.arange(n) - np.repeat(starts, sizes)
    partners = np.repeat(sizes, sizes) - 1 - within
    total = int(partners.sum())
    first = np.repeat(np.arange(n), partners)
    offset = np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners)
    return order[first].astype(np.int64), order[first + 1 + offset].astype(np.int64)


def cluster_blocks(cluster: Ints, size: int, *, lone: bool) -> list[Ints]:
    """Event positions grouped by cluster, whole clusters to a block of about ``size`` events.

    Every pair of events sharing a cluster falls in one block. ``lone=False``
    leaves out events alone in their cluster (they pair with nobody).
    """
    order = np.argsort(cluster, kind="stable")
    ids = cluster[order]
    n = len(ids)
    opens = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if n else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[opens, n])
    if not lone:
        order, sizes = order[np.repeat(sizes > 1, sizes)], sizes[sizes > 1]
    ends = np.cumsum(sizes)
    blocks: list[Ints] = []
    done = 0  # clusters placed
    while done < len(sizes):
        start = int(ends[done - 1]) if done else 0
        stop = max(done + 1, int(np.searchsorted(ends, start + size, side="right")))
        blocks.append(order[start : int(ends[stop - 1])].astype(np.int64))
        done = stop
    return blocks


def mean_cross_correlation(
    resid: Floats, days: Ints, cluster: Ints, *, min_overlap: int = 10
) -> tuple[float, int]:
    """Mean residual correlation over pairs of events in the same cluster, and the pair count.

    ``resid`` (E, W) holds NaN on days an event does not use; ``days`` the
    calendar dates of its cells (integer days, -1 = none). Pairs with fewer
    than ``min_overlap`` common dates are left out. ``(nan, 0)`` when no
    pair qualifies.
    """
    parts: list[Floats] = []
    for rows in cluster_blocks(cluster, _EVENTS_PER_BLOCK, lone=False):
        parts += pair_correlations(resid[rows], days[rows], cluster[rows], min_overlap=min_overlap)
    return mean_of(parts)


def mean_of(parts: list[Floats]) -> tuple[float, int]:
    """The mean of the correlations in ``parts`` and how many there are; ``(nan, 0)`` for none."""
    corr = np.concatenate(parts) if parts else np.zeros(0)
    if not len(corr):
        return float("nan"), 0
    return float(corr.mean()), len(corr)


def pair_correlations(
    resid: Floats, days: IntArray, labels: Ints, *, min_overlap: int = 10, used: Bools | None = None
) -> list[Floats]:
    """Correlations of the qualifying pairs among rows sharing a label.

    ``resid`` holds NaN on the days a row does not use, or, when ``used``
    marks the days used, 0 there (and ``days`` -1 there): the study's
    windows, which spare a pass over them. Rows alone with their label are
    dropped first; the others are read and standardised once, and their
    pairs formed in chunks of :data:`_PAIRS_PER_CHUNK`.
    """
    _, where_, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    paired = sizes[where_.ravel()] > 1
    if not paired.all():
        resid, days, labels = resid[paired], days[paired], labels[paired]
        used = None if used is None else used[paired]
    if used is None:
        use = np.isfinite(resid)
        use &= days >= 0
        key = np.where(use, days, -1).astype(np.int32)  # days fit in 32 bits: half the bytes
        z = np.where(use, resid, 0.0)
    else:
        use, key, z = used, days.astype(np.int32, copy=False), resid.copy()
    count = np.count_nonzero(use, axis=1)
    z -= (z.sum(axis=1) / np.maximum(count, 1))[:, None]  # centred and scaled to unit norm
    z *= use
    norm = np.sqrt(np.einsum("ij,ij->i", z, z))
    z /= np.where(norm > 0, norm, 1.0)[:, None]
    i, j = _pairs(labels)
    out: list[Floats] = []
    for a in range(0, len(i), _PAIRS_PER_CHUNK):
        pi, pj = i[a : a + _PAIRS_PER_CHUNK], j[a : a + _PAIRS_PER_CHUNK]
        ki, kj = key[pi], key[pj]
        aligned = (ki == kj).all(axis=1)
        si, sj = pi[aligned], pj[aligned]
        ok = (count[si] >= min_overlap) & (norm[si] > 0) & (norm[sj] > 0)
        # same used dates: the correlation is the dot product of the standardised rows
        out.append(np.einsum("ij,ij->i", z[si[ok]], z[sj[ok]]))
        if not aligned.all():
            oi, oj = pi[~aligned], pj[~aligned]
            a_, b_, both, first = _on_one_calendar(resid[oi], ki[~aligned], resid[oj], kj[~aligned])
            out.append(_pearson_segments(a_, b_, both, first, min_overlap))
    return out


def _on_one_calendar(
    ra: Floats, ka: npt.NDArray[np.int32], rb: Floats, kb: npt.NDArray[np.int32]
) -> tuple[Floats, Floats, Bools, Ints]:
    """Both rows of each pair on the pair's own run of calendar days, pairs one after another.

    A side has a value where its date ``k`` is not -1. Returns the flat
    residuals of each side (0 where a side has no value), the cells where
    both have one, and where each pair's run starts.
    """
    big = np.iinfo(np.int32).max
    lo = np.minimum(np.where(ka >= 0, ka, big).min(axis=1), np.where(kb >= 0, kb, big).min(axis=1))
    lo = lo.astype(np.int64)
    hi = np.maximum(ka.max(axis=1), kb.max(axis=1)).astype(np.int64)
    span = np.maximum(hi - lo + 1, 1)
    starts = np.cumsum(span) - span
    total = int(span.sum())

    def spread(r: Floats, k: npt.NDArray[np.int32]) -> tuple[Floats, Bools]:
        use = k >= 0
        cell = (starts - lo)[:, None] + k
        values, has = np.zeros(total), np.zeros(total, dtype=bool)
        values[cell[use]] = r[use]
        has[cell[use]] = True
        return values, has

    a, has_a = spread(ra, ka)
    b, has_b = spread(rb, kb)
    both = has_a & has_b
    return a * both, b * both, both, starts


def _pearson_segments(a: Floats, b: Floats, both: Bools, starts: Ints, min_overlap: int) -> Floats:
    """:func:`_pearson` over flat segments (pair ``p`` = cells ``starts[p]`` to the next start)."""
    if not len(starts):
        return np.zeros(0)
    n = np.add.reduceat(both.astype(np.int64), starts)
    safe = np.maximum(n, 1).astype(np.float64)
    seg = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(a))))
    da = a - (np.add.reduceat(a, starts) / safe)[seg]
    da *= both
    db = b - (np.add.reduceat(b, starts) / safe)[seg]
    db *= both
    sab = np.add.reduceat(da * db, starts)
    saa = np.add.reduceat(da * da, starts)
    sbb = np.add.reduceat(db * db, starts)
    ok = (n >= min_overlap) & (saa > 0) & (sbb > 0)
    out: Floats = sab[ok] / np.sqrt(saa[ok] * sbb[ok])
    return out
