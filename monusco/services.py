"""Writes for the foundation: users' own settings."""

from django.conf import settings
from django.db import transaction


@transaction.atomic
def user_set_language(*, user, language: str) -> bool:
    if language not in dict(settings.LANGUAGES) or user.preferred_language == language:
        return False
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    return True
