"""`manage.py ledger_verify` checks the whole chain and names the first broken entry."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from signals.models import LedgerEntry
from signals.scheduling import engine_run_start
from tests.signals.conftest import NOW


def test_the_ledger_verify_command_names_the_first_broken_entry(market, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)
    assert LedgerEntry.objects.count() == 5  # a signal on each of the five demo pairs
    call_command("ledger_verify")
    assert "Ledger intact" in capsys.readouterr().out

    if connection.vendor == "postgresql":
        pytest.skip("the append-only trigger refuses the tampering this test needs (see test_append_only)")
    LedgerEntry.objects.filter(seq=1).update(canonical='{"tampered":true}')
    with pytest.raises(CommandError, match="broken at entry #1"):
        call_command("ledger_verify")
