from django.urls import path

from . import views, views_public

app_name = "hotline"
urlpatterns = [
    path("", views_public.new, name="new"),
    path("check/", views_public.check, name="check"),
    path("filed/", views_public.filed, name="filed"),
    path("lookup/", views.lookup, name="lookup"),
    path("console/", views.console, name="console"),
    path("console/panel/", views.console_panel, name="console_panel"),
    path("queue/", views.queue, name="queue"),
    path("queue/<slug:tab>/", views.queue, name="queue_tab"),
    path("follow-up/", views.follow_up_queue, name="follow_up"),
    path("inbox/", views.inbox, name="inbox"),
    path("hot/", views.hot, name="hot"),
    path("t/<str:number>/", views.ticket_page, name="ticket"),
    path("t/<str:number>/check-reply/", views.check_reply, name="check_reply"),
    path("t/<str:number>/files/<int:pk>/", views.attachment, name="attachment"),
    path("t/<str:number>/<slug:action>/", views.act, name="act"),
]
