from django.urls import path

from . import views

app_name = "gender"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("review/<slug:report_type>/<uuid:uid>/", views.review, name="review"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard-csv"),
]
