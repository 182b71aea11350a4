"""``normalize_phone`` accepts phone numbers only: DR Congo's in national or international form,
other countries' in international form, and nothing else (``' OR 1=1--`` is not +24311)."""

import pytest

from monusco import crypto


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812345678", "+243812345678"),
        ("0990100001", "+243990100001"),
        ("0970 000 000", "+243970000000"),
        ("(081) 234-5678", "+243812345678"),
        ("+243.81.234.56.78", "+243812345678"),
        ("812 345 678", "+243812345678"),
        ("  +243 81 234 5678 ", "+243812345678"),
        ("00243 81 234 5678", "+243812345678"),
        ("+250 788 123 456", "+250788123456"),
    ],
)
def test_phone_numbers_are_normalized(raw, expected):
    assert crypto.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "' OR 1=1--",
        "1; DROP TABLE can_alert",
        "11",
        "+24311",
        "081234567",  # a digit short
        "08123456789",  # a digit long
        "0000000000",
        "call 0812345678 now",
        "1-800-FLOWERS",
        "+243 81 234 5678 ext 5",
        "+243+812345678",
        "MTN",
        "+",
        "0812345678" * 4,
        "",
        None,
    ],
)
def test_anything_else_is_not_a_phone_number(raw):
    assert crypto.normalize_phone(raw) == ""
    assert crypto.phone_hash(raw) == ""
    assert crypto.mask_phone(raw) == "•••"
