"""RealtimeChange now belongs to the realtime app (realtime 0001): graph forgets it, state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("graph", "0006_embedding_model_queue_hybrid"),
        ("realtime", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RealtimeChange")], database_operations=[]
        ),
    ]
