from django.urls import path

from . import views

app_name = "jpt"
urlpatterns = [
    path("missions/<uuid:uid>/report/", views.mission_report, name="mission-report"),
]
