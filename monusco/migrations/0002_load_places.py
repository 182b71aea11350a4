"""Reference data: the real provinces, territories and localities bundled in data/places.csv."""

from django.db import migrations


def forwards(apps, schema_editor):
    from monusco.places import load_places

    load_places(
        province_model=apps.get_model("monusco", "Province"),
        territory_model=apps.get_model("monusco", "Territory"),
        locality_model=apps.get_model("monusco", "Locality"),
    )


class Migration(migrations.Migration):
    dependencies = [("monusco", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
