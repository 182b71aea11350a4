from rest_framework.filters import OrderingFilter


class ApiOrderingFilter(OrderingFilter):
    ordering_description = "Sort by one of the listed fields; prefix with - for descending order."
