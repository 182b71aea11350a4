"""Model fields for protected data."""

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted in the database; Python code sees plaintext.

    The column holds a Fernet token, so it cannot be searched or ordered: match phone numbers
    through a keyed hash column beside it (``crypto.phone_hash``).
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)
