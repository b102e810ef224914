"""The ASGI process keeps what it loaded out of the garbage collector's full passes, and collects its
youngest generation seldom."""

import gc


def test_the_asgi_process_freezes_what_it_loaded_and_collects_the_young_generation_seldom():
    from config.asgi import GC_YOUNG_THRESHOLD, garbage_collector_tune

    thresholds = gc.get_threshold()
    gc.unfreeze()
    try:
        garbage_collector_tune()  # what importing config.asgi does

        assert gc.get_freeze_count() > 10_000  # Django and the apps, not scanned by each full pass
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 20, 20)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
