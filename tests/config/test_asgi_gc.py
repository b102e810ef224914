"""The ASGI process keeps what it loaded out of the garbage collector's full passes, and collects its
youngest generation seldom, sweeping the oldest as connections churn."""

import gc


def test_the_asgi_process_freezes_what_it_loaded_and_collects_the_young_generation_seldom():
    from config.asgi import GC_MIDDLE_THRESHOLD, GC_OLD_THRESHOLD, GC_YOUNG_THRESHOLD, garbage_collector_tune

    thresholds = gc.get_threshold()
    gc.unfreeze()
    try:
        garbage_collector_tune()  # what importing config.asgi does

        assert gc.get_freeze_count() > 10_000  # Django and the apps, not scanned by each full pass
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, GC_MIDDLE_THRESHOLD, GC_OLD_THRESHOLD)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


class _ClosedSocket:
    """Like a closed feed connection: a cycle (autobahn's protocol holds itself through is_closed), with
    objects of its own hanging from it, that only a collection frees."""

    def __init__(self) -> None:
        self.itself = self
        self.state: list[list[object]] = [[] for _ in range(20)]


def test_cycles_left_by_churned_connections_are_swept_from_the_oldest_generation_without_being_asked():
    from collections import deque

    from config.asgi import garbage_collector_tune

    thresholds = gc.get_threshold()
    gc.unfreeze()
    try:
        garbage_collector_tune()
        full_collections = gc.get_stats()[2]["collections"]
        open_sockets: deque[_ClosedSocket] = deque(maxlen=2000)
        for _ in range(60_000):  # 1.3 million objects; each socket outlives a young collection or two
            open_sockets.append(_ClosedSocket())

        assert gc.get_stats()[2]["collections"] >= full_collections + 2
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
