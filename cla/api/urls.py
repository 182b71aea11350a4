from rest_framework.routers import SimpleRouter

from .views import BaseViewSet, MeetingViewSet, PlanViewSet

router = SimpleRouter()
router.register("bases", BaseViewSet, basename="base")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("plans", PlanViewSet, basename="plan")

urlpatterns = router.urls
