from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from can.services import sms_channel_create
from cla.models import OperatingBase


class Command(BaseCommand):
    help = "Create an SMS gateway channel for a base; prints its UUID and secret token (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--base", required=True, help="base code or name")

    def handle(self, *args, name, base, **options):
        bases = list(OperatingBase.objects.filter(Q(code=base) | Q(name__iexact=base))[:2])
        if len(bases) != 1:
            raise CommandError(f"No single base has the code or name {base!r}.")
        try:
            channel, token = sms_channel_create(name=name, base=bases[0])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"channel: {channel.uid}\ntoken: {token}\n")
        self.stdout.write(
            f"receive: /can/inbound/{channel.uid}/receive\nmissed calls: /can/inbound/{channel.uid}/missed-call\n"
        )
