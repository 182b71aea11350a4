from rest_framework.routers import SimpleRouter

from .views import AlertViewSet, FocalPointViewSet

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
router.register("focal-points", FocalPointViewSet, basename="focal-point")

urlpatterns = router.urls
