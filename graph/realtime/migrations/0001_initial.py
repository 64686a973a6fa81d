"""The change log moves from the graph app to realtime: state only, the table stays as it is.

Table, triggers and NOTIFY were created by graph 0003 (history keeps them there); graph 0007
removes the model from graph's state after this migration adds it to realtime's. The content type
(and so its permissions) follows the model.
"""

import django.db.models.functions.datetime
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="graph", new="realtime"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="realtimechange").exists():
        ContentType.objects.using(db).filter(app_label=old, model="realtimechange").update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="realtime", new="graph")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("graph", "0006_embedding_model_queue_hybrid"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RealtimeChange",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("table_name", models.TextField()),
                        (
                            "event_type",
                            models.TextField(
                                choices=[
                                    ("INSERT", "INSERT"),
                                    ("UPDATE", "UPDATE"),
                                    ("DELETE", "DELETE"),
                                    ("TRUNCATE", "TRUNCATE"),
                                ]
                            ),
                        ),
                        ("new_record", models.JSONField(blank=True, null=True)),
                        ("old_record", models.JSONField(blank=True, null=True)),
                        ("commit_time", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                    ],
                    options={
                        "db_table": "realtime_changes",
                        "ordering": ["id"],
                        "indexes": [models.Index(fields=["commit_time"], name="idx_realtime_changes_time")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("event_type__in", ("INSERT", "UPDATE", "DELETE", "TRUNCATE"))),
                                name="realtime_changes_event_check",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
