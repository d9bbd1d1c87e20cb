"""Where replications run: in this process, a local process pool, or a Dask cluster.

Each executor takes the study context once and a list of batches of ``(point, rep)`` tasks, and
yields lists of :class:`~openiads.runs.store.ReplicationResult` as batches finish, in whatever
order they finish (the store does not care: every replication carries its own seed).

:func:`plan_batches` cuts the task list with *guided* self-scheduling: large batches first to
amortise the per-task overhead, smaller ones at the end so that workers finish together.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import pickle
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from openiads.errors import InputError
from openiads.runs.store import ReplicationResult
from openiads.runs.worker import (
    StudyContext,
    init_pool_worker,
    run_batch,
    run_pool_batch,
    run_replication,
)

Batch = list[tuple[int, int]]


def plan_batches(
    tasks: list[tuple[int, int]], workers: int, *, max_batch: int = 64, per_worker: int = 4
) -> list[Batch]:
    """Cut ``tasks`` into batches of decreasing size (guided self-scheduling).

    Each batch takes ``ceil(remaining / (per_worker * workers))`` tasks, at most
    ``max_batch``, at least one.
    """
    out: list[Batch] = []
    i = 0
    n = len(tasks)
    w = max(1, workers)
    while i < n:
        size = max(1, min(max_batch, math.ceil((n - i) / (per_worker * w))))
        out.append(tasks[i : i + size])
        i += size
    return out


class Executor(Protocol):
    workers: int
    description: str

    def run(self, batches: list[Batch]) -> Iterator[list[ReplicationResult]]: ...

    def stop(self) -> list[list[ReplicationResult]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Runs batches one after another in this process (``--workers 1``)."""

    def __init__(self, ctx: StudyContext) -> None:
        self.ctx = ctx
        self.workers = 1
        self.description = "1 local process"

        self._partial: list[ReplicationResult] = []

    def run(self, batches: list[Batch]) -> Iterator[list[ReplicationResult]]:
        for batch in batches:
            self._partial = []
            for point, rep in batch:
                self._partial.append(run_replication(self.ctx, point, rep))
            done, self._partial = self._partial, []
            yield done

    def stop(self) -> list[list[ReplicationResult]]:
        """Replications of the interrupted batch that did finish."""
        done, self._partial = self._partial, []
        return [done] if done else []

    def close(self) -> None:
        pass


def _mp_context() -> Any:
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # Workers fork from a server that has imported the engine once and run one tiny
        # engagement (catalog and compiled kernels loaded; see runs/_warmup.py).
        ctx.set_forkserver_preload(
            [
                "openiads.runs.worker",
                "openiads.engine",
                "openiads.engine.core",
                "openiads.engine.summary",
                "openiads.scenario",
                "openiads.runs._warmup",
            ]
        )
        return ctx
    return mp.get_context("spawn")


def prestart_local_workers(workers: int | None, cluster: str | None) -> None:
    """Start the local workers' fork server now, if the study will use one, so that its
    imports and warm-up run while the study process is still loading the scenario."""
    if cluster or (workers if workers is not None else usable_cores()) < 2:
        return
    if _mp_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


class LocalExecutor:
    """A ``concurrent.futures.ProcessPoolExecutor`` of ``workers`` processes."""

    def __init__(self, ctx: StudyContext, workers: int) -> None:
        self.workers = workers
        self.description = f"{workers} local processes"
        payload = pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL)
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=_mp_context(),
            initializer=init_pool_worker,
            initargs=(payload,),
        )
        self.pending: set[Future[list[ReplicationResult]]] = set()

    def run(self, batches: list[Batch]) -> Iterator[list[ReplicationResult]]:
        self.pending = {self.pool.submit(run_pool_batch, b) for b in batches}
        while self.pending:
            done, _ = wait(self.pending, return_when=FIRST_COMPLETED)
            for fut in done:
                # A finished batch leaves ``pending`` only when handed over, so that after
                # Ctrl-C :meth:`stop` still collects the ones not yet stored.
                self.pending.discard(fut)
                yield fut.result()

    def stop(self) -> list[list[ReplicationResult]]:
        """Cancel batches not started; wait for running ones and return their results."""
        for fut in self.pending:
            fut.cancel()
        out = []
        for fut in self.pending:
            if fut.cancelled():
                continue
            try:
                out.append(fut.result())
            except Exception:  # a worker lost while stopping: its batch is simply rerun
                continue
        self.pending = set()
        return out

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def kill(self) -> None:
        """Stop now, abandoning running batches (second Ctrl-C)."""
        procs = list(getattr(self.pool, "_processes", {}).values())
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        self.pool.shutdown(wait=False, cancel_futures=True)


class DaskExecutor:
    """Runs batches on a Dask distributed cluster (``--cluster tcp://host:8786``)."""

    def __init__(self, ctx: StudyContext, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                "--cluster needs Dask distributed: pip install 'openiads[cluster]'"
            ) from None
        try:
            self.client = Client(address, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler: {exc}", field="--cluster") from None
        threads = sum(self.client.nthreads().values())
        self.workers = max(1, threads)
        self.description = f"Dask cluster {address} ({self.workers} worker threads)"
        # Ship the context to every worker once; tasks refer to it.
        self.ctx_future = self.client.scatter(ctx, broadcast=True, hash=False)
        self.pending: list[Any] = []

    def run(self, batches: list[Batch]) -> Iterator[list[ReplicationResult]]:
        from distributed import as_completed

        self.pending = [
            self.client.submit(run_batch, self.ctx_future, b, pure=False) for b in batches
        ]
        seq = as_completed(self.pending, loop=self.client.loop)
        for fut in seq:
            result = fut.result()
            self.pending.remove(fut)
            fut.release()
            yield result

    def stop(self) -> list[list[ReplicationResult]]:
        out = []
        for fut in self.pending:
            if fut.done() and fut.status == "finished":
                out.append(fut.result())
        self.client.cancel([f for f in self.pending if not f.done()])
        self.pending = []
        return out

    def close(self) -> None:
        self.client.close()


def usable_cores() -> int:
    """Cores this process may run on (CPU affinity respected), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def make_executor(ctx: StudyContext, *, workers: int | None, cluster: str | None) -> Any:
    """The executor a study asked for (``cluster`` wins over ``workers``)."""
    if cluster:
        return DaskExecutor(ctx, cluster)
    n = workers if workers is not None else usable_cores()
    if n < 1:
        raise InputError(f"--workers must be at least 1; got {n}", field="--workers")
    if n == 1:
        return SerialExecutor(ctx)
    return LocalExecutor(ctx, n)
