from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("two-factor/", views.manage, name="two_factor"),
    path("two-factor/verify/", views.verify, name="two_factor_verify"),
    path("two-factor/setup/", views.setup, name="two_factor_setup"),
    path("two-factor/new-phone/", views.new_phone, name="two_factor_new_phone"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="two_factor_recovery_codes"),
    path("two-factor/off/", views.disable, name="two_factor_disable"),
]
