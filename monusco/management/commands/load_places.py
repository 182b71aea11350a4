from django.core.management.base import BaseCommand

from monusco.models import Locality, Province, Territory
from monusco.places import load_places


class Command(BaseCommand):
    help = "Load provinces, territories and localities from the bundled places file (idempotent)."

    def handle(self, *args, **options):
        count = load_places(province_model=Province, territory_model=Territory, locality_model=Locality)
        self.stdout.write(f"{count} localities loaded")
