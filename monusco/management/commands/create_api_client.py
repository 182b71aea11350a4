"""``manage.py create_api_client NAME --agreement "OCHA" --province "South Kivu" [--territory Uvira]
[--resource meetings] [--write alerts] [--rate 600/minute]``: creates an API client under a
data-sharing agreement (its partner's name, or its uid) and prints its token once."""

import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from monusco.api.resources import Resource
from monusco.api.services import api_client_create
from monusco.models import DataSharingAgreement, Province, Territory


class Command(BaseCommand):
    help = "Create an API client for another UN tool and print its token (shown once, stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--agreement", required=True, help="The data-sharing agreement it reads under: its partner, or its uid."
        )
        parser.add_argument("--province", action="append", default=[], help="Province name (repeatable).")
        parser.add_argument("--territory", action="append", default=[], help="Territory name (repeatable).")
        parser.add_argument(
            "--resource",
            action="append",
            default=[],
            choices=Resource.values,
            help="Resource it may read (repeatable; default: all that the agreement covers).",
        )
        parser.add_argument("--write", action="append", default=[], help="Resource it may create, e.g. alerts.")
        parser.add_argument("--rate", default="600/minute", help="Throttle rate, e.g. 600/minute.")

    def handle(self, *args, **options):
        agreement = self._agreement(options["agreement"])
        provinces = [self._get(Province, name) for name in options["province"]]
        territories = [self._get(Territory, name) for name in options["territory"]]
        try:
            client, key = api_client_create(
                name=options["name"],
                agreement=agreement,
                provinces=provinces,
                territories=territories,
                resources=options["resource"] or None,
                write_resources=options["write"],
                throttle_rate=options["rate"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"API client {client.name} created. Its token, shown only this once:")
        self.stdout.write(key)

    def _get(self, model, name: str):
        matches = list(model.objects.filter(name__iexact=name)[:2])
        if len(matches) != 1:
            raise CommandError(f"{model._meta.verbose_name} {name!r}: {'not found' if not matches else 'ambiguous'}.")
        return matches[0]

    def _agreement(self, given: str) -> DataSharingAgreement:
        try:
            matches = list(DataSharingAgreement.objects.filter(uid=uuid.UUID(given)))
        except ValueError:
            matches = list(DataSharingAgreement.objects.filter(partner__iexact=given)[:2])
        if len(matches) != 1:
            problem = "not found" if not matches else "ambiguous: give its uid"
            raise CommandError(f"Data-sharing agreement {given!r}: {problem}.")
        return matches[0]
