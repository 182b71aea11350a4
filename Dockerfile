# Production image: gunicorn web, Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=monusco.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 app

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Build-time only values: collectstatic and compilemessages need settings to import.
RUN SECRET_KEY=build ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
      FIELD_ENCRYPTION_KEY=YnVpbGQta2V5LW5vdC1hLXNlY3JldC0wMDAwMDAwMDA= FIELD_HASH_KEY=build \
      python manage.py collectstatic --noinput \
    && SECRET_KEY=build ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
      FIELD_ENCRYPTION_KEY=YnVpbGQta2V5LW5vdC1hLXNlY3JldC0wMDAwMDAwMDA= FIELD_HASH_KEY=build \
      python manage.py compilemessages --verbosity 0 \
    && rm -f /tmp/build.sqlite3 && chown -R app:app /app \
    && install -d -m 0700 -o app -g app /var/spool/monusco-intake

USER app
EXPOSE 8000
CMD ["gunicorn", "monusco.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "2", "--timeout", "30", "--access-logfile", "-", "--logger-class", "monusco.gunicorn.RedactingLogger"]
