"""The version triggers' INSERT branch asks whether any version ends after now() (a younger
transaction closed it). Written as EXISTS (… upper(valid) > now()), PostgreSQL scanned every closed
version for it: each single-row insert paid for the whole history (9 ms at 31,000 versions). As
max(upper(valid)) over the closed versions it is one step down the partial index on upper(valid).
The functions are rewritten in place from their current definitions (0005 builds them from the
column lists), so their bodies stay what 0005 made apart from this one test."""

from django.db import migrations

TABLES = ("node_versions", "edge_versions")


def _probe(versions: str, *, indexed: bool) -> str:
    if indexed:
        return f"IF (SELECT max(upper(valid)) FROM {versions} WHERE NOT upper_inf(valid)) > now() THEN"
    return f"IF EXISTS (SELECT 1 FROM {versions} WHERE NOT upper_inf(valid) AND upper(valid) > now()) THEN"


def _rewrite(*, indexed: bool) -> str:
    steps = []
    for versions in TABLES:
        old, new = _probe(versions, indexed=not indexed), _probe(versions, indexed=indexed)
        steps.append(
            f"""
DO $$
DECLARE
  src text := pg_get_functiondef('{versions}_capture'::regproc);
BEGIN
  IF position({old!r} IN src) = 0 THEN
    RAISE EXCEPTION '{versions}_capture() does not hold the probe this migration replaces';
  END IF;
  EXECUTE replace(src, {old!r}, {new!r});
END
$$;"""
        )
    return "\n".join(steps)


class Migration(migrations.Migration):
    dependencies = [("graph", "0007_realtime_change_moves_to_realtime")]

    operations = [migrations.RunSQL(_rewrite(indexed=True), reverse_sql=_rewrite(indexed=False))]
