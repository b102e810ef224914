"""On PostgreSQL, published records cannot be updated or deleted, even by hand: a trigger refuses it."""

from django.db import migrations

TABLES = ["signals_signal", "signals_signaloutcome", "signals_ledgerentry"]

FUNCTION = """
CREATE OR REPLACE FUNCTION signals_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'published records are append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION signals_append_only()")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS signals_append_only()")


class Migration(migrations.Migration):
    dependencies = [("signals", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
