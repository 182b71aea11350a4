"""``manage.py restore DIR``: restore a backup into an empty database and check its row counts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monusco.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the backup in DIR into the (empty) database, then check migrations and row counts."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a directory written by manage.py backup")

    def handle(self, *args, directory: Path, **options):
        try:
            manifest = restore(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"Restored {len(manifest['row_counts'])} tables and {rows} rows taken at {manifest['created_at']}; "
            "the migrations and every count match the manifest."
        )
