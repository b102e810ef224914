import pytest
from django.core.management import CommandError, call_command

from market.models import Bar, QuarantinedBar


def _csv(tmp_path, body: str):
    path = tmp_path / "bars.csv"
    path.write_text("time,open,high,low,close,volume\n" + body)
    return str(path)


def test_bad_rows_are_reported_by_line_and_good_rows_imported_and_rerunning_changes_nothing(goog, tmp_path, capsys):
    path = _csv(tmp_path, "2024-01-02,100,101,99,100.5,1000\n"
                          "yesterday,1,2,0.5,1.5,10\n"
                          "2024-01-03,100,abc,99,100,1000\n"
                          "2024-01-04,100,101,99,100,1000\n")

    call_command("import_bars", path, "--symbol", "goog", "--timeframe", "D1")
    first = capsys.readouterr().out
    call_command("import_bars", path, "--symbol", "GOOG", "--timeframe", "D1")
    second = capsys.readouterr().out

    assert "line 3: bad_time: time 'yesterday' is not a date" in first
    assert "line 4: non_finite" in first
    assert "4 rows read, 2 stored or changed, 2 quarantined" in first
    assert "0 stored or changed" in second
    assert Bar.objects.filter(instrument=goog).count() == 2
    assert QuarantinedBar.objects.filter(reason="bad_time").count() == 2  # quarantined on each run, with its source


def test_an_unknown_symbol_or_missing_file_is_a_clear_error(goog, tmp_path):
    with pytest.raises(CommandError, match="Unknown symbol 'NOPE'"):
        call_command("import_bars", _csv(tmp_path, ""), "--symbol", "NOPE", "--timeframe", "D1")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_bars", str(tmp_path / "missing.csv"), "--symbol", "GOOG", "--timeframe", "D1")


def test_a_csv_without_the_needed_columns_names_them_and_imports_nothing(goog, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,price\n2024-01-02,100\n")
    from config.errors import InvalidInput

    with pytest.raises(InvalidInput, match="lacks the column"):
        call_command("import_bars", str(path), "--symbol", "GOOG", "--timeframe", "D1")
    assert not Bar.objects.exists()


def test_each_bad_row_is_reported_and_quarantined_with_its_own_line_and_reason(goog, tmp_path, capsys):
    path = _csv(tmp_path, "2024-01-02,100,101,99,100.5,1000\n"
                          "\n"
                          "2024-01-03,100,abc,99,100,1000\n"
                          "2024-01-04,100,101,99\n"
                          "2024-13-45,100,101,99,100,1000\n"
                          "someday,100,101,99,100,1000\n"
                          "2024-01-05,100,101,99,100,\n"
                          "2024-01-08,100,99,101,100,1000\n"
                          "2024-01-10,100,101,99,100,1000,extra\n"
                          "2024-01-09,100,101,99,100.5,1000\n")

    call_command("import_bars", path, "--symbol", "GOOG", "--timeframe", "D1")

    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "line 4: non_finite: high 'abc' is not a number",
        "line 5: wrong_field_count: has 4 fields where the header has 6 (time, open, high, low, close, volume)",
        "line 6: bad_time: time '2024-13-45' is not a date",
        "line 7: bad_time: time 'someday' is not a date",
        "line 8: non_finite: volume is missing",
        "line 9: high_below_low: high is below low",
        "line 10: wrong_field_count: has 7 fields where the header has 6 (time, open, high, low, close, volume)",
        lines[-1],
    ]
    assert lines[-1].startswith("9 rows read, 2 stored or changed, 7 quarantined")
    stored = Bar.objects.filter(instrument=goog, timeframe="D1").order_by("time")
    assert [b.time.date().isoformat() for b in stored] == ["2024-01-02", "2024-01-09"]
    quarantined = {(q.reason, q.message): q for q in QuarantinedBar.objects.filter(instrument=goog)}
    assert set(quarantined) == {
        ("non_finite", "high 'abc' is not a number"),
        ("wrong_field_count", "has 4 fields where the header has 6 (time, open, high, low, close, volume)"),
        ("bad_time", "time '2024-13-45' is not a date"),
        ("bad_time", "time 'someday' is not a date"),
        ("non_finite", "volume is missing"),
        ("high_below_low", "high is below low"),
        ("wrong_field_count", "has 7 fields where the header has 6 (time, open, high, low, close, volume)"),
    }
    assert quarantined[("bad_time", "time '2024-13-45' is not a date")].raw["time"] == "2024-13-45"
    assert quarantined[("non_finite", "high 'abc' is not a number")].time.date().isoformat() == "2024-01-03"


def test_a_file_without_a_header_is_refused_and_nothing_is_stored_or_quarantined(goog, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    from config.errors import InvalidInput

    with pytest.raises(InvalidInput, match="lacks the column"):
        call_command("import_bars", str(path), "--symbol", "GOOG", "--timeframe", "D1")
    assert not Bar.objects.exists()
    assert not QuarantinedBar.objects.exists()
