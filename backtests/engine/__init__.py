"""The backtest engine: a strategy over one instrument's closed bars, bar by bar, filled by the paper broker.

Pure (numpy, the signal engine and the paper broker; no Django, no clock, no I/O):

- `strategies`: what a strategy is (`Intent`s decided at a bar's close from the bars up to it), the
  shipped confluence strategy (the live engine's own `analyse`) and a moving-average cross.
- `simulation`: `backtest_run`, the bar-by-bar loop: intents become paper-broker orders that fill from
  the next bar on (market at the open with spread, slippage and commission; brackets with the
  signal's stop and targets), one net position, the equity marked at every close, the trade list.
- `sizing`: how many units an entry buys (all the cash, or a fixed risk to the stop).
- `optimisation`, `walk_forward`, `monte_carlo`: parameter search, out-of-sample walk-forward, and
  resampling of trades and returns.
The metrics of a run are in `backtests.metrics`.
"""
