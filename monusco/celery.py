"""The Celery app. Without CELERY_BROKER_URL, tasks run eagerly in the calling process."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monusco.settings.local")

app = Celery("monusco")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _recycle_database_connections(**kwargs) -> None:
    """Treat each task like a request: keep the thread's database connection up to CONN_MAX_AGE
    and drop it only when it is broken or too old. Celery's own Django fix-up would close it after
    every task (it is told not to, see CELERY_DB_REUSE_MAX), and a new PostgreSQL connection per
    task costs more CPU than the task itself."""
    if getattr(kwargs.get("task") and kwargs["task"].request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
