import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from monusco import crypto
from monusco.audit import acting_as, audit_protected_read
from monusco.logging import RedactPhoneNumbersFilter, redact
from monusco.models import AuditLog, Province


def test_encrypt_round_trip_and_ciphertext_differs():
    token = crypto.encrypt("+243 812 345 678")
    assert "812" not in token
    assert crypto.decrypt(token) == "+243 812 345 678"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812345678", "+243812345678"),
        ("+243 81 234 5678", "+243812345678"),
        ("00243-812-345-678", "+243812345678"),
        ("243812345678", "+243812345678"),
        ("+250 788 123 456", "+250788123456"),
        ("", ""),
    ],
)
def test_normalize_phone(raw, expected):
    assert crypto.normalize_phone(raw) == expected


def test_phone_hash_matches_every_spelling_of_one_number_and_is_keyed():
    assert crypto.phone_hash("0812345678") == crypto.phone_hash("+243 81 234 5678")
    assert crypto.phone_hash("0812345678") != crypto.phone_hash("0812345679")
    with override_settings(FIELD_HASH_KEY="another-key"):
        other = crypto.phone_hash("0812345678")
    assert other != crypto.phone_hash("0812345678")
    assert len(other) == 64


def test_rotated_keys_still_decrypt_old_values():
    old_key = "dGVzdC1rZXktbm90LWEtc2VjcmV0LTAwMDAwMDAwMDA="
    new_key = "bmV3LWtleS1ub3QtYS1zZWNyZXQtMDAwMDAwMDAwMDA="
    with override_settings(FIELD_ENCRYPTION_KEY=[old_key]):
        token = crypto.encrypt("Mama Neema")
    with override_settings(FIELD_ENCRYPTION_KEY=[new_key, old_key]):
        assert crypto.decrypt(token) == "Mama Neema"
    with override_settings(FIELD_ENCRYPTION_KEY=[new_key]), pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token)


def test_missing_key_is_a_configuration_error():
    with override_settings(FIELD_ENCRYPTION_KEY=[]), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_mask_phone():
    assert crypto.mask_phone("0812345678") == "+243•••••678"


def test_log_filter_redacts_phone_numbers():
    record = logging.LogRecord("can", logging.INFO, __file__, 1, "SMS from %s: %s", ("+243 812 345 678", "help"), None)
    RedactPhoneNumbersFilter().filter(record)
    assert record.getMessage() == "SMS from [phone]: help"
    assert redact("call 0812345678 now, alert 2026-11-23") == "call [phone] now, alert 2026-11-23"


@pytest.mark.django_db
def test_every_change_is_audited_with_its_actor(users):
    with acting_as(users["admin"]):
        province = Province.objects.create(name="Tanganyika")
        province.name = "Haut-Katanga"
        province.save(update_fields=["name"])
        province_pk = province.pk
        province.delete()
    entries = list(
        AuditLog.objects.filter(model="monusco.province", object_pk=str(province_pk))
        .order_by("id")
        .values_list("action", "actor__username", "detail")
    )
    assert entries == [
        ("create", "t-admin", {}),
        ("update", "t-admin", {"fields": ["name"]}),
        ("delete", "t-admin", {}),
    ]


@pytest.mark.django_db
def test_protected_read_is_logged(users, world):
    audit_protected_read(user=users["cla"], instance=world.base, fields=["name"])
    entry = AuditLog.objects.get(action="view_protected")
    assert (entry.actor, entry.model, entry.object_pk, entry.detail) == (
        users["cla"],
        "cla.operatingbase",
        str(world.base.pk),
        {"fields": ["name"]},
    )
