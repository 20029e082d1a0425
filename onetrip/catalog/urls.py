from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.sunshine_list, name="list"),
    path("items/<str:code>/", views.item_guide, name="item"),
    path("packages/<slug:code>/", views.package_guide, name="package"),
]
