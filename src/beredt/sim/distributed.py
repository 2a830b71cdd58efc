"""Scenario chunks on a Dask cluster: the chunk kernel mapped over workers (DESIGN.md §1, §6).

Every random number of the simulation is a pure function of (seed, scenario index, stream, …)
and statistics are reduced over fixed blocks of scenarios in order, so a chunk of scenarios can
run on any worker and the numbers are the same as in a run on one machine (tested). What
outgrows one machine — scenario libraries, budget sweeps, back-tests and sensitivity runs — is
fanned out over ``dask.distributed``:

* :func:`scenario_chunks` maps :func:`beredt.sim.engine.run_scenarios` over scenario chunks and
  yields the chunk outputs in scenario order (on the active client's workers, else here);
  :func:`beredt.sim.simulate` and the optimiser's option evaluation reduce them as they come.
* :func:`session` makes a client active for a block of code in this thread (a server's job
  threads each their own; see :class:`beredt.app.jobs.JobRunner`): ``None`` runs in this process,
  ``"local"`` (or ``"local:N"``) starts a ``LocalCluster`` of N worker processes (default one
  per core) and closes it at the end, any other string is the address of a running scheduler
  (``tcp://host:8786``). The command line's ``--scheduler`` option is this argument.

Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in its workers' environment. Setting any of
glibc's malloc thresholds switches off its dynamic mmap threshold, so every allocation above
128 KiB is mapped and unmapped again (with its page faults), which slowed an allocation-heavy
kernel here by 29 % (DESIGN.md §6). Local workers are therefore spawned without it
(:data:`WORKER_ENVIRON`); ``benchmarks/eu_bench.py`` measures the difference. Workers of a
cluster started elsewhere should be started the same way (``dask config``:
``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from beredt.errors import InvalidInput, Unavailable
from beredt.sim.engine import REDUCTION_BLOCK, ChunkOutput, run_scenarios
from beredt.sim.model import CompiledModel

if TYPE_CHECKING:
    from distributed import Client

#: The ``--scheduler`` value that starts a LocalCluster on this machine.
LOCAL = "local"
#: Environment of the local worker processes, set before they start (None: leave unset).
WORKER_ENVIRON: dict[str, str | None] = {
    "MALLOC_TRIM_THRESHOLD_": None,
    # one task per worker thread, each running the kernel on one thread
    "NUMBA_NUM_THREADS": "1",
}
#: Chunks per worker thread a run is cut into at least (load balance on uneven chunks).
CHUNKS_PER_THREAD = 4
#: Seconds to wait for a scheduler to answer before saying that none does.
CONNECT_TIMEOUT_S = 10

# Per thread: a server's request threads must not pick up the cluster of a job running beside
# them, and two jobs may run on different clients.
_ACTIVE = threading.local()


def _stack() -> list[Client]:
    stack: list[Client] | None = getattr(_ACTIVE, "clients", None)
    if stack is None:
        stack = _ACTIVE.clients = []
    return stack


def active_client() -> Client | None:
    """The client that :func:`scenario_chunks` uses by default in this thread (innermost
    :func:`use_client`)."""
    stack = _stack()
    return stack[-1] if stack else None


@contextmanager
def use_client(client: Client) -> Iterator[Client]:
    """Run the simulations of the enclosed block, in this thread, on `client`'s workers."""
    stack = _stack()
    stack.append(client)
    try:
        yield client
    finally:
        stack.pop()


def parse_local(scheduler: str) -> int | None:
    """Workers asked for by ``local`` (None: one per core) or ``local:N`` (N); error otherwise."""
    if scheduler == LOCAL:
        return None
    head, _, count = scheduler.partition(":")
    if head != LOCAL or not count.isdigit() or int(count) < 1:
        raise InvalidInput(
            f"--scheduler {scheduler!r}: not a local cluster (local, or local:N with N ≥ 1 "
            "worker processes)"
        )
    return int(count)


def is_local(scheduler: str) -> bool:
    """Whether `scheduler` asks for a LocalCluster (``local`` or ``local:N``)."""
    try:
        parse_local(scheduler)
    except InvalidInput:
        return False
    return True


def check_scheduler(scheduler: str | None) -> None:
    """Fail now, with the reason, if `scheduler` is neither a local cluster nor an address where
    something answers (a server checks before it starts rather than on its first job)."""
    if scheduler is not None and not is_local(scheduler):
        _probe(scheduler)


def local_cluster(
    workers: int | None = None,
    *,
    threads_per_worker: int = 1,
    environ: dict[str, str | None] | None = None,
    processes: bool = True,
) -> Any:
    """A LocalCluster of `workers` processes (default: one per core) with :data:`WORKER_ENVIRON`.

    `environ` replaces the worker environment (e.g. Dask's default ``MALLOC_TRIM_THRESHOLD_``,
    to measure its effect). `processes=False` keeps the workers in this process (tests).
    """
    import dask
    from distributed import LocalCluster

    n = workers or max(1, len(os.sched_getaffinity(0)))
    env = WORKER_ENVIRON if environ is None else environ
    settings = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in env.items()}
    with dask.config.set(settings):
        return LocalCluster(
            n_workers=n,
            threads_per_worker=threads_per_worker,
            processes=processes,
            dashboard_address=":0",  # no fixed port: clusters side by side
            silence_logs=logging.ERROR,
        )


@contextmanager
def connect(scheduler: str | None) -> Iterator[Client | None]:
    """A client for `scheduler` (see the module notes), closed at the end; None for None."""
    if scheduler is None:
        yield None
        return
    from distributed import Client

    if is_local(scheduler):
        cluster = local_cluster(parse_local(scheduler))
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    _probe(scheduler)
    try:
        client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except OSError as exc:
        raise Unavailable(
            f"--scheduler {scheduler}: no Dask scheduler answered within {CONNECT_TIMEOUT_S} s "
            f"({exc})"
        ) from exc
    with client:
        yield client


def _probe(scheduler: str) -> None:
    """Check the address before a client is made: a client that fails half-way leaves Dask's
    shared event loop to a later client in a state that can hang it (seen in tests)."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    if scheduler.partition(":")[0] == LOCAL:
        parse_local(scheduler)  # local with a bad count: says what is wrong
    try:
        scheme, location = parse_address(scheduler)
        host_port = parse_host_port(location) if scheme in ("tcp", "tls") else None
    except ValueError as exc:
        raise InvalidInput(
            f"--scheduler {scheduler!r}: not a Dask scheduler address ({exc}); use local, "
            "local:N or tcp://HOST:PORT"
        ) from exc
    if host_port is not None:
        try:
            socket.create_connection(host_port, timeout=CONNECT_TIMEOUT_S).close()
        except OSError as exc:
            raise Unavailable(
                f"--scheduler {scheduler}: no Dask scheduler answers at {host_port[0]} port "
                f"{host_port[1]} ({exc})"
            ) from exc


@contextmanager
def session(scheduler: str | None) -> Iterator[Client | None]:
    """Connect to `scheduler` and make the client active for the enclosed block."""
    with connect(scheduler) as client:
        if client is None:
            yield None
        else:
            with use_client(client):
                yield client


def _run_chunk(model: CompiledModel, seed: int, first: int, count: int) -> ChunkOutput:
    """The chunk kernel as a Dask task: one kernel thread per task (the worker runs several)."""
    return run_scenarios(model, seed, first, count, threads=1)


def chunk_rows(n: int, rows: int, threads: int) -> int:
    """Scenarios per chunk on `threads` worker threads: at most `rows`, and small enough for
    :data:`CHUNKS_PER_THREAD` chunks per thread; a multiple of the reduction block."""
    want = -(-n // max(1, CHUNKS_PER_THREAD * threads))
    out = max(REDUCTION_BLOCK, min(rows, want))
    return int(-(-out // REDUCTION_BLOCK) * REDUCTION_BLOCK)


def _local_chunks(
    model: CompiledModel, seed: int, n: int, rows: int
) -> Iterator[tuple[int, ChunkOutput]]:
    """Chunks simulated here, the next one while the caller reduces the last (a thread ahead)."""
    from concurrent.futures import ThreadPoolExecutor

    starts = list(range(0, n, rows))
    with ThreadPoolExecutor(max_workers=1) as ahead:
        job = ahead.submit(run_scenarios, model, seed, 0, min(rows, n))
        for i, first in enumerate(starts):
            out = job.result()
            if i + 1 < len(starts):
                nxt = starts[i + 1]
                job = ahead.submit(run_scenarios, model, seed, nxt, min(rows, n - nxt))
            yield first, out


def scenario_chunks(
    model: CompiledModel,
    seed: int,
    n: int,
    rows: int,
    client: Client | None = None,
) -> Iterator[tuple[int, ChunkOutput]]:
    """(first scenario, outputs) of scenarios 0 … n − 1 in chunks of at most `rows`, in order.

    On `client` (default: the active one) the chunks run on its workers, a bounded number at a
    time so that finished outputs do not pile up; without one they run here, on threads, one
    chunk ahead of the caller.
    """
    client = client if client is not None else active_client()
    if client is None:
        yield from _local_chunks(model, seed, n, rows)
        return
    threads = max(1, sum(client.nthreads().values()))
    step = chunk_rows(n, rows, threads)
    [shared] = client.scatter([model], broadcast=True)
    pending: deque[tuple[int, Any]] = deque()
    starts = iter(range(0, n, step))
    try:
        for first in starts:
            count = min(step, n - first)
            pending.append((first, client.submit(_run_chunk, shared, seed, first, count)))
            if len(pending) >= 2 * threads:
                break
        while pending:
            first, future = pending.popleft()
            out = future.result()
            future.release()
            nxt = next(starts, None)
            if nxt is not None:
                count = min(step, n - nxt)
                pending.append((nxt, client.submit(_run_chunk, shared, seed, nxt, count)))
            yield first, out
    finally:
        for _, future in pending:
            future.cancel()
        shared.release()
