"""Replay the intake spool now (what beat's ``can.tasks.replay_spool`` does every 30 seconds)."""

from django.core.management.base import BaseCommand

from can import spool


class Command(BaseCommand):
    help = "Store in the database the SMS and missed calls spooled while it was unavailable."

    def handle(self, *args, **options):
        result = spool.spool_replay()
        waiting, bad = spool.spool_depth()
        self.stdout.write(
            f"{result.replayed} stored, {result.dropped} dropped, {result.bad} moved to bad/; "
            f"{waiting} waiting, {bad} in bad/"
        )
        if result.left:
            self.stderr.write("The database is unavailable: the rest waits for the next replay.")
