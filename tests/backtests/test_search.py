"""Parameter search by method (grid, random, Bayesian with Optuna): the same constraint and objective for all,
a trial budget, seeded, and the same result whatever evaluates the batches."""

import pytest

from backtests.engine.optimisation import OptimisationError, optimise, parameter_grid
from backtests.engine.search import search
from backtests.engine.strategies import BacktestCancelled, ConfluenceStrategy, SmaCross
from market.arrays import BarArrays, InstrumentSpec
from market.synthetic import synthetic_bars
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig, StrategyConfigError
from tests.market.conftest import FIXTURES

GOOG = InstrumentSpec("GOOG", "stock", 0.01, 2, venue="NASDAQ", calendar="XNYS")
HISTORY = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv").tail(800)
SPACE = {"fast": list(range(5, 55, 5)), "slow": list(range(20, 220, 20))}


def make(params):
    return SmaCross(fast=params["fast"], slow=params["slow"])


def fast_below_slow(params):
    return params["fast"] < params["slow"]


def evaluate_here(batches=None):
    def evaluate(batch):
        if batches is not None:
            batches.append(list(batch))
        return optimise(HISTORY, instrument=GOOG, timeframe="D1", make=make, candidates=batch, objective="sqn",
                        first_bar=lambda s: s.warm_up()).candidates
    return evaluate


@pytest.mark.parametrize("method", ["random", "bayesian"])
def test_a_budgeted_search_tries_that_many_distinct_allowed_sets_and_ranks_them(method):
    found = search(SPACE, method=method, evaluate=evaluate_here(), budget=20, seed=3, batch=6,
                   constraint=fast_below_slow)

    tried = [c.params for c in found.candidates]
    assert len(tried) == 20 and len({tuple(p.items()) for p in tried}) == 20
    assert all(p["fast"] < p["slow"] and p in parameter_grid(SPACE) for p in tried)
    assert found.best == max((c for c in found.candidates if c.value is not None), key=lambda c: c.value)


@pytest.mark.parametrize("method", ["random", "bayesian"])
def test_a_seeded_search_repeats_itself_and_another_seed_differs(method):
    def run(seed):
        return [c.params for c in search(SPACE, method=method, evaluate=evaluate_here(), budget=12, seed=seed,
                                         batch=4, constraint=fast_below_slow).candidates]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_a_budget_over_the_allowed_sets_tries_each_once():
    small = {"fast": [5, 10, 20], "slow": [10, 20, 40]}
    found = search(small, method="bayesian", evaluate=evaluate_here(), budget=50, seed=1, batch=4,
                   constraint=fast_below_slow)

    assert sorted(tuple(c.params.values()) for c in found.candidates) == [(5, 10), (5, 20), (5, 40), (10, 20),
                                                                          (10, 40), (20, 40)]


def test_the_grid_method_is_the_whole_grid_in_batches_with_the_same_best_as_one_pass():
    batches: list = []
    found = search(SPACE, method="grid", evaluate=evaluate_here(batches), batch=7, constraint=fast_below_slow)
    one_pass = optimise(HISTORY, instrument=GOOG, timeframe="D1", make=make, candidates=parameter_grid(SPACE),
                        objective="sqn", constraint=fast_below_slow, first_bar=lambda s: s.warm_up())

    assert found.candidates == one_pass.candidates and found.best == one_pass.best
    assert [len(b) for b in batches][:-1] == [7] * (len(batches) - 1)


def test_a_bayesian_search_asks_its_batches_whatever_evaluates_them():
    """Evaluating each batch in pieces (as the workers do) gives the same trials as in one call."""
    def in_pieces(batch):
        return [c for i in range(0, len(batch), 2) for c in evaluate_here()(batch[i:i + 2])]

    whole = search(SPACE, method="bayesian", evaluate=evaluate_here(), budget=16, seed=2, batch=8,
                   constraint=fast_below_slow)
    pieces = search(SPACE, method="bayesian", evaluate=in_pieces, budget=16, seed=2, batch=8,
                    constraint=fast_below_slow)

    assert pieces.candidates == whole.candidates and pieces.best == whole.best


def test_a_search_stops_when_asked():
    asked = []

    def stop(done, planned):
        asked.append((done, planned))
        return done >= 4

    with pytest.raises(BacktestCancelled):
        search(SPACE, method="random", evaluate=evaluate_here(), budget=20, seed=1, batch=4,
               constraint=fast_below_slow, should_stop=stop)
    assert asked == [(0, 20), (4, 20)]


def test_an_unknown_method_or_a_missing_budget_is_refused_by_field():
    with pytest.raises(OptimisationError) as method:
        search(SPACE, method="genetic", evaluate=evaluate_here())
    with pytest.raises(OptimisationError) as budget:
        search(SPACE, method="random", evaluate=evaluate_here())

    assert list(method.value.fields) == ["method"] and list(budget.value.fields) == ["budget"]


def test_the_confluence_strategy_is_tuned_on_its_threshold_and_stop_multiple_and_searched():
    bars = synthetic_bars(count=1200, seed=4)
    spec = InstrumentSpec("SYN", "crypto", 0.01, 2)
    base = ConfluenceStrategy(config=StrategyConfig.from_dict(DEFAULT_CONFLUENCE), mode="vectorised")
    loose, strict = base.tuned({"threshold": 0.3}), base.tuned({"threshold": 0.6, "stop_atr_multiple": 2.0})

    assert (strict.config.threshold, strict.config.stop_atr_multiple, strict.config.weights) == (
        0.6, 2.0, base.config.weights)
    assert len(strict.intents(bars, instrument=spec, timeframe="H1")) < len(loose.intents(bars, instrument=spec,
                                                                                           timeframe="H1"))
    with pytest.raises(StrategyConfigError) as refused:
        base.tuned({"threshold": 1.5, "weights": {}})
    assert set(refused.value.fields) == {"weights"}  # unknown names first; then each value's own range
    with pytest.raises(StrategyConfigError) as out_of_range:
        base.tuned({"threshold": 1.5})
    assert list(out_of_range.value.fields) == ["threshold"]

    def evaluate(batch):
        return optimise(bars, instrument=spec, timeframe="H1", make=base.tuned, candidates=batch,
                        objective="return_pct").candidates

    found = search({"threshold": [0.3, 0.4, 0.5, 0.6], "stop_atr_multiple": [1.0, 1.5, 2.0]}, method="bayesian",
                   evaluate=evaluate, objective="return_pct", budget=6, seed=1, batch=3)
    assert len(found.candidates) == 6 and found.best is not None
