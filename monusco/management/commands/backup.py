"""``manage.py backup DIR``: an encrypted pg_dump of the database with its manifest (monusco.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monusco.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the PostgreSQL database into DIR: an encrypted dump and a manifest with row counts."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a new or empty directory for the backup")

    def handle(self, *args, directory: Path, **options):
        try:
            manifest = backup(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"Backed up {len(manifest['row_counts'])} tables, {rows} rows, "
            f"{manifest['dump']['bytes']} bytes encrypted, into {directory}"
        )
