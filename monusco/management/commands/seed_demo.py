from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from monusco import demo


class Command(BaseCommand):
    help = "Load about six months of realistic South Kivu activity and the demo users. Idempotent."

    def handle(self, *args, **options):
        if not settings.DEMO_USERS_ALLOWED:
            raise CommandError("Demo data is never loaded with production settings.")
        autodiscover_modules("demo")
        ctx = demo.DemoContext(today=timezone.localdate(), password=settings.DEMO_PASSWORD)
        for _order, name, seeder in demo.seeders():
            with transaction.atomic():
                seeder(ctx)
            self.stdout.write(f"seeded {name}")
        for note in ctx.data.get("notes", []):
            self.stdout.write(note)
