"""Converting money between currencies with the closes of FX pairs. No Django.

A pair BASEQUOTE (EURUSD, USDJPY, EURGBP) is priced in QUOTE per one BASE, so an amount in BASE
times the close is the amount in QUOTE, and an amount in QUOTE divided by it is in BASE. A
currency with no pair of its own to the target goes through the fewest pairs that link them
(JPY to GBP: 1 / GBPJPY when given, else through USD: 1 / USDJPY / GBPUSD).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import numpy as np


class MissingRate(ValueError):
    """No chain of the given pairs links the two currencies."""


Rate = float | np.ndarray


def fx_rate(source: str, target: str, closes: Mapping[str, Rate]) -> Rate:
    """Units of `target` per unit of `source` from the closes of six-letter pairs.

    The closes may be floats (one moment) or aligned arrays (a series, one value per bar): the
    result has the same shape. Raises MissingRate when no chain of pairs links the currencies,
    ValueError on a non-positive or non-finite close it would use.
    """
    if source == target:
        return 1.0
    steps = _path(source, target, closes)
    rate: Rate = 1.0
    for pair, inverted in steps:
        close = closes[pair]
        values = np.asarray(close, dtype=np.float64)
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise ValueError(f"The {pair} close must be a positive number to convert {source} to {target}.")
        rate = rate / close if inverted else rate * close
    return rate


def _path(source: str, target: str, closes: Mapping[str, Rate]) -> list[tuple[str, bool]]:
    """The pairs from `source` to `target` (breadth first: the fewest), each with whether to divide by it."""
    links: dict[str, list[tuple[str, str, bool]]] = {}
    for pair in closes:
        if len(pair) != 6:
            continue
        base, quote = pair[:3], pair[3:]
        links.setdefault(base, []).append((quote, pair, False))  # BASE -> QUOTE: times the close
        links.setdefault(quote, []).append((base, pair, True))  # QUOTE -> BASE: divided by it
    came_from: dict[str, tuple[str, str, bool]] = {}
    queue = deque([source])
    seen = {source}
    while queue:
        currency = queue.popleft()
        if currency == target:
            steps = []
            while currency != source:
                previous, pair, inverted = came_from[currency]
                steps.append((pair, inverted))
                currency = previous
            return steps[::-1]
        for following, pair, inverted in links.get(currency, []):
            if following not in seen:
                seen.add(following)
                came_from[following] = (currency, pair, inverted)
                queue.append(following)
    raise MissingRate(f"No FX close converts {source} to {target}: give {source}{target}, {target}{source} "
                      f"or pairs through a common currency such as USD.")
