"""Mean cross-correlation of estimation-window residuals over events sharing a date.

The input of the Kolari–Pynnönen adjustment (see ``_tests``). Residuals are
matched by calendar date, not by relative day, so events on different
exchanges pair only on the dates both traded. Pairs are handled a block at a
time; in a block, pairs whose two rows use exactly the same dates (one
calendar, the same missing days: most pairs) are correlated row against row,
and the others are matched date by date (one ``searchsorted`` for all of
them).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "cluster_blocks",
    "correlation_sum",
    "mean_cross_correlation",
    "mean_of",
    "pair_correlations",
]

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


def cluster_blocks(
    cluster: Ints, size: int, *, lone: bool, order: Ints | None = None
) -> list[Ints]:
    """Event positions grouped by cluster, whole clusters to a block of about ``size`` events.

    Every pair of events sharing a cluster falls in one block. ``lone=False``
    leaves out events alone in their cluster (they pair with nobody). The
    positions follow ``order`` (by default by cluster, then position), which
    must list each cluster's events together.
    """
    if order is None:
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
    paired = _paired(labels)
    raw = np.flatnonzero(paired)  # the rows kept, as rows of ``resid`` (read again for odd pairs)
    if used is None:
        if len(raw) < len(labels):
            resid, days, labels = resid[raw], days[raw], labels[raw]
            raw = np.arange(len(raw))
        use = np.isfinite(resid)
        use &= days >= 0
        key = np.where(use, days, -1).astype(np.int32)  # days fit in 32 bits: half the bytes
        z = np.where(use, resid, 0.0)
    elif len(raw) == len(labels):
        use, key, z = used, days.astype(np.int32, copy=False), resid.copy()
    else:  # the row selection is the copy ``z`` needs
        use, key, z = used[raw], days[raw].astype(np.int32, copy=False), resid[raw]
        labels = labels[raw]
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
            ka, kb = ki[~aligned], kj[~aligned]
            out.append(_pearson_matched(resid[raw[oi]], ka, resid[raw[oj]], kb, min_overlap))
    return out


def correlation_sum(
    resid: Floats,
    used: Bools,
    days: IntArray,
    labels: Ints,
    fitted: Bools,
    *,
    min_overlap: int = 10,
) -> tuple[float, int]:
    """Sum and count of the correlations :func:`pair_correlations` gives, on the study's blocks.

    Rows are the study's windows (``resid`` 0 and ``days`` -1 where not
    ``used``) ordered by label, and within a label so that rows on one
    calendar (the same ``days`` row) are neighbours; only ``fitted`` rows pair.
    Neighbouring rows with the same label and the same days form a group.
    In a group a pair's correlation is the dot product of the two
    standardised rows (unit norm), so the sum over the group's pairs is
    ``(|sum of rows|^2 - rows) / 2``: one pass over the rows, no pair
    copied. Two groups sharing a label match on the same dates for every
    pair of their rows, so the pairs across groups are summed per pair of
    groups: ``(sum of one group's rows) . (sum of the other's)``, each row
    standardised over the dates both groups have (:func:`_across_groups`).
    """
    n = len(labels)
    if n < 2:
        return 0.0, 0
    shared = labels[1:] == labels[:-1]
    paired = np.zeros(n, dtype=bool)
    paired[1:] = shared
    paired[:-1] |= shared
    paired &= fitted
    rows = np.flatnonzero(paired)
    if len(rows) < 2:
        return 0.0, 0
    same = labels[rows[1:]] == labels[rows[:-1]]
    same &= _same_days(days, rows)
    opens = np.flatnonzero(np.r_[True, ~same])  # each group's first row, in ``rows``
    sizes = np.diff(np.r_[opens, len(rows)])
    total, pairs = _within_groups(resid, used, rows, opens, sizes, min_overlap)
    more, many = _across_groups(resid, days, rows, opens, sizes, labels, min_overlap)
    return total + more, pairs + many


def _same_days(days: IntArray, rows: Ints) -> Bools:
    """Whether ``days[rows[k + 1]]`` equals ``days[rows[k]]``, for each ``k``.

    Neighbouring rows of the block are compared in place (no rows copied);
    the few pairs with a row between them are copied and compared.
    """
    near = rows[1:] == rows[:-1] + 1
    if len(days) > 1 and near.mean() > 0.5:
        equal = (days[1:] == days[:-1]).all(axis=1)
        out: Bools = equal[rows[:-1]]
        far = np.flatnonzero(~near)
        if len(far):
            out[far] = (days[rows[far]] == days[rows[far + 1]]).all(axis=1)
        return out
    key = days[rows]
    same: Bools = (key[1:] == key[:-1]).all(axis=1)
    return same


def _members(first: Ints, sizes: Ints) -> tuple[Ints, Ints]:
    """For runs ``first[p] .. first[p] + sizes[p] - 1``: each member's run ``p`` and position."""
    run = np.repeat(np.arange(len(sizes)), sizes)
    offset = np.repeat(first - (np.cumsum(sizes) - sizes), sizes)
    return run, offset + np.arange(len(run))


def _run_sums(values: Floats, starts: Ints, sizes: Ints) -> Floats:
    """``np.add.reduceat(values, starts, axis=0)`` for runs of ``sizes`` rows (all at least 1).

    Runs are short (events on one date and calendar), so the sums are built
    a row of every run at a time, in the order ``reduceat`` adds them (which
    loops over the runs one by one); long runs take a running sum instead.
    """
    longest = int(sizes.max())
    if longest > 16:
        running = np.cumsum(values, axis=0)
        sums: Floats = running[starts + sizes - 1]
        sums[starts > 0] -= running[starts[starts > 0] - 1]
        return sums
    sums = values[starts]
    for k in range(1, longest):
        runs = np.flatnonzero(sizes > k)
        sums[runs] += values[starts[runs] + k]
    return sums


def _within_groups(
    resid: Floats, used: Bools, rows: Ints, opens: Ints, sizes: Ints, min_overlap: int
) -> tuple[float, int]:
    """Sum and count of the correlations of the pairs inside each group (groups of one skipped).

    A group's rows use the same days, so a row's centred and scaled values
    are ``s * (row - mean * used)``: the groups' sums of standardised rows
    are sums of scaled rows minus the scaled means on the used days.
    """
    multi = np.flatnonzero(sizes >= 2)
    if not len(multi):
        return 0.0, 0
    group, at = _members(opens[multi], sizes[multi])
    use = used[rows[opens[multi]]]
    count = np.count_nonzero(use, axis=1)
    z = resid[rows[at]]
    rowsum = z.sum(axis=1)
    mean = rowsum / np.maximum(count, 1)[group]
    norm2 = np.einsum("ij,ij->i", z, z)
    norm2 -= mean * rowsum  # sum of squares about the mean (residual means are about 0)
    qualifies = (count[group] >= min_overlap) & (norm2 > 0)
    scale = np.zeros(len(z))
    np.divide(1.0, np.sqrt(norm2, where=qualifies, out=scale), where=qualifies, out=scale)
    z *= scale[:, None]
    starts = np.cumsum(sizes[multi]) - sizes[multi]
    sums = _run_sums(z, starts, sizes[multi])
    sums -= np.add.reduceat(scale * mean, starts)[:, None] * use
    ones = np.add.reduceat(qualifies.astype(np.int64), starts)
    many = ones > 1
    total = float((np.einsum("ij,ij->i", sums[many], sums[many]) - ones[many]).sum() / 2.0)
    return total, int((ones * (ones - 1)).sum()) // 2


def _across_groups(
    resid: Floats,
    days: IntArray,
    rows: Ints,
    opens: Ints,
    sizes: Ints,
    labels: Ints,
    min_overlap: int,
) -> tuple[float, int]:
    """Sum and count of the correlations of the pairs whose rows are in two groups of one label.

    Each pair of groups is matched date by date once (:func:`_match_by_table`
    or :func:`_match_by_search` on one row of each); every row of either
    group is then standardised over the common dates, and the pairs' sum is
    the dot product of the two groups' sums.
    """
    ga, gb = _pairs(labels[rows[opens]])
    if not len(ga):
        return 0.0, 0
    ka = days[rows[opens[ga]]].astype(np.int32, copy=False)
    kb = days[rows[opens[gb]]].astype(np.int32, copy=False)
    at, both = _match_by_table(ka, kb) or _match_by_search(ka, kb)
    pairs, width = ka.shape
    common = np.count_nonzero(both, axis=1)
    ok = np.flatnonzero(common >= min_overlap)
    if not len(ok):
        return 0.0, 0
    # b's column for each of a's cells (0 where a date has no match: masked below)
    column = at.reshape(pairs, width) - (np.arange(pairs) * width)[:, None]
    column[~both] = 0
    ga, gb, both, column, common = ga[ok], gb[ok], both[ok], column[ok], common[ok]
    side_a, count_a = _standardised_sums(resid, rows, opens[ga], sizes[ga], both, common, None)
    side_b, count_b = _standardised_sums(resid, rows, opens[gb], sizes[gb], both, common, column)
    total = float(np.einsum("ij,ij->i", side_a, side_b).sum())
    return total, int((count_a * count_b).sum())


def _standardised_sums(
    resid: Floats,
    rows: Ints,
    first: Ints,
    sizes: Ints,
    both: Bools,
    common: Ints,
    column: Ints | None,
) -> tuple[Floats, Ints]:
    """Per pair of groups, one side's rows standardised over the common dates, summed; and how many.

    The rows of pair ``p`` are ``rows[first[p] .. first[p] + sizes[p] - 1]``,
    read at ``column[p]`` (``None``: as they are); rows with no variation on
    the common dates are left out, as :func:`_pearson_matched` leaves them.
    """
    pair, at = _members(first, sizes)
    if column is None:
        values = resid[rows[at]]
    else:
        flat = rows[at][:, None] * resid.shape[1] + column[pair]
        values = resid.ravel().take(flat)
    mask = both[pair]
    values *= mask
    rowsum = values.sum(axis=1)
    mean = rowsum / np.maximum(common, 1)[pair]
    squares = np.einsum("ij,ij->i", values, values)
    squares -= mean * rowsum  # about the mean: residuals' means are small, no cancellation
    varies = squares > 0
    scale = np.zeros(len(values))
    np.divide(1.0, np.sqrt(squares, where=varies, out=scale), where=varies, out=scale)
    values *= scale[:, None]
    starts = np.cumsum(sizes) - sizes
    sums = _run_sums(values, starts, sizes)
    sums -= np.add.reduceat(scale * mean, starts)[:, None] * both
    return sums, np.add.reduceat(varies.astype(np.int64), starts)


def _paired(labels: Ints) -> Bools:
    """Rows whose label some other row shares (a run of neighbours when ``labels`` are sorted)."""
    n = len(labels)
    if n > 1 and bool((labels[1:] >= labels[:-1]).all()):  # the study's blocks: one pass
        same = labels[1:] == labels[:-1]
        out = np.zeros(n, dtype=bool)
        out[1:] = same
        out[:-1] |= same
        return out
    _, where_, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    out_: Bools = sizes[where_.ravel()] > 1
    return out_


def _pearson_matched(
    ra: Floats, ka: npt.NDArray[np.int32], rb: Floats, kb: npt.NDArray[np.int32], min_overlap: int
) -> Floats:
    """Correlation of each pair of rows (``ra[p]``, ``rb[p]``) over the dates both have.

    A side has a value where its date ``k`` is not -1; along a row the dates
    rise. Each of ``a``'s dates is looked up among ``b``'s in one
    ``searchsorted``: ``b``'s dates, holes filled with the date before them
    and row ``p`` offset by ``p << 32``, form one ascending array, where the
    first cell equal to a date is ``b``'s own cell for it. The pairs stay
    (P, W) arrays, so the sums are row reductions.
    """
    pairs, width = ka.shape
    if not pairs:
        return np.zeros(0)
    at, both = _match_by_table(ka, kb) or _match_by_search(ka, kb)
    a = np.where(both, ra, 0.0)
    b = np.where(both, rb.ravel()[at].reshape(pairs, width), 0.0)
    n = np.count_nonzero(both, axis=1)
    safe = np.maximum(n, 1).astype(np.float64)
    a -= (a.sum(axis=1) / safe)[:, None]
    a *= both
    b -= (b.sum(axis=1) / safe)[:, None]
    b *= both
    sab = np.einsum("ij,ij->i", a, b)
    saa = np.einsum("ij,ij->i", a, a)
    sbb = np.einsum("ij,ij->i", b, b)
    ok = (n >= min_overlap) & (saa > 0) & (sbb > 0)
    out: Floats = sab[ok] / np.sqrt(saa[ok] * sbb[ok])
    return out


def _match_by_search(ka: npt.NDArray[np.int32], kb: npt.NDArray[np.int32]) -> tuple[Ints, Bools]:
    """For each cell of ``ka``: the flat position in ``kb`` of the same date, and whether it has one.

    ``b``'s dates, holes filled with the date before them and row ``p``
    offset by ``p << 32``, form one ascending array, where the first cell
    equal to a date is ``b``'s own cell for it: one ``searchsorted``.
    """
    pairs, width = ka.shape
    shift = (np.arange(pairs, dtype=np.int64) << 32)[:, None]
    filled = np.maximum.accumulate(kb, axis=1).astype(np.int64)
    filled += shift
    flat = filled.ravel()
    wanted = (ka.astype(np.int64) + shift).ravel()
    at = np.searchsorted(flat, wanted)
    np.minimum(at, flat.size - 1, out=at)
    both = flat[at] == wanted
    both &= ka.ravel() >= 0
    return at, both.reshape(pairs, width)


def _match_by_table(
    ka: npt.NDArray[np.int32], kb: npt.NDArray[np.int32]
) -> tuple[Ints, Bools] | None:
    """:func:`_match_by_search` through a table by day, when the pairs' dates span little.

    Each pair's ``b`` cells are written into a row of a (pairs, span) table
    indexed by date, and ``a``'s dates read it back: two passes, no binary
    search. ``None`` when some pair spans more than a few windows.
    """
    pairs, width = ka.shape
    has_a, has_b = ka >= 0, kb >= 0
    far = np.iinfo(np.int32).max
    lo = np.minimum(np.where(has_a, ka, far).min(axis=1), np.where(has_b, kb, far).min(axis=1))
    hi = np.maximum(ka.max(axis=1), kb.max(axis=1))
    lo = np.minimum(lo, hi).astype(np.int64)
    span = int((hi - lo).max()) + 1
    if span > 4 * width + 64:
        return None
    sink = span  # the column the missing cells write to and read from
    index = np.int32 if pairs * width < 2**31 else np.int64  # half the bytes to fill and read
    table = np.full((pairs, span + 1), -1, dtype=index)
    row = np.arange(pairs, dtype=index)[:, None]
    cell = np.where(has_b, kb - lo[:, None], sink)
    table[row, cell] = row * width + np.arange(width)
    table[:, sink] = -1
    at = table[row, np.where(has_a, ka - lo[:, None], sink)]
    both = at >= 0
    np.maximum(at, 0, out=at)
    return at.ravel(), both
