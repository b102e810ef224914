"""The confluence engine: pure computation over numpy arrays and dataclasses. No Django here.

`signals.engine.analysis.analyse` turns the closed bars of one instrument (and its higher timeframe)
into a SignalDraft, or None; the other modules are its parts (indicators, votes, levels, outcomes).
The same code runs live and in backtests: a backtest calls it on each truncated history.
"""
