"""Threaded stages joined by bounded queues, so decoding, pose inference and
overlay+encoding overlap and throughput approaches the slowest stage (inference).

MediaPipe and OpenCV release the GIL while they work, so plain threads overlap well.
Queues are bounded: a slow consumer stalls its producer instead of filling memory.
Order is kept (one thread per stage, FIFO queues), so a pipelined run produces the
same frames in the same order as a sequential one. With `threaded=False` every helper
runs inline in the caller's thread: the reference path that tests compare against.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Generic, Iterable, Iterator, TypeVar

T = TypeVar("T")

QUEUE_FRAMES = 8            # frames buffered between two stages (640x480 BGR: ~1 MB each)
_POLL_S = 0.1               # how often a blocked thread checks whether it should stop
_END = object()             # end-of-stream marker


def _join(thread: threading.Thread | None, ended: threading.Event,
          on_interrupt: Callable[[], object] = lambda: None) -> None:
    """Wait until `thread` has ended (it sets `ended` last), even through Ctrl-C (then
    `on_interrupt()` is called, to make it end sooner): the caller's clean-up next closes what
    the thread uses (the video, the writer). An interrupt is raised again once it has ended.
    Not Thread.join: a Ctrl-C inside it marks a running thread as stopped (CPython 3.11)."""
    interrupted: BaseException | None = None
    while thread is not None and thread.ident is not None and not ended.is_set():
        try:
            ended.wait(_POLL_S)
        except KeyboardInterrupt as e:
            interrupted = e
            on_interrupt()
    if interrupted is not None:
        raise interrupted


class _Failure:
    """An exception raised in a worker thread, carried to the consumer."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _put(q: queue.Queue, item: object, stop: threading.Event) -> bool:
    """Put, waking up now and then to see whether the other side gave up. False: stopped."""
    while not stop.is_set():
        try:
            q.put(item, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False


class Prefetch(Generic[T]):
    """Iterate `source` in a background thread, `maxsize` items ahead of the consumer.

    Use as a context manager; leaving it early (break, error, Ctrl-C) stops the thread.
    An exception raised by `source` is re-raised in the consumer at the point it occurred.
    """

    def __init__(self, source: Iterable[T], maxsize: int = QUEUE_FRAMES, threaded: bool = True,
                 name: str = "prefetch") -> None:
        self._source = source
        self._threaded = threaded
        self._q: queue.Queue = queue.Queue(maxsize=max(1, maxsize))
        self._stop = threading.Event()
        self._ended = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True) if threaded else None

    def _run(self) -> None:
        try:
            for item in self._source:
                if not _put(self._q, item, self._stop):
                    return
            _put(self._q, _END, self._stop)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            _put(self._q, _Failure(e), self._stop)
        finally:
            self._ended.set()

    def __iter__(self) -> Iterator[T]:
        if not self._threaded:
            yield from self._source
            return
        while True:
            item = self._q.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item

    def __enter__(self) -> "Prefetch[T]":
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the producer and wait for it (it finishes the item it is making)."""
        self._stop.set()
        _join(self._thread, self._ended)


class Sink(Generic[T]):
    """Call `fn(item)` for every `put(item)` in a background thread, in order.

    `put` blocks when `maxsize` items wait. An exception raised by `fn` stops the sink
    and is re-raised by the next `put` or by `close`. Use as a context manager: leaving
    it normally drains the queue; leaving it with an exception drains it too, so every
    frame handed over is still written (a partial annotated video stays consistent
    with the partial report). Ctrl-C while it drains drops what still waits; either way the
    worker has ended when `close` returns or raises, before the caller closes what it uses.
    """

    def __init__(self, fn: Callable[[T], None], maxsize: int = QUEUE_FRAMES, threaded: bool = True,
                 name: str = "sink") -> None:
        self._fn = fn
        self._threaded = threaded
        self._q: queue.Queue = queue.Queue(maxsize=max(1, maxsize))
        self._stop = threading.Event()
        self._abandon = threading.Event()     # interrupted while draining: drop what still waits
        self._ended = threading.Event()
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True) if threaded else None

    def _run(self) -> None:
        try:
            self._work()
        finally:
            self._ended.set()

    def _work(self) -> None:
        while True:
            try:
                item = self._q.get(timeout=_POLL_S)
            except queue.Empty:
                if self._abandon.is_set():
                    return
                continue
            if item is _END or self._abandon.is_set():
                return
            if self._error is not None:
                continue                      # drain without working after a failure
            try:
                self._fn(item)
            except BaseException as e:  # noqa: BLE001 - handed to the producer
                self._error = e
                self._stop.set()

    def put(self, item: T) -> None:
        if self._error is not None:
            raise self._error
        if not self._threaded:
            self._fn(item)
            return
        if not _put(self._q, item, self._stop) and self._error is not None:
            raise self._error

    def close(self) -> None:
        """Wait until every item put so far is handled; re-raise the worker's error."""
        if self._closed:
            return
        self._closed = True
        try:
            while self._thread is not None and self._thread.ident is not None and not self._ended.is_set():
                try:
                    self._q.put(_END, timeout=_POLL_S)
                    break
                except queue.Full:
                    continue
        except KeyboardInterrupt:
            self._abandon.set()
            _join(self._thread, self._ended)
            raise
        _join(self._thread, self._ended, on_interrupt=self._abandon.set)   # Ctrl-C while draining: finish the item in hand only
        if self._error is not None:
            raise self._error

    def __enter__(self) -> "Sink[T]":
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            try:
                self.close()
            except BaseException:  # noqa: BLE001 - the original exception matters more
                pass
