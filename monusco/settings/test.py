"""Test settings. SQLite unless DATABASE_URL is set; eager Celery unless CELERY_BROKER_URL is set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DEMO_USERS_ALLOWED = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
FIELD_ENCRYPTION_KEY = ["dGVzdC1rZXktbm90LWEtc2VjcmV0LTAwMDAwMDAwMDA="]
FIELD_HASH_KEY = "test-hash-key"
# Unit tests run tasks eagerly; tests of the real worker override this per test.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CAN_COALESCE_NOTIFY_TASKS = env.bool("CAN_COALESCE_NOTIFY_TASKS", default=False)  # tests that cover it turn it on
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The real-worker tests (tests/can, marked ``worker``) share the test database with a Celery worker
# process: on SQLite it must be a file, one per test run.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import os
    import tempfile

    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"monusco-test-{os.getpid()}.sqlite3")}  # noqa: F405
