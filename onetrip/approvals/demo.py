"""Demo cases in various states, so the portal and the workbench are not empty (demo seed only).

Every case is driven through the services, like real work, with times in the
last few working days: clocks, notices and audit chains are all genuine.
Idempotent: the first run leaves a marker (a Counter row); later runs change
nothing. Needs the accounts and catalogue demos (seed_demo runs them first);
a package or item the catalogue does not have is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from onetrip.accounts.models import OrgUnit, User
from onetrip.catalog.models import Package, ServiceItem
from onetrip.workdays.calendar import SHANGHAI, local_date
from onetrip.workdays.services import current_calendar

from . import selectors, services
from .models import Case, Counter, Task
from .states import TaskState

MARKER = "demo:approvals"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _working_day_back(days: int, hour: int, minute: int = 0) -> datetime:
    """The moment `days` working days before today, at hour:minute, Asia/Shanghai."""
    calendar = current_calendar()
    day = local_date(timezone.now())
    while days > 0:
        day -= timedelta(days=1)
        if calendar.is_workday(day):
            days -= 1
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def _form_values(form: selectors.ApplicationForm, overrides: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in form.fields:
        if not spec.get("required"):
            continue
        kind = spec.get("type", "text")
        values[spec["name"]] = {"number": 100, "boolean": False}.get(
            kind, (spec.get("choices") or ["演示"])[0])
    values.update(overrides)
    return values


def _uploads(form: selectors.ApplicationForm) -> dict[str, SimpleUploadedFile]:
    return {need.key: SimpleUploadedFile(f"{need.name[:40]}.pdf", PDF,
                                         content_type="application/pdf")
            for need in form.materials if need.required}


def _apply(applicant: User, *, when: datetime, item: ServiceItem | None = None,
           package: Package | None = None, fields: dict[str, Any] | None = None,
           delivery: str | None = None, commitments: tuple[str, ...] = ()) -> Case:
    form = selectors.application_form(item=item, package=package)
    method = delivery if delivery in form.delivery_methods else form.delivery_methods[0]
    return services.apply_online(
        by=applicant, item=item, package=package, fields=_form_values(form, fields or {}),
        uploads=_uploads(form), delivery_method=method,
        delivery_address="福建省福州市闽侯县甘蔗街道昙石山西大道1号" if method == "post" else "",
        commitments=commitments, now=when,
    )


def _tasks(case: Case) -> dict[str, Task]:
    return {t.department.code: t for t in Task.objects.filter(case=case, kind="review")
            .select_related("department")}


def _handler(code: str) -> User | None:
    return _user(f"handler-{code}")


def _head(code: str) -> User | None:
    return _user(f"head-{code}")


def _by_name(name: str) -> ServiceItem | None:
    return ServiceItem.objects.filter(name=name, is_active=True).first()


def _package(code: str) -> Package | None:
    return Package.objects.filter(code=code, is_active=True).first()


def seed() -> dict[str, int]:
    """Create the demo cases once; returns how many were created."""
    if not settings.DEMO_SEED_ALLOWED:
        raise RuntimeError("demo seeding is refused when ONETRIP_ENV=production")
    if Counter.objects.filter(key=MARKER).exists():
        return {"cases": 0}
    people = {name: _user(name) for name in ("applicant", "applicant2", "clerk",
                                             "clerk-township")}
    if any(user is None for user in people.values()):
        return {"cases": 0}  # the accounts demo has not run
    created = 0
    builders: list[Callable[[dict[str, User]], Case | None]] = [
        _waiting_for_intake, _bianlidian_in_review, _green_channel_zero_day,
        _awaiting_supplement, _special_procedure_and_extension, _township_walk_in_to_collect,
        _completed_and_rated,
    ]
    with transaction.atomic():
        for build in builders:
            with transaction.atomic():
                if build(people) is not None:
                    created += 1
        Counter.objects.create(key=MARKER, value=created)
    return {"cases": created}


# --- the cases ------------------------------------------------------------------------------

def _waiting_for_intake(people: dict[str, User]) -> Case | None:
    """开餐饮店一件事, applied for online yesterday: in the clerk's intake queue."""
    package = _package("canyin")
    if package is None:
        return None
    return _apply(people["applicant2"], package=package, when=_working_day_back(1, 15, 20))


def _bianlidian_in_review(people: dict[str, User]) -> Case | None:
    """开便利店一件事, accepted three working days ago: the licence is out, the rest in review;
    the lead department's head asked the county leader for more time (joint handling)."""
    package = _package("bianlidian")
    if package is None:
        return None
    case = _apply(people["applicant"], package=package, when=_working_day_back(3, 9, 10))
    case = services.accept_case(case=case, by=people["clerk"], now=_working_day_back(3, 10))
    first = _working_day_back(2, 9, 30)
    for code, task in _tasks(case).items():
        handler = _handler(code)
        if task.state != TaskState.PENDING or handler is None:
            continue
        services.sign_for_task(task=task, by=handler, now=first)
        if code == "scjg":
            services.approve_task(task=task, by=handler, note="符合登记条件",
                                  now=_working_day_back(2, 11))
            break
    lead_head = _head(case.clock.unit.code) if case.clock and case.clock.unit else None
    if lead_head is not None and services.case_extensions.is_joint(case):
        services.request_case_extension(
            case=case, by=lead_head, days=10, now=_working_day_back(1, 16),
            reason="烟草专卖零售许可需现场核查经营场所间距，涉及多部门联合踏勘",
        )
    return case


def _green_channel_zero_day(people: dict[str, User]) -> Case | None:
    """低压电力接入 150 m without digging: approved at once at intake."""
    item = _by_name("低压电力接入工程占用、挖掘城市道路审批（绿色通道）")
    if item is None:
        return None
    case = _apply(people["applicant2"], item=item, when=_working_day_back(2, 14),
                  fields={"length_m": 150, "digging": False})
    return services.accept_case(case=case, by=people["clerk"], now=_working_day_back(2, 14, 30))


def _awaiting_supplement(people: dict[str, User]) -> Case | None:
    """公共场所卫生许可: the clerk asked for one material again."""
    item = _by_name("公共场所卫生许可（新办）")
    if item is None:
        return None
    case = _apply(people["applicant"], item=item, when=_working_day_back(2, 10))
    needs = selectors.application_form(item=item).materials
    if not needs:
        return case
    services.request_supplement(
        case=case, by=people["clerk"], now=_working_day_back(1, 9, 40),
        items=[{"key": needs[-1].key, "reason": "复印件不清晰，请重新上传彩色扫描件"}],
        note="其余材料齐全",
    )
    return case


def _special_procedure_and_extension(people: dict[str, User]) -> Case | None:
    """风景名胜区内建设活动审批: an expert review is running; an extension waits for the head."""
    item = _by_name("风景名胜区内建设活动审批（选址意见）")
    if item is None:
        return None
    case = _apply(people["applicant2"], item=item, when=_working_day_back(4, 9))
    case = services.accept_case(case=case, by=people["clerk"], now=_working_day_back(4, 11))
    task = Task.objects.get(case=case)
    handler = _handler(task.department.code)
    if handler is None:
        return case
    services.sign_for_task(task=task, by=handler, now=_working_day_back(3, 9))
    services.request_extension(task=task, by=handler, days=5, reason="需征求林业、文物部门意见",
                               now=_working_day_back(2, 16))
    services.start_special_procedure(
        task=task, by=handler, kind="expert_review", expected_workdays=5,
        reason="项目位于风景名胜区二级保护区，需组织专家论证景观影响", now=_working_day_back(1, 10),
    )
    return case


def _township_walk_in_to_collect(people: dict[str, User]) -> Case | None:
    """个体工商户设立登记 at the 南屿 centre: decided, waiting to be collected at the window."""
    item = _by_name("个体工商户设立登记")
    centre = OrgUnit.objects.filter(code="centre-nanyu").first()
    if item is None or centre is None:
        return None
    form = selectors.application_form(item=item)
    when = _working_day_back(3, 15)
    case = services.register_walk_in(
        by=people["clerk-township"], item=item, centre=centre, applicant_name="陈秀英",
        applicant_id_number="350121198805061234", applicant_phone="13905910000",
        fields=_form_values(form, {}), uploads=_uploads(form), delivery_method="window",
        now=when,
    )
    services.accept_case(case=case, by=people["clerk-township"], now=when + timedelta(minutes=20))
    task = Task.objects.get(case=case)
    handler = _handler(task.department.code)
    if handler is not None:
        services.sign_for_task(task=task, by=handler, now=_working_day_back(2, 9))
        services.approve_task(task=task, by=handler, now=_working_day_back(2, 10))
    return case


def _completed_and_rated(people: dict[str, User]) -> Case | None:
    """企业开办一件事 a week ago: everything approved, delivered electronically, rated."""
    package = _package("qykb")
    if package is None:
        return None
    case = _apply(people["applicant2"], package=package, when=_working_day_back(6, 9),
                  delivery="electronic")
    services.accept_case(case=case, by=people["clerk"], now=_working_day_back(6, 9, 30))
    for _round in range(3):  # items that waited start when the licence is approved
        for code, task in _tasks(case).items():
            handler = _handler(code)
            if handler is None:
                continue
            task.refresh_from_db()
            if task.state == TaskState.PENDING:
                services.sign_for_task(task=task, by=handler, now=_working_day_back(5, 10))
                task.refresh_from_db()
            if task.state == TaskState.IN_REVIEW:
                services.approve_task(task=task, by=handler, now=_working_day_back(5, 15))
    case.refresh_from_db()
    if case.state in ("decided", "completed"):
        services.rate_case(case=case, by=people["applicant2"], level=5,
                           comment="一网通办，一天拿到全部证照", now=_working_day_back(4, 10))
    return case
