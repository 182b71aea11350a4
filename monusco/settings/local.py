"""Laptop settings: no configuration needed. SQLite, eager tasks, demo users allowed."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-only-not-secret-3f9a1c")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
DEMO_USERS_ALLOWED = True
# A fixed development key. Production settings have no default and refuse to start without one.
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=["bG9jYWwtZGV2LWtleS1ub3QtYS1zZWNyZXQtMDAwMDA="])
FIELD_HASH_KEY = env("FIELD_HASH_KEY", default="local-dev-hash-key")
