from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import IndicatorsView, ReviewViewSet

router = SimpleRouter()
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = [path("indicators/", IndicatorsView.as_view(), name="indicators"), *router.urls]
