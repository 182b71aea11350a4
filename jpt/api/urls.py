from rest_framework.routers import SimpleRouter

from .views import MissionViewSet

router = SimpleRouter()
router.register("missions", MissionViewSet, basename="mission")

urlpatterns = router.urls
