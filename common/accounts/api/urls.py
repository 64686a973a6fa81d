from django.urls import path

from common.accounts.api import views

urlpatterns = [
    path("auth/session", views.SessionView.as_view(), name="auth-session"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
]
