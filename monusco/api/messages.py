"""Every message the API answers with, in one place, translated in the project's root locale."""

from django.utils.translation import gettext_lazy as _

NOT_AUTHENTICATED = _("Sign in, or send your API token in the Authorization header: Token <key>.")
BAD_TOKEN = _("This API token is not valid or has been revoked.")
BAD_TOKEN_HEADER = _("Send the token as: Authorization: Token <key>, with no spaces in the key.")
RESOURCE_NOT_GRANTED = _("This API client may not read this resource.")
WRITE_NOT_GRANTED = _("This API client may not create records of this kind.")
SESSION_ONLY = _("This resource is available only to signed-in staff of the base.")
ROLE_NOT_ALLOWED = _("Your role does not give access to this resource.")
NOT_FOUND = _("Not found, or outside your scope.")
METHOD_NOT_ALLOWED = _("This method is not allowed here.")
NOT_ACCEPTABLE = _("This format is not available here. Use json, csv or geojson where listed.")
THROTTLED = _("Too many requests. Wait a little and try again.")
INVALID_INPUT = _("The request is not valid. See the errors for each field.")
INVALID_CURSOR = _("This page link is not valid. Start again from the first page.")
UNSUPPORTED_MEDIA = _("Send the request body as JSON.")
PARSE_ERROR = _("The request body is not valid JSON.")
BAD_REQUEST = _("The request is not valid.")
OUT_OF_SCOPE_PLACE = _("This place is not in your scope.")
IDEMPOTENCY_KEY_REQUIRED = _("API clients must send an idempotency key (a UUID of their own) with each alert.")
