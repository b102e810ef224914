"""Parameter search by method: the whole grid, or a budget of trials drawn at random or by Bayesian
optimisation (Optuna's seeded samplers over an in-memory study). No Django.

Every method ranks full backtests by one metric, under the same constraint, and returns the same
`Optimisation` (every evaluated candidate in the order tried, and the best). Candidates are evaluated
in batches by `evaluate`, a function of a list of parameter sets that returns their candidates in the
same order: in this process (`optimise` over the batch) or spread over workers; the result is the same
either way, because the batches and their order do not depend on who evaluates them.

- grid: every combination of the space that passes the constraint, in batches of `batch`.
- random / bayesian: Optuna's RandomSampler or TPESampler (seeded; TPE with the constant liar, so the
  trials asked together in a batch spread out), each parameter an integer range when its values are
  one (low..high by a step), else a choice among them. A batch of trials is asked, the new parameter
  sets evaluated together, and the values told back. A set that fails the constraint is told pruned,
  and one seen before is told its known value; neither costs a backtest. The search stops after
  `budget` distinct evaluated sets, when every feasible set was evaluated, or after
  ASKS_PER_TRIAL x budget asks (a sampler stuck on known points).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import optuna

from backtests.engine.optimisation import Candidate, Optimisation, OptimisationError, Params, Space, parameter_grid
from backtests.engine.strategies import BacktestCancelled

METHODS = ("grid", "random", "bayesian")
ASKS_PER_TRIAL = 10
Evaluate = Callable[[list[Params]], list[Candidate]]
Key = tuple[tuple[str, int | float | str], ...]

optuna.logging.set_verbosity(optuna.logging.WARNING)


def search(space: Space, *, method: str, evaluate: Evaluate, objective: str = "sqn", maximise: bool = True,
           budget: int | None = None, seed: int = 0, batch: int = 8, constraint: Callable[[Params], bool] | None = None,
           should_stop: Callable[[int, int], bool] | None = None) -> Optimisation:
    """The candidates `method` evaluates over `space` and the best by `objective`.
    `should_stop(evaluated, planned)` is asked before each batch; True raises BacktestCancelled."""
    feasible = [p for p in parameter_grid(space) if constraint is None or constraint(p)]
    if method == "grid":
        tried = _grid(feasible, evaluate=evaluate, batch=batch, should_stop=should_stop)
    elif method in ("random", "bayesian"):
        if budget is None or budget < 1:
            raise OptimisationError({"budget": ["At least one trial."]})
        tried = _study(space, feasible, method=method, evaluate=evaluate, maximise=maximise,
                       budget=min(budget, len(feasible)), seed=seed, batch=batch, should_stop=should_stop)
    else:
        raise OptimisationError({"method": [f"One of {', '.join(METHODS)}."]})
    return ranked(tried, objective=objective, maximise=maximise)


def ranked(tried: list[Candidate], *, objective: str, maximise: bool) -> Optimisation:
    """The search's result: every candidate tried and the best finite objective (None when none has one)."""
    scored = [c for c in tried if c.value is not None and math.isfinite(c.value)]
    best = (max if maximise else min)(scored, key=lambda c: c.value or 0.0) if scored else None
    return Optimisation(objective=objective, maximise=maximise, candidates=tried, best=best)


def _grid(feasible: list[Params], *, evaluate: Evaluate, batch: int,
          should_stop: Callable[[int, int], bool] | None) -> list[Candidate]:
    tried: list[Candidate] = []
    for start in range(0, len(feasible), batch):
        _check(should_stop, len(tried), len(feasible))
        tried.extend(evaluate(feasible[start:start + batch]))
    return tried


def _study(space: Space, feasible: list[Params], *, method: str, evaluate: Evaluate, maximise: bool, budget: int,
           seed: int, batch: int, should_stop: Callable[[int, int], bool] | None) -> list[Candidate]:
    sampler: optuna.samplers.BaseSampler = (optuna.samplers.RandomSampler(seed=seed) if method == "random" else
                                            optuna.samplers.TPESampler(seed=seed, constant_liar=True))
    study = optuna.create_study(direction="maximize" if maximise else "minimize", sampler=sampler,
                                storage=optuna.storages.InMemoryStorage())
    allowed = {_key(p) for p in feasible}
    known: dict[Key, Candidate] = {}
    tried: list[Candidate] = []
    asks = 0
    while len(tried) < budget and asks < ASKS_PER_TRIAL * budget:
        _check(should_stop, len(tried), budget)
        trials: list[tuple[optuna.Trial, Params]] = []
        fresh: list[Params] = []
        while len(trials) < batch and len(tried) + len(fresh) < budget and asks < ASKS_PER_TRIAL * budget:
            trial = study.ask()
            asks += 1
            params = {name: _suggest(trial, name, values) for name, values in space.items()}
            trials.append((trial, params))
            if _key(params) in allowed and _key(params) not in known and params not in fresh:
                fresh.append(params)
        for candidate in evaluate(fresh):
            known[_key(candidate.params)] = candidate
            tried.append(candidate)
        for trial, params in trials:
            _tell(study, trial, known.get(_key(params)) if _key(params) in allowed else None)
    return tried


def _suggest(trial: optuna.Trial, name: str, values: Sequence[int | float | str]) -> int | float | str:
    """An integer range when the values are low..high by one step, else a choice among the values."""
    step = _int_step(values)
    if step is not None:
        return trial.suggest_int(name, int(values[0]), int(values[-1]), step=step)
    choice = trial.suggest_categorical(name, list(values))
    return choice if choice is not None else values[0]  # the values hold no None: never taken


def _int_step(values: Sequence[int | float | str]) -> int | None:
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values) or len(values) < 2:
        return None
    ints = [int(v) for v in values]
    step = ints[1] - ints[0]
    return step if step > 0 and ints == list(range(ints[0], ints[-1] + 1, step)) else None


def _tell(study: optuna.Study, trial: optuna.Trial, candidate: Candidate | None) -> None:
    """A value for a feasible evaluated set; pruned for a set the constraint refused or with no finite value."""
    if candidate is None or candidate.value is None or not math.isfinite(candidate.value):
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    else:
        study.tell(trial, candidate.value)


def _key(params: Mapping[str, int | float | str]) -> Key:
    return tuple(sorted(params.items()))


def _check(should_stop: Callable[[int, int], bool] | None, done: int, planned: int) -> None:
    if should_stop is not None and should_stop(done, planned):
        raise BacktestCancelled(f"stopped after {done} of {planned} candidates")
