from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from . import messages


class ApiOrderingFilter(OrderingFilter):
    """``ordering``: one of the view's ``ordering_fields``, ``-`` for descending; anything else is a
    400 (DRF ignores it). One field only: the cursor of a page holds the first field's position."""

    ordering_description = "Sort by one of the listed fields; prefix with - for descending order."

    def choices(self, view) -> list[str]:
        return [term for field in view.ordering_fields for term in (field, f"-{field}")]

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return self.get_default_ordering(view)
        choices = self.choices(view)
        if raw not in choices:
            raise ValidationError({self.ordering_param: [messages.BAD_ORDERING % {"fields": ", ".join(choices)}]})
        return (raw,)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {"type": "string", "enum": self.choices(view)}
        return parameters
