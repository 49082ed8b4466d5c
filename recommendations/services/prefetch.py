"""Run a generator in a background thread, a few items ahead of the loop that consumes it.

Used where numpy work (which releases the GIL) can overlap with a database write: publishing
ranks the next block of users while PostgreSQL stores the previous one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class prefetched(Iterator[T], Generic[T]):  # lower case: used like a function, `with prefetched(items) as it`
    """Iterate `items` as a background thread produces them, at most `depth` ahead; its errors re-raise here.

    The thread starts at once, so the caller can do other work while the first items are made. Use it
    in a `with` block (or call `close`) so a consumer that stops early releases the producer.
    """

    def __init__(self, items: Iterable[T], depth: int = 2) -> None:
        self._buffer: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(items,), name="prefetch", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, items: Iterable[T]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
            self._put(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            self._put(_Failed(error))

    def __next__(self) -> T:
        if self._stop.is_set():
            raise StopIteration
        item = self._buffer.get()
        if item is _DONE:
            self.close()
            raise StopIteration
        if isinstance(item, _Failed):
            self.close()
            raise item.error
        return item

    def close(self) -> None:
        """Stop the producer (after the item it is making) and wait for its thread."""
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> prefetched[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
