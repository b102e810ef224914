"""The documented backup procedure (docs/backups.md), run for real: pg_dump a database holding
signals, outcomes and ledger entries, pg_restore it into a fresh database, then the restored copy
passes `ledger_verify` and prints the same track record digest."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from billing.services import plan_catalogue_seed
from market.models import Instrument
from market.services import instrument_catalogue_load
from signals.engine.outcomes import Outcome
from signals.models import LedgerEntry
from signals.services import outcomes_record, signal_create, strategy_default_ensure
from tests.signals.test_outcomes_recorded import a_draft

ROOT = Path(settings.BASE_DIR)
pytestmark = pytest.mark.postgres


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _manage(*args: str, database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def restored_name(transactional_db):
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = _url("postgres")
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
    yield name
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)


def test_a_restored_dump_verifies_and_keeps_the_same_track_record(restored_name, tmp_path, capsys):
    plan_catalogue_seed()
    instrument_catalogue_load()
    strategy, goog = strategy_default_ensure(), Instrument.objects.get(symbol="GOOG")
    for day, r in ((2, 1.0), (3, -1.0), (4, 2.0)):
        signal = signal_create(draft=a_draft(bar_time=int(datetime(2013, 1, day, tzinfo=UTC).timestamp())),
                               instrument=goog, strategy=strategy)
        outcomes_record([(signal, Outcome(
            result="target_1" if r > 0 else "stop", target_1_hit=r > 0, targets_hit=int(r > 0), exit_price=1.0,
            r_multiple=r, mfe_r=max(r, 0.0), mae_r=-1.0, bars_held=3,
            closed_bar_time=int(datetime(2013, 1, day + 7, tzinfo=UTC).timestamp())))])
    assert LedgerEntry.objects.count() >= 3
    call_command("track_record_digest")
    source_digest = capsys.readouterr().out.strip()
    dump = tmp_path / "beacon.dump"

    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}",
                    _url(connection.settings_dict["NAME"])], check=True)
    subprocess.run(["createdb", "--host=127.0.0.1", "--username=postgres", restored_name], check=True)
    subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                    f"--dbname={_url(restored_name)}", str(dump)], check=True)

    restored = _url(restored_name)
    assert "Ledger intact" in _manage("ledger_verify", database_url=restored)
    assert _manage("track_record_digest", database_url=restored) == source_digest
    assert source_digest.startswith("Track record: 3 outcomes")
