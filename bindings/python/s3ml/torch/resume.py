"""Resume arithmetic of :class:`s3ml.torch.S3IterableDataset`: the state format, the
per-worker sample counts a consumer has taken after N batches of a DataLoader, and
skipping them again when the next iteration starts.

A state records, for each of the ``num_workers`` readers of one rank, how many of its
samples the consumer received (``consumed``). A reader is one (rank, worker) pair and
reads its own share of the shards (reader ``rank * num_workers + worker_id`` of
``world_size * num_workers``), so resuming is: every worker skips its ``consumed``
count and continues. Pure Python (no torch, no I/O): tests check it directly.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

__all__ = ["STATE_VERSION", "make_state", "check_state", "skip_counts", "skip_samples", "consumed_per_worker"]

STATE_VERSION = 1


def make_state(epoch: int, rank: int, world_size: int, consumed: Sequence[int], config: Dict[str, Any],
               reader_state: Any = None) -> Dict[str, Any]:
    """The JSON-serializable state of one rank: `consumed` has one count per worker."""
    st = {
        "version": STATE_VERSION,
        "epoch": int(epoch),
        "rank": rank,
        "world_size": world_size,
        "num_workers": len(consumed),
        "consumed": [int(c) for c in consumed],
        "config": config,
    }
    if reader_state is not None:
        st["reader_state"] = reader_state
    return st


def check_state(state: Any, rank: int, world_size: int, config: Dict[str, Any]) -> None:
    """ValueError unless `state` is a well-formed state of this rank, world size and
    configuration (the dataset's fingerprint)."""
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise ValueError("load_state_dict: not an S3IterableDataset state (missing or unknown 'version')")
    for k in ("epoch", "num_workers", "consumed", "world_size", "rank", "config"):
        if k not in state:
            raise ValueError(f"load_state_dict: state has no {k!r}")
    if len(state["consumed"]) != state["num_workers"]:
        raise ValueError("load_state_dict: 'consumed' must have one count per worker")
    if state["world_size"] != world_size or state["rank"] != rank:
        raise ValueError(
            f"load_state_dict: the state is for rank {state['rank']} of {state['world_size']}, "
            f"this process is rank {rank} of {world_size}")
    theirs = state["config"]
    diff = [k for k in config if theirs.get(k) != config[k]]
    if diff:
        raise ValueError(f"load_state_dict: the state was taken with different {', '.join(diff)}")


def skip_counts(state: Dict[str, Any], n: int) -> List[int]:
    """The per-worker skip counts of a loaded state for a run with n workers. A
    state at the very start of its epoch fits any number of workers."""
    consumed = [int(c) for c in state["consumed"]]
    if not any(consumed):
        return [0] * n
    if state["num_workers"] != n:
        raise ValueError(
            f"load_state_dict: the state was taken with num_workers={state['num_workers']}, "
            f"the DataLoader has {n} (resume with the same number of workers)")
    return consumed


def skip_samples(reader: Any, n: int) -> None:
    """Advances `reader` by n samples (fewer at the end of the epoch) without
    handing them to Python code: the C++ reader still fetches their shards."""
    batch = getattr(reader, "next_batch", None)
    while n > 0:
        if batch is not None:
            got = len(batch(min(n, 1024)))
            if got == 0:
                return
            n -= got
        else:
            if next(reader, None) is None:
                return
            n -= 1


def consumed_per_worker(batches: int, totals: Sequence[Optional[int]], batch_size: int,
                        drop_last: bool) -> List[int]:
    """Samples the consumer took from each worker after `batches` batches of a
    multi-worker DataLoader over an IterableDataset.

    torch's DataLoader hands out batches in round-robin worker order (0, 1, ...,
    N-1, 0, ...); a worker whose iterator is exhausted leaves the rotation and the
    others keep their relative order. Worker w yields ceil(T_w / B) batches
    (floor with drop_last) where T_w is its sample count; `totals[w]` is T_w for a
    worker known to be exhausted and None for one still running (it is then still
    in the rotation: the DataLoader can only skip a worker after it reported its end,
    which happens after the worker recorded its total)."""
    n = len(totals)
    nb: List[float] = []
    for t in totals:
        if t is None:
            nb.append(math.inf)
        else:
            nb.append(t // batch_size if drop_last else -(-t // batch_size))
    taken = [0] * n
    remaining = batches
    done_rounds = 0
    while remaining > 0:
        active = [w for w in range(n) if nb[w] > done_rounds]
        if not active:
            raise RuntimeError(
                f"s3ml.torch: the consumer took {batches} batches but the workers produced fewer; "
                "state tracking is out of step with the DataLoader")
        # Full rounds that can run before the next worker drops out.
        horizon = min(nb[w] for w in active)
        full = min(remaining // len(active), horizon - done_rounds) if horizon != math.inf else remaining // len(active)
        full = int(full)
        if full > 0:
            for w in active:
                taken[w] += full
            remaining -= full * len(active)
            done_rounds += full
            continue
        for w in active:  # a partial round
            if remaining == 0:
                break
            taken[w] += 1
            remaining -= 1
        done_rounds += 1
    samples = []
    for w in range(n):
        s = taken[w] * batch_size
        if totals[w] is not None:
            s = min(s, totals[w])
        samples.append(s)
    return samples
