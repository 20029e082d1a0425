from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from onetrip.api.api import api
from onetrip.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("workbench/", web_views.workbench, name="workbench"),
    path("healthz", web_views.healthz, name="healthz"),
    path("healthz/live", web_views.liveness, name="liveness"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("open311/", include("onetrip.api.open311")),
    path("hotline/", include("onetrip.hotline.urls")),
    path("catalog/", include("onetrip.catalog.urls")),
    path("cases/", include("onetrip.approvals.urls")),
]
