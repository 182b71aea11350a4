"""Celery queues by urgency: where each task goes, at what priority, and who consumes each queue.
The real workers on separate queues are in test_worker.py."""

import yaml
from django.conf import settings

from can import tasks
from monusco.celery import app

QUEUES = {"alerts", "sms", "partners", "default"}
ALERT_TASKS = [
    "can.tasks.notify_alert",
    "can.tasks.send_notification",
    "can.tasks.escalate_overdue_alerts",
    "can.tasks.sweep_outstanding_notifications",
    "can.tasks.replay_spool",
]


def _route(name: str) -> tuple[str, int | None]:
    route = app.amqp.router.route({}, name)
    return route["queue"].name, route.get("priority")


def test_alert_work_goes_to_the_alerts_queue_first_in_line():
    for name in ALERT_TASKS:
        assert _route(name) == ("alerts", 0), name


def test_outbound_sms_to_the_community_goes_to_the_sms_queue():
    assert _route("can.tasks.send_reply") == ("sms", 3)


def test_partner_work_and_anything_else():
    assert _route("partners.send_webhook") == ("partners", 9)
    assert _route("jpt.tasks.anything") == ("default", None)
    assert app.conf.task_default_priority == 6  # between sms and partners; Redis serves 0 first


def test_every_registered_task_has_a_known_queue():
    names = [name for name in app.tasks if not name.startswith("celery.")]
    assert tasks.notify_alert.name in names
    for name in names:
        assert _route(name)[0] in QUEUES, name


def test_the_queues_and_priority_steps_are_declared():
    assert {queue.name for queue in app.amqp.queues.values()} == QUEUES  # a worker without -Q takes all
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["priority_steps"] == list(range(10))
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] == "priority"
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} == QUEUES - {"default"}


def _queues_flag(command: list[str]) -> set[str]:
    for flag in ("-Q", "--queues"):
        if flag in command:
            return set(command[command.index(flag) + 1].split(","))
    return set()


def test_every_queue_has_exactly_one_kind_of_worker_in_compose_and_the_cluster():
    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())["services"]
    workers = {name: _queues_flag(s["command"]) for name, s in compose.items() if "worker" in s.get("command", [])}
    assert workers == {"worker-alerts": {"alerts"}, "worker-sms": {"sms"}, "worker-default": {"default", "partners"}}
    k8s = [
        doc
        for doc in yaml.safe_load_all((settings.BASE_DIR / "deploy/k8s/workers.yaml").read_text())
        if doc and doc.get("kind") == "Deployment"
    ]
    consumed = [_queues_flag(doc["spec"]["template"]["spec"]["containers"][0]["command"]) for doc in k8s]
    assert sorted(map(sorted, consumed)) == [["alerts"], ["default", "partners"], ["sms"]]
