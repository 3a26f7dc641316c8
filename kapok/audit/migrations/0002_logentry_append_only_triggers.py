"""The database itself refuses to change or delete audit entries.

PostgreSQL refuses UPDATE and DELETE (TRUNCATE, a DBA's archival tool, stays possible); SQLite
refuses UPDATE (its test-database flush deletes rows, so DELETE stays possible there).
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_logentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_logentry_no_update BEFORE UPDATE OR DELETE ON audit_logentry
    FOR EACH ROW EXECUTE FUNCTION audit_logentry_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_logentry_no_update ON audit_logentry;
DROP FUNCTION IF EXISTS audit_logentry_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER audit_logentry_no_update BEFORE UPDATE ON audit_logentry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS audit_logentry_no_update;"


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
