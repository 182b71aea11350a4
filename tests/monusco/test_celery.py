"""The Celery worker keeps its database connection between tasks, like a web worker between
requests, and drops it when it is too old (CONN_MAX_AGE) or broken."""

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import connection

from can import tasks
from monusco.celery import app

pytestmark = pytest.mark.django_db(transaction=True)


def _run_task_signals(task) -> None:
    """What a worker does around each task: Celery's Django fix-up, then the project's handler."""
    fixup = DjangoWorkerFixup(app)
    task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
    fixup.on_task_prerun(sender=task)
    fixup.on_task_postrun(sender=task)
    task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")


@pytest.fixture
def conn_max_age():
    saved = connection.settings_dict["CONN_MAX_AGE"]

    def set_age(seconds):
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = seconds
        connection.ensure_connection()
        return connection.connection

    yield set_age
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = saved


def test_connection_is_kept_between_tasks_within_its_age(conn_max_age):
    raw = conn_max_age(60)
    _run_task_signals(tasks.notify_alert)
    _run_task_signals(tasks.send_notification)
    assert connection.connection is raw


def test_connection_is_closed_after_a_task_when_it_has_no_age(conn_max_age):
    conn_max_age(0)
    _run_task_signals(tasks.notify_alert)
    assert connection.connection is None
