"""``?format=``: one of the view's formats, or 406 with the formats it offers (DRF answers 404)."""

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation

from . import messages


class ApiContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) == "":
            raise NotAcceptable(messages.NOT_ACCEPTABLE)
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers, format):
        renderers = [renderer for renderer in renderers if renderer.format == format]
        if not renderers:
            raise NotAcceptable(messages.NOT_ACCEPTABLE)
        return renderers
