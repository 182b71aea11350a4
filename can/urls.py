from django.urls import path

from . import callback_views, inbox_views, receipt_views, views

app_name = "can"
urlpatterns = [
    path("inbound/<uuid:channel_uid>/receive", views.inbound_receive, name="inbound-receive"),
    path("inbound/<uuid:channel_uid>/missed-call", views.inbound_missed_call, name="inbound-missed-call"),
    path("inbound/<uuid:channel_uid>/status", receipt_views.inbound_status, name="inbound-status"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/new", inbox_views.inbox_new, name="inbox-new"),
    path("alerts/new/", views.alert_create, name="alert-create"),
    path("alerts/<uuid:uid>/", views.alert_detail, name="alert-detail"),
    path("alerts/<uuid:uid>/acknowledge", inbox_views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<uuid:uid>/correct", views.alert_correct, name="alert-correct"),
    path("alerts/<uuid:uid>/verify", inbox_views.alert_verify, name="alert-verify"),
    path("alerts/<uuid:uid>/dispatch", inbox_views.alert_dispatch, name="alert-dispatch"),
    path("alerts/<uuid:uid>/close", inbox_views.alert_close, name="alert-close"),
    path("call-backs/", callback_views.callback_list, name="callback-list"),
    path("call-backs/<uuid:uid>/", callback_views.callback_detail, name="callback-detail"),
    path("response-times/", callback_views.response_times, name="response-times"),
    path("focal-points/", views.focalpoint_list, name="focalpoint-list"),
    path("focal-points/new/", views.focalpoint_create, name="focalpoint-create"),
    path("focal-points/<uuid:uid>/", views.focalpoint_detail, name="focalpoint-detail"),
    path("focal-points/<uuid:uid>/edit/", views.focalpoint_update, name="focalpoint-update"),
    path("focal-points/<uuid:uid>/deactivate", views.focalpoint_deactivate, name="focalpoint-deactivate"),
    path("focal-points/<uuid:uid>/move", views.focalpoint_move, name="focalpoint-move"),
]
