from signals.admin import StrategyForm
from signals.engine.strategy import DEFAULT_CONFLUENCE


def test_a_new_strategy_version_with_a_bad_config_shows_each_field_and_saves_nothing(db):
    from signals.models import Strategy

    config = {**DEFAULT_CONFLUENCE, "version": 2, "threshold": 3, "targets_r": [1]}
    form = StrategyForm(data={"name": "Confluence", "version": 2, "config": __import__("json").dumps(config),
                              "is_active": True})

    assert not form.is_valid()
    messages = " ".join(form.errors["config"])
    assert "threshold:" in messages and "targets_r:" in messages
    assert not Strategy.objects.filter(version=2).exists()


def test_a_valid_new_version_saves(db):
    import json

    config = {**DEFAULT_CONFLUENCE, "version": 2, "threshold": 0.5}
    form = StrategyForm(data={"name": "Confluence", "version": 2, "config": json.dumps(config), "is_active": False})

    assert form.is_valid(), form.errors
    assert form.save().config["threshold"] == 0.5
