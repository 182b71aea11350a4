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
IDEMPOTENCY_KEY_REQUIRED = _(
    "Send an idempotency key (a UUID of your own) with each alert: a repeat is then the same alert."
)
BODY_TOO_LARGE = _("The request body is too large.")
TOO_MANY_PARAMETERS = _("The request has too many parameters.")
SERVER_ERROR = _("Something went wrong on the server. Try again later.")
FORBIDDEN = _("This request is not allowed.")
PARAMETER_BLANK = _("Give a value, or leave this parameter out.")
PARAMETER_REPEATED = _("Give this parameter once.")
PARAMETER_NUL = _("Null characters are not allowed.")
BAD_DATE = _("Enter a date as YYYY-MM-DD, e.g. 2026-11-01.")
BAD_DATETIME = _("Enter a date and time with its UTC offset, e.g. 2026-11-01T08:00:00Z or 2026-11-01T10:00:00+02:00.")
DATETIME_OUT_OF_RANGE = _("This date and time is outside the years 1 to 9999 once converted to UTC.")
BAD_UUID = _("Enter a uid in its usual form, e.g. 6c906e2b-9472-37fa-9b6f-a398e0f821f1.")
BAD_BOOLEAN = _("Enter true or false.")
BAD_PAGE_SIZE = _("Give the number of results per page as a whole number from 1 (at most 500 are sent).")
BAD_ORDERING = _("Sort by one of: %(fields)s.")
NO_AGREEMENT = _("This API client has no data-sharing agreement, so it may not read or send data.")
AGREEMENT_EXPIRED = _("The data-sharing agreement of this API client expired on %(date)s. Ask MONUSCO to renew it.")
RESOURCE_NOT_IN_AGREEMENT = _("The data-sharing agreement of this API client does not cover this resource.")
FILTER_TOO_FINE = _(
    "The data-sharing agreement of this API client allows geography down to the %(level)s only: "
    "filter by %(allowed)s instead."
)
