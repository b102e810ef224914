"""ASGI entry point: HTTP through Django, WebSocket through Channels (see config/websocket.py).

The garbage collector is tuned for a live-feed process, whose full collections took 120 to 290 ms
(the p99 of its deliveries, measured with bench/bench_feed.py at 1,000 clients): once the application
is built, what the process allocated so far (Django, the URL conf, the apps: about 180,000 objects)
is moved out of its sight (`gc.freeze`; reference counting still frees them, only cycles among them
would stay), and the youngest generation is collected after GC_YOUNG_THRESHOLD allocations instead of
700, so that a frame's short-lived objects are freed before a collection promotes them. p99 went from
333 to 445 ms to 146 to 265 ms (with the batched receive of signals/feed_hub.py).

A closed socket leaves a cycle behind (autobahn resolves its protocol's `is_closed` with the protocol
itself, and daphne's and Twisted's objects hang from it: about 90 objects a connection), which only a
collection frees; connections that lived some seconds are in the oldest generation by then. With
threshold2 at 1, a full collection follows every second collection of the middle generation (when
what reached the oldest since the last one is a quarter of what lives there: CPython's rule), so under
churn the oldest generation is swept about every 40 s and memory levels off. At 20, as before, it was
swept every hour or so: bench/soak_feed.py (100 reconnects a second) saw the servers' RSS grow 50 MiB a
minute (+21.7% in 3 minutes), where it now levels off after about a minute (+1.1% over the last two).
Without churn (bench_feed.py) little reaches the oldest generation and the p99 stays as it was.

And autobahn (daphne's WebSocket protocol) formats the arguments of a debug line on every frame it
sends, colouring them with click, whether or not debug lines are logged: 16% of the feed process's CPU
at 1,000 clients (py-spy). `autobahn_frame_log_plain` hands those arguments over unformatted.
"""

import gc
import os

import autobahn.websocket.protocol
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.websocket import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application})

GC_YOUNG_THRESHOLD = 10_000
GC_MIDDLE_THRESHOLD = 10  # young collections before a middle one
GC_OLD_THRESHOLD = 1  # middle collections before a full one (see above)


def garbage_collector_tune() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, GC_MIDDLE_THRESHOLD, GC_OLD_THRESHOLD)


def autobahn_frame_log_plain() -> None:
    """`WebSocketProtocol.sendData` calls `log.debug(..., func=hltype(self.sendData), peer=hlval(self.peer),
    data_len=hlval(len(data)))` for each frame: the module's two formatters become the identity (a debug
    line, when enabled, shows the values without colour)."""
    autobahn.websocket.protocol.hltype = _unformatted  # type: ignore[assignment]
    autobahn.websocket.protocol.hlval = _unformatted  # type: ignore[assignment]


def _unformatted(value: object, *args: object, **kwargs: object) -> object:
    return value


garbage_collector_tune()
autobahn_frame_log_plain()
