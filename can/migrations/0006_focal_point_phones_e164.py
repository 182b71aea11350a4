"""Focal points' phone numbers in the E.164 form that ``monusco.crypto.normalize_phone`` writes
today (libphonenumber, DR Congo by default), with the keyed hash over that form.

Numbers saved before ``normalize_phone`` used libphonenumber were normalised by hand: most came
out as today's form, but a number written with both the country code and the national "0"
(``+243 0812 345 678``) was kept as ``+2430812345678``, so an SMS from ``+243812345678`` did not
find its focal point. Such rows get today's form and hash (the save is audited, as every save).
A stored value that is not a valid number is kept as written (the form asks for a valid one at
the next edit), and so is a number another active focal point already holds (the unique
constraint on active hashes keeps one holder: the CLA resolves it).
"""

from django.db import migrations
from django.utils import timezone


def renormalize(apps, schema_editor):
    from monusco.crypto import normalize_phone, phone_hash

    FocalPoint = apps.get_model("can", "FocalPoint")
    db = schema_editor.connection.alias
    rows = FocalPoint.objects.using(db).exclude(phone="").order_by("pk")
    if not rows.exists():
        return
    taken = set(
        FocalPoint.objects.using(db).filter(is_active=True).exclude(phone_hash="").values_list("phone_hash", flat=True)
    )
    for fp in rows.only("pk", "code", "phone", "phone_hash", "is_active").iterator():
        number = normalize_phone(fp.phone)
        if not number:
            continue
        number_hash = phone_hash(number)
        if (number, number_hash) == (fp.phone, fp.phone_hash):
            continue
        if fp.is_active and number_hash != fp.phone_hash:
            if number_hash in taken:
                continue
            taken.discard(fp.phone_hash)
            taken.add(number_hash)
        fields = [name for name, new, old in (("phone", number, fp.phone), ("phone_hash", number_hash, fp.phone_hash)) if new != old]
        fp.phone, fp.phone_hash, fp.updated_at = number, number_hash, timezone.now()
        fp.save(update_fields=[*fields, "updated_at"])  # the audit's post_save hook writes its row


class Migration(migrations.Migration):
    dependencies = [
        ("can", "0005_notification_lease"),
        ("monusco", "0001_initial"),
    ]

    operations = [migrations.RunPython(renormalize, migrations.RunPython.noop)]
