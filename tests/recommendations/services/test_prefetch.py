"""The background producer publishing uses to rank the next block while the database stores one."""

import threading
import time

import pytest

from recommendations.services.prefetch import prefetched


def test_items_arrive_in_order_from_another_thread():
    producers = set()

    def produce():
        for n in range(20):
            producers.add(threading.current_thread().name)
            yield n

    assert list(prefetched(produce(), depth=2)) == list(range(20))
    assert producers == {"prefetch"}


def test_a_producer_error_is_raised_where_the_items_are_consumed():
    def produce():
        yield 1
        raise ValueError("block 2 is broken")

    consumed = []
    with pytest.raises(ValueError, match="block 2 is broken"):
        for item in prefetched(produce()):
            consumed.append(item)
    assert consumed == [1]


def test_a_consumer_that_stops_early_releases_the_producer():
    produced = []

    def produce():
        for n in range(1000):
            produced.append(n)
            yield n

    with prefetched(produce(), depth=1) as items:
        assert next(items) == 0
    # as when the database write fails part way: the block exits and the producer stops

    time.sleep(0.3)
    assert len(produced) < 10 and not any(t.name == "prefetch" for t in threading.enumerate())


def test_the_producer_starts_before_the_first_item_is_asked_for():
    started = threading.Event()

    def produce():
        started.set()
        yield 1

    with prefetched(produce()) as items:
        assert started.wait(timeout=5)
        assert list(items) == [1]
