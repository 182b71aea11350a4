"""Load provinces, territories and localities from the bundled ``data/places.csv``."""

import csv
from decimal import Decimal
from pathlib import Path

PLACES_CSV = Path(__file__).resolve().parent / "data" / "places.csv"


def load_places(*, province_model, territory_model, locality_model, path: Path = PLACES_CSV) -> int:
    """Create or update every place in the file. Idempotent. Returns the number of localities."""
    count = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            province, _ = province_model.objects.get_or_create(name=row["province"].strip())
            territory_name = row["territory"].strip()
            is_city = territory_name.endswith("(city)")
            territory, _ = territory_model.objects.get_or_create(
                province=province,
                name=territory_name.replace("(city)", "").strip(),
                defaults={"kind": "city" if is_city else "territory"},
            )
            locality_model.objects.update_or_create(
                territory=territory,
                name=row["place"].strip(),
                defaults={
                    "latitude": Decimal(row["latitude"]),
                    "longitude": Decimal(row["longitude"]),
                    "precision": row["precision"].strip() or "town",
                    "note": row["note"].strip(),
                },
            )
            count += 1
    return count
