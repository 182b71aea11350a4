from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AlertMeasuresView, AlertViewSet, FocalPointViewSet

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
router.register("focal-points", FocalPointViewSet, basename="focal-point")

urlpatterns = [path("alert-measures/", AlertMeasuresView.as_view(), name="alert-measures"), *router.urls]
