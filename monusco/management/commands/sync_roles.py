from django.core.management.base import BaseCommand

from monusco.roles import sync_roles


class Command(BaseCommand):
    help = "Create or update one group per role with its permissions (idempotent)."

    def handle(self, *args, **options):
        for name, count in sync_roles().items():
            self.stdout.write(f"{name}: {count} permissions")
