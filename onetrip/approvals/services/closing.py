"""The end of a case: withdrawal, delivery of results, visits to the window, ratings."""

from __future__ import annotations

import hmac
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from onetrip.accounts.models import Membership, OrgUnit, Role, User
from onetrip.accounts.selectors import scope_of
from onetrip.catalog.models import Delivery as DeliveryMethod
from onetrip.errors import (
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from onetrip.monitoring.services import (
    stop_clock,
)
from onetrip.prepared import save_fields

from ..models import (
    Case,
    CaseExtensionRequest,
    Delivery,
    ExtensionRequest,
    Rating,
    RatingLevel,
    SpecialProcedure,
    SupplementRequest,
    Visit,
    VisitPurpose,
)
from ..states import (
    TASK_OPEN,
    CaseAction,
    CaseState,
    RequestState,
    TaskAction,
)
from .applying import (
    _case_snapshots,
    _check_delivery,
)
from .common import (
    _event,
    _follow_clock,
    _Graph,
    _locked,
    _move_case,
    _move_task,
    _now,
    _require_applicant,
    _require_text,
    _require_user,
)
from .flow import (
    _deliver,
)


def withdraw_case(*, case: Case, by: User, reason: str = "", now: datetime | None = None
                  ) -> Case:
    """The applicant withdraws before the decision (a clerk may record it for them).

    Undecided tasks are cancelled and every clock stops; items already
    approved stay approved (their certificates stand).
    """
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        by = _require_applicant(by, case, or_clerk=True)
        _move_case(case, CaseAction.WITHDRAW)
        graph = _Graph(case)
        cancelled = []
        for task in graph.reviews():
            if task.state in TASK_OPEN:
                _move_task(task, TaskAction.CANCEL)
                task.decided_at = now
                if task.clock is not None and task.clock.done_at is None:
                    task.clock = stop_clock(clock=task.clock, at=now, by=by)
                    _follow_clock(task)
                save_fields(task, "state", "decided_at", "deadline_at")
                cancelled.append(task.pk)
        for clock in (case.intake_clock, case.clock):
            if clock is not None and clock.done_at is None:
                stop_clock(clock=clock, at=now, by=by)
        SupplementRequest.objects.filter(case=case, state=RequestState.OPEN).update(
            state=RequestState.CANCELLED
        )
        SpecialProcedure.objects.filter(case=case, ended_at__isnull=True).update(
            ended_at=now, ended_by=by
        )
        for requests in (ExtensionRequest.objects, CaseExtensionRequest.objects):
            requests.filter(case=case, state=RequestState.OPEN).update(
                state=RequestState.CANCELLED, decided_at=now
            )
        case.withdrawn_at, case.intake_due_at = now, None
        save_fields(case, "state", "withdrawn_at", "intake_due_at")
        _event(case, "case.withdrawn", by, now, reason=reason.strip(), cancelled=cancelled)
        return case


def choose_delivery(*, case: Case, by: User, method: str, address: str = "",
                    now: datetime | None = None) -> Case:
    """The applicant (or a clerk for them) chooses how the results reach them."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        by = _require_applicant(by, case, or_clerk=True)
        _move_case(case, CaseAction.CHOOSE_DELIVERY)
        errors = _check_delivery([s for _ci, s in _case_snapshots(case)], method, address)
        if errors:
            raise ValidationFailed(errors[0].reason, errors=errors)
        case.delivery_method, case.delivery_address = method, address.strip()[:200]
        save_fields(case, "delivery_method", "delivery_address")
        _event(case, "case.delivery_chosen", by, now, method=method)
        if case.state == CaseState.DECIDED and method == DeliveryMethod.ELECTRONIC:
            _deliver(case, method=method, by=by, now=now)
        return case



def deliver_results(
    *,
    case: Case,
    by: User,
    method: str | None = None,
    tracking_number: str = "",
    carrier: str = "",
    now: datetime | None = None,
) -> Delivery:
    """A clerk hands over the decided case's results: by post (tracking number required, no
    trip) or at the window (the applicant's visit is recorded: one trip). Electronic delivery
    happens by itself when the case is decided."""
    now = _now(now)
    with transaction.atomic():
        case = _locked(case)
        by = _require_user(by)
        method = method or case.delivery_method
        if method not in DeliveryMethod.values:
            raise ValidationFailed(_("Choose a way of delivery."), field="method")
        units = scope_of(by).units(Role.CLERK)
        if case.intake_unit_id not in units and not (method == DeliveryMethod.WINDOW and units):
            raise PermissionDenied(_("Only a clerk may record the delivery."))
        if method == DeliveryMethod.POST:
            tracking_number = _require_text(tracking_number, "tracking_number",
                                            _("Give the postal tracking number."))
        unit = case.intake_unit if case.intake_unit_id in units else OrgUnit.objects.filter(
            pk__in=Membership.objects.filter(user=by, role=Role.CLERK).values("unit_id")
        ).first()
        return _deliver(case, method=method, by=by, now=now,
                        tracking_number=tracking_number[:40], carrier=carrier.strip()[:40],
                        unit=unit)


def record_visit(*, case: Case, by: User, purpose: str, note: str = "",
                 unit: OrgUnit | None = None, now: datetime | None = None) -> Visit:
    """A clerk records an in-person visit of the applicant about this case (any centre)."""
    now = _now(now)
    by = _require_user(by)
    if purpose not in VisitPurpose.values:
        raise ValidationFailed(_("Choose the purpose of the visit."), field="purpose")
    clerk_units = scope_of(by).units(Role.CLERK)
    if unit is None:
        direct = list(Membership.objects.filter(user=by, role=Role.CLERK)
                      .values_list("unit_id", flat=True))
        if not direct:
            raise PermissionDenied(_("Only a clerk may record a visit."))
        unit = OrgUnit.objects.get(pk=direct[0])
    if unit.pk not in clerk_units:
        raise PermissionDenied(_("Only a clerk of this service centre may record a visit here."))
    with transaction.atomic():
        case = _locked(case)
        _move_case(case, CaseAction.RECORD_VISIT)
        visit = Visit.objects.create(case=case, unit=unit, purpose=purpose,
                                     note=note.strip()[:200], at=now, recorded_by=by)
        case.trips += 1
        save_fields(case, "trips")
        _event(case, "case.visit_recorded", by, now, purpose=purpose, unit=unit.code,
               trips=case.trips)
        return visit


def rate_case(*, case: Case, level: int, by: User | None = None, query_code: str | None = None,
              comment: str = "", now: datetime | None = None) -> Rating:
    """The applicant rates the service (好差评, five levels) once the case is decided.

    An applicant without an account rates with the case's query code.
    """
    now = _now(now)
    if level not in RatingLevel.values:
        raise ValidationFailed(_("Choose one of the five levels."), field="level")
    with transaction.atomic():
        case = _locked(case)
        if query_code is not None and by is None:
            if not hmac.compare_digest(query_code.strip().upper().encode(),
                                       case.query_code.encode()):
                raise PermissionDenied(_("The query code does not match."))
        else:
            by = _require_applicant(by, case)
        _move_case(case, CaseAction.RATE)
        if Rating.objects.filter(case=case).exists():
            raise Conflict(_("This case has already been rated."))
        rating = Rating.objects.create(case=case, level=level, comment=comment.strip(),
                                       rated_at=now, rated_by=by)
        _event(case, "case.rated", by, now, level=level)
        return rating
