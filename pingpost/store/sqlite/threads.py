"""Off the event loop: one writer thread that commits in groups, and reader threads.

    loop ──► write(op) ──► queue ──► writer: BEGIN IMMEDIATE; op 1; op 2; ...
                                       the group's rollups; COMMIT (one fsync)
         ◄── each caller's future ◄──  resolved after the COMMIT, all at once

If an op fails, the group is rolled back and run again with a savepoint per op
(SAVEPOINT; op; RELEASE, or ROLLBACK TO on failure), so that the failing op
alone fails and its neighbours are written; ops succeed nearly always, so the
savepoints are paid only then.

Every op queued while a commit runs joins the next group, so 50 concurrent
auctions share a few fsyncs instead of paying one each. BEGIN IMMEDIATE takes
SQLite's write lock at once, which serialises the groups of several processes
(each waits up to the busy timeout). Readers have their own connections and
see every committed group (WAL).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pingpost.store.errors import StoreError
from pingpost.store.rollups import Rollups

T = TypeVar("T")
Connect = Callable[[], sqlite3.Connection]
Unavailable = Callable[[BaseException], StoreError]
MAX_GROUP = 512  # ops in one transaction at most


@dataclass(eq=False)
class Job(Generic[T]):
    """One op and the caller's future. `alone`: run outside any group transaction."""

    fn: Callable[..., T]
    future: asyncio.Future[T]
    loop: asyncio.AbstractEventLoop
    alone: bool = False
    result: Any = None
    error: BaseException | None = None
    rollups: Rollups = field(default_factory=Rollups)


class Writer:
    """The one thread that writes. `flush` writes a group's rollups before its COMMIT."""

    def __init__(
        self,
        connect: Connect,
        unavailable: Unavailable,
        flush: Callable[[sqlite3.Connection, Rollups], None],
    ) -> None:
        self._connect = connect
        self._unavailable = unavailable
        self._flush = flush
        self._queue: queue.SimpleQueue[Job[Any] | None] = queue.SimpleQueue()
        self._held: Job[Any] | None = None  # an `alone` job met while gathering a group
        self._thread = threading.Thread(target=self._run, name="pingpost-store-writer")
        self._thread.daemon = True
        self.groups = 0  # commits made (the benchmarks read these three)
        self.ops = 0
        self.cpu_s = 0.0  # the thread's CPU time, once it has ended
        self._thread.start()

    def submit(self, fn: Callable[..., T], *, alone: bool = False) -> asyncio.Future[T]:
        """Queue `fn(conn, rollups)` (or `fn(conn)` when alone); the future is its result."""
        loop = asyncio.get_running_loop()
        job: Job[T] = Job(fn, loop.create_future(), loop, alone)
        self._queue.put(job)
        return job.future

    def stop(self) -> None:
        """Finish the queued jobs, then end the thread (blocking: call it off the loop)."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        try:
            self._serve()
        finally:
            self.cpu_s = time.thread_time()

    def _serve(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:
            self._drain_failed(exc)
            return
        try:
            while True:
                job, self._held = (self._held, None) if self._held else (self._queue.get(), None)
                if job is None:
                    return
                if job.alone:
                    self._run_alone(conn, job)
                    continue
                group = [job]
                stop = self._gather(group)
                self._run_group(conn, group)
                if stop:
                    return
        finally:
            conn.close()

    def _gather(self, group: list[Job[Any]]) -> bool:
        """Add the jobs already queued (not `alone` ones: they wait); True if stop was queued."""
        while len(group) < MAX_GROUP:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return False
            if job is None:
                return True
            if job.alone:
                self._held = job  # runs right after this group, in its turn
                return False
            group.append(job)
        return False

    def _run_alone(self, conn: sqlite3.Connection, job: Job[Any]) -> None:
        try:
            job.result = job.fn(conn)
        except BaseException as exc:
            if conn.in_transaction:
                conn.rollback()
            job.error = self._error(exc)
        _deliver([job])

    def _run_group(self, conn: sqlite3.Connection, group: list[Job[Any]]) -> None:
        try:
            if not self._attempt(conn, group, careful=False):
                self._attempt(conn, group, careful=True)
            self.groups += 1
            self.ops += len(group)
        except BaseException as exc:
            if conn.in_transaction:
                conn.rollback()
            failure = self._error(exc)
            for job in group:
                if job.error is None:
                    job.error = failure
        _deliver(group)

    def _attempt(self, conn: sqlite3.Connection, group: list[Job[Any]], *, careful: bool) -> bool:
        """Run the group in one transaction and commit it. Not `careful`: without savepoints,
        and if an op fails, roll everything back and return False (to be run carefully, a
        savepoint per op, so that the failing op alone fails)."""
        conn.execute("BEGIN IMMEDIATE")
        for job in group:
            job.result, job.error, job.rollups = None, None, Rollups()
            if careful:
                self._run_one(conn, job)
                continue
            try:
                job.result = job.fn(conn, job.rollups)
            except Exception:
                if conn.in_transaction:
                    conn.rollback()
                return False
        rollups = Rollups()
        for job in group:
            if job.error is None:
                rollups.merge(job.rollups)
        if rollups:
            self._flush(conn, rollups)
        conn.execute("COMMIT")
        return True

    def _run_one(self, conn: sqlite3.Connection, job: Job[Any]) -> None:
        conn.execute("SAVEPOINT op")
        try:
            job.result = job.fn(conn, job.rollups)
        except sqlite3.Error as exc:
            if not conn.in_transaction:  # SQLite rolled the whole group back (disk full, I/O)
                raise
            conn.execute("ROLLBACK TO op")
            job.error = self._error(exc)
        except Exception as exc:
            conn.execute("ROLLBACK TO op")
            job.error = exc
        conn.execute("RELEASE op")

    def _error(self, exc: BaseException) -> BaseException:
        if isinstance(exc, sqlite3.Error):
            return self._unavailable(exc)
        return exc

    def _drain_failed(self, exc: BaseException) -> None:
        failure = self._error(exc)
        while True:
            job = self._queue.get()
            if job is None:
                return
            job.error = failure
            _deliver([job])


def _deliver(jobs: list[Job[Any]]) -> None:
    """Resolve the callers' futures on their loops, one wake-up per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[Job[Any]]] = {}
    for job in jobs:
        by_loop.setdefault(job.loop, []).append(job)
    for loop, batch in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_settle, batch)


def _settle(jobs: list[Job[Any]]) -> None:
    for job in jobs:
        if job.future.done():  # the caller was cancelled; the write still happened
            continue
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.result)


class Readers:
    """A few threads, each with its own connection, answering read ops in order of arrival."""

    def __init__(self, connect: Connect, unavailable: Unavailable, count: int = 2) -> None:
        self._connect = connect
        self._unavailable = unavailable
        self._queue: queue.SimpleQueue[Job[Any] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name=f"pingpost-store-reader-{i}", daemon=True)
            for i in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        job: Job[T] = Job(fn, loop.create_future(), loop)
        self._queue.put(job)
        return job.future

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while (job := self._queue.get()) is not None:
                try:
                    if conn is None:
                        conn = self._connect()
                    conn.execute("BEGIN")  # one snapshot for the whole op
                    try:
                        job.result = job.fn(conn)
                    finally:
                        conn.rollback()
                except sqlite3.Error as exc:
                    job.error = self._unavailable(exc)
                except Exception as exc:
                    job.error = exc
                _deliver([job])
        finally:
            if conn is not None:
                conn.close()
