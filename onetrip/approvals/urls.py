"""The case pages, mounted at /cases/: the portal first, the workbench under work/.

Literal paths come before `<number>/`: case numbers (MH20260209-000001)
never equal them.
"""

from django.urls import path, re_path

from .views import apply, counter, portal, work

app_name = "approvals"

NUMBER = r"(?P<number>[A-Z0-9][A-Z0-9-]{5,31})"

urlpatterns = [
    # portal
    path("", portal.my_cases, name="mine"),
    path("track/", portal.track, name="track"),
    path("apply/item/<str:code>/", apply.apply_item, name="apply_item"),
    path("apply/package/<slug:code>/", apply.apply_package, name="apply_package"),
    path("drafts/<int:pk>/", apply.task_list, name="draft"),
    path("drafts/<int:pk>/applicant/", apply.applicant, name="draft_applicant"),
    path("drafts/<int:pk>/details/", apply.details, name="draft_details"),
    path("drafts/<int:pk>/materials/", apply.materials, name="draft_materials"),
    path("drafts/<int:pk>/delivery/", apply.delivery, name="draft_delivery"),
    path("drafts/<int:pk>/check/", apply.check, name="draft_check"),
    path("drafts/<int:pk>/discard/", apply.discard, name="draft_discard"),
    path("materials/<int:pk>/", portal.material_file, name="material_file"),
    # workbench
    path("work/", work.work_home, name="work"),
    path("work/cases/", work.work_cases, name="work_cases"),
    path("work/intake/", work.intake, name="intake"),
    path("work/walk-in/", counter.walk_in, name="walk_in"),
    path("work/walk-in/item/<str:code>/", counter.walk_in_item, name="walk_in_item"),
    path("work/walk-in/package/<slug:code>/", counter.walk_in_package, name="walk_in_package"),
    re_path(rf"^work/walk-in/{NUMBER}/receipt/$", counter.walk_in_receipt,
            name="walk_in_receipt"),
    path("work/inbox/", work.inbox, name="inbox"),
    path("work/extensions/", work.extensions, name="extensions"),
    path("work/extensions/<int:pk>/decide/", work.decide_extension, name="decide_extension"),
    path("work/case-extensions/", work.case_extensions, name="case_extensions"),
    path("work/case-extensions/<int:pk>/decide/", work.decide_case_extension,
         name="decide_case_extension"),
    path("work/tasks/<int:pk>/<slug:action>/", work.task_action, name="task_action"),
    re_path(rf"^work/cases/{NUMBER}/$", work.work_case, name="work_case"),
    re_path(rf"^work/cases/{NUMBER}/supply/$", counter.work_supply, name="work_supply"),
    re_path(rf"^work/cases/{NUMBER}/(?P<action>[a-z-]+)/$", work.case_action,
            name="case_action"),
    # one case, for its applicant
    re_path(rf"^{NUMBER}/$", portal.case_page, name="case"),
    re_path(rf"^{NUMBER}/submitted/$", portal.submitted, name="submitted"),
    re_path(rf"^{NUMBER}/supplement/$", portal.supply, name="supply"),
    re_path(rf"^{NUMBER}/withdraw/$", portal.withdraw, name="withdraw"),
    re_path(rf"^{NUMBER}/delivery/$", portal.choose_delivery, name="choose_delivery"),
    re_path(rf"^{NUMBER}/rate/$", portal.rate, name="rate"),
    re_path(rf"^{NUMBER}/notices/(?P<pk>[0-9]+)/$", portal.notice_page, name="notice"),
    re_path(rf"^{NUMBER}/notices/(?P<pk>[0-9]+)\.pdf$", portal.notice_pdf, name="notice_pdf"),
    re_path(rf"^{NUMBER}/certificates/(?P<pk>[0-9]+)\.pdf$", portal.certificate_pdf,
            name="certificate_pdf"),
]
