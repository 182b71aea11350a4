"""Periodic work of the foundations: purging the API access log (daily, on the beat schedule)."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from monusco.api.access_log import access_log_purge

logger = logging.getLogger(__name__)

_LOCK_SECONDS = 3600


@shared_task(ignore_result=True)
def purge_api_access_log() -> int:
    """Rows older than ``API_ACCESS_LOG_DAYS`` go; a cache lock keeps two runs from overlapping."""
    if not cache.add("monusco:lock:purge-api-access-log", 1, _LOCK_SECONDS):
        logger.info("API access log purge already running; skipped")
        return 0
    try:
        return access_log_purge(days=settings.API_ACCESS_LOG_DAYS)
    finally:
        cache.delete("monusco:lock:purge-api-access-log")
