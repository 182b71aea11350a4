from django.urls import path

from . import views

app_name = "cla"
urlpatterns = [
    path("", views.home, name="home"),
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/new/", views.meeting_create, name="meeting-create"),
    path("meetings/<uuid:uid>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<uuid:uid>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<uuid:uid>/submit/", views.meeting_submit, name="meeting-submit"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_create, name="plan-create"),
    path("plans/<uuid:uid>/", views.plan_detail, name="plan-detail"),
    path("plans/<uuid:uid>/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<uuid:uid>/submit/", views.plan_submit, name="plan-submit"),
    path("plans/<uuid:uid>/versions/<int:version>/", views.plan_revision, name="plan-revision"),
    path("actions/<uuid:uid>/status/", views.action_update, name="action-update"),
]
