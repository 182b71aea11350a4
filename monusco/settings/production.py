"""Production: every secret comes from the environment, with no default."""

import copy

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY")
FIELD_HASH_KEY = env("FIELD_HASH_KEY")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
behind_pooler(DATABASES["default"], DB_PREPARED_STATEMENTS)  # noqa: F405
with_replica(DATABASES)  # noqa: F405
DEMO_USERS_ALLOWED = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probes and scrapers inside the cluster speak plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind the TLS proxy (which sets X-Forwarded-Proto): the login throttle reads the client's
# address from X-Forwarded-For, one hop from the right.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# One JSON object per log line (with the request id, phone numbers masked): LOG_FORMAT=plain to read by eye.
LOGGING = copy.deepcopy(LOGGING)  # noqa: F405 - base's dict is left as it was
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")
