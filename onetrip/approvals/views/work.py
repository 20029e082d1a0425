"""The workbench: the clerk's intake queue, a department's inbox, the head's extension
requests, the county leader's requests for more time for joint cases, and the case page
with its actions.

Dense tables with the deadline and its colour on every row; filters live in
the query string (and are remembered for the session) so they stay put
after an action. Every action is a plain POST that works without
JavaScript; with htmx it comes back as the updated fragment. A failed action
shows the page as it is now, with the reason: 400 for bad input, 403 for
someone without the role, 409 when the state moved (someone acted first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from onetrip.accounts.models import Role, User
from onetrip.accounts.selectors import scope_of
from onetrip.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from onetrip.workdays.services import current_calendar

from .. import selectors, services
from .. import selectors_pages as pages
from ..forms import (
    AssignForm,
    CaseExtensionForm,
    CheckForm,
    DecideExtensionForm,
    DeliverForm,
    EndSpecialProcedureForm,
    ExtensionForm,
    NoteForm,
    ReasonForm,
    SpecialProcedureForm,
    SupplementRequestForm,
    VisitForm,
    apply_domain_error,
    error_list,
)
from ..models import CaseExtensionRequest, ExtensionRequest, Task
from ..states import CaseAction, CaseState, RequestState, TaskAction, TaskState
from .common import domain_errors, is_htmx, safe_next, staff_only, with_query

PER_PAGE = 50
INBOX_SESSION_KEY = "approvals:inbox-filters"


# --- where the workbench starts --------------------------------------------------------------

@domain_errors
@staff_only
@require_GET
def work_home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if scope.units(Role.CLERK):
        return redirect("approvals:intake")
    if scope.units(Role.HANDLER, Role.HEAD):
        return redirect("approvals:inbox")
    return redirect("approvals:work_cases")


def _tabs(request: HttpRequest) -> list[dict[str, Any]]:
    """The workbench's own navigation, by role."""
    scope = scope_of(request.user)
    tabs = []
    if scope.units(Role.CLERK) or scope.county_wide:
        tabs.append(("approvals:intake", gettext_lazy("Intake queue"), "i"))
    if scope.units(Role.CLERK):
        tabs.append(("approvals:walk_in", gettext_lazy("Register a walk-in"), "w"))
    if scope.units(Role.HANDLER, Role.HEAD) or scope.county_wide:
        tabs.append(("approvals:inbox", gettext_lazy("Department inbox"), "b"))
    if scope.units(Role.HEAD) or scope.county_wide:
        tabs.append(("approvals:extensions", gettext_lazy("Extension requests"), "e"))
    if scope.has_role(Role.LEADER):
        tabs.append(("approvals:case_extensions", gettext_lazy("Case extension requests"), "l"))
    tabs.append(("approvals:work_cases", gettext_lazy("All cases"), "a"))
    here = request.resolver_match.view_name
    return [{"url": reverse(name), "label": label, "key": key, "name": name,
             "current": here == name or here in TAB_PAGES.get(name, ())}
            for name, label, key in tabs]


# Pages reached from a tab that keep it highlighted.
TAB_PAGES = {"approvals:walk_in": ("approvals:walk_in_item", "approvals:walk_in_package",
                                   "approvals:walk_in_receipt")}


def _page_query(request: HttpRequest) -> str:
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- lists ---------------------------------------------------------------------------------------

@domain_errors
@staff_only
@require_GET
def work_cases(request: HttpRequest) -> HttpResponse:
    filters = selectors.CaseFilters.from_params(request.GET)
    cases = selectors.cases_for(request.user, filters)
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "approvals/work/cases.html", {
        "tabs": _tabs(request), "filters": filters, "page": page,
        "page_query": _page_query(request), "states": CaseState.choices,
    })


INTAKE_TABS = {
    "submitted": gettext_lazy("Waiting for the intake decision"),
    "supplement": gettext_lazy("Waiting for the applicant's supplements"),
    "handover": gettext_lazy("Results to hand over"),
}


@domain_errors
@staff_only
@require_GET
def intake(request: HttpRequest) -> HttpResponse:
    """The clerk's queue: cases to accept, most urgent first, with the countdown to deemed
    acceptance; and the cases waiting for supplements or for their results to be handed over."""
    now = timezone.now()
    tab = request.GET.get("tab", "submitted")
    if tab not in INTAKE_TABS:
        tab = "submitted"
    if tab == "handover":
        cases = selectors.results_to_hand_over_for(request.user)
    elif tab == "supplement":
        cases = selectors.intake_queue_for(request.user, now=now,
                                           states=(CaseState.AWAITING_SUPPLEMENT,))
    else:
        cases = selectors.intake_queue_for(request.user, now=now)
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    calendar = current_calendar() if tab == "submitted" and rows else None
    for case in rows:
        case.last_day = pages.last_day(case.intake_due_at)
        case.left = pages.workdays_left(case.intake_due_at, now, calendar) \
            if calendar is not None else None
    return render(request, "approvals/work/intake.html", {
        "tabs": _tabs(request), "tab": tab, "tab_labels": INTAKE_TABS, "page": page,
        "rows": rows, "now": now, "can_register": bool(scope_of(request.user).units(Role.CLERK)),
    })


@domain_errors
@staff_only
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """A department's open tasks, soonest deadline first, each coloured by its signal.

    A fixed number of queries whatever the page size: the session, the user,
    the scope (two), the count, the page's ids and its rows.
    """
    if "reset" in request.GET:
        request.session.pop(INBOX_SESSION_KEY, None)
        return redirect("approvals:inbox")
    if not request.GET and request.session.get(INBOX_SESSION_KEY):
        return redirect(with_query(reverse("approvals:inbox"),
                                   request.session[INBOX_SESSION_KEY]))
    now = timezone.now()
    filters = pages.InboxFilters.from_params(request.GET)
    if filters.active:
        request.session[INBOX_SESSION_KEY] = filters.as_params()
    else:
        request.session.pop(INBOX_SESSION_KEY, None)
    ids = pages.inbox_ids(request.user, filters, now=now)
    page = Paginator(ids, PER_PAGE).get_page(request.GET.get("page"))
    rows = _as_inbox_rows(pages.inbox_rows(request.user, list(page.object_list), now=now))
    scope = scope_of(request.user)
    return render(request, "approvals/work/inbox.html", {
        "tabs": _tabs(request), "filters": filters, "page": page, "rows": rows,
        "page_query": _page_query(request), "now": now,
        "states": _task_state_choices(),
        "colours": COLOUR_LABELS.items(),
        "departments": pages.departments_of(request.user)
        if len(scope.units(Role.HANDLER, Role.HEAD)) > 1 else [],
        "user_id": request.user.pk,
        "here": request.get_full_path(),
    })


# Placeholders that the URL patterns accept and no real value contains.
_NUMBER_MARK, _PK_MARK = "MARK-NUMBER", 987654321


def _as_inbox_rows(tasks: Any) -> list[Task]:
    """What each inbox row shows beyond its fields: its last day, its state's label, its links.

    The links are reversed once and filled in for each row: `{% url %}` twice
    per row, and `get_state_display` (which hashes every choice on each call),
    were a quarter of the time to render a page of 50 rows.
    """
    rows = list(tasks)
    case_url = reverse("approvals:work_case", args=[_NUMBER_MARK])
    sign_url = reverse("approvals:task_action", args=[_PK_MARK, "sign"])
    for task in rows:
        task.last_day = pages.last_day(task.clock.deadline_at if task.clock_id else None)
        task.state_label = TaskState(task.state).label
        task.case_url = case_url.replace(_NUMBER_MARK, task.case.number or "")
        task.sign_url = sign_url.replace(str(_PK_MARK), str(task.pk))
    return rows


COLOUR_LABELS = {
    "red": gettext_lazy("red card"),
    "yellow": gettext_lazy("yellow card"),
    "prewarning": gettext_lazy("pre-warning"),
    "normal": gettext_lazy("on time"),
}


def _task_state_choices() -> list[tuple[str, str]]:
    return [(s, TaskState(s).label) for s in pages.INBOX_STATES]


@domain_errors
@staff_only
@require_GET
def extensions(request: HttpRequest) -> HttpResponse:
    """Extension requests waiting for the head's decision, oldest first."""
    now = timezone.now()
    requests_ = list(selectors.extension_requests_for(request.user)[:200])
    return render(request, "approvals/work/extensions.html", {
        "tabs": _tabs(request), "now": now,
        "rows": [_extension_row(request.user, r, now) for r in requests_],
    })


def _extension_row(user: Any, request_: ExtensionRequest, now: Any,
                   form: DecideExtensionForm | None = None) -> dict[str, Any]:
    clock = request_.task.clock
    return {
        "request": request_, "clock": clock, "colour": pages.clock_colour(clock, now),
        "last_day": pages.last_day(clock.deadline_at) if clock else None,
        "form": form or DecideExtensionForm(prefix=f"x{request_.pk}"),
        # county-wide roles (the efficiency office) watch the list; only the head decides
        "can_decide": request_.task.department_id in scope_of(user).units(Role.HEAD),
    }


def _decide(request: HttpRequest, form: DecideExtensionForm, decide: Any,
            request_: Any) -> DomainError | None:
    """Run an extension decision from its form; the error to show, or None."""
    if not form.is_valid():
        return ValidationFailed(_("Check the decision."))
    try:
        decide(request=request_, by=request.user,
               approve=form.cleaned_data["decision"] == "approve",
               note=form.cleaned_data["note"])
    except ValidationFailed as exc:
        apply_domain_error(form, exc)
        return exc
    except (Conflict, PermissionDenied) as exc:
        return exc
    return None


@domain_errors
@staff_only
@require_POST
def decide_extension(request: HttpRequest, pk: int) -> HttpResponse:
    """The head approves or refuses; from the list (a row comes back) or the case page."""
    now = timezone.now()
    request_ = pages.extension_request_for(request.user, pk)
    form = DecideExtensionForm(request.POST, prefix=f"x{pk}")
    error = _decide(request, form, services.decide_extension, request_)
    if request.POST.get("fragment") == "case":
        return _after_action(request, request_.case.number, error=error,
                             form_key=f"x{pk}", form=form if error else None,
                             success=_("Extension decided."), anchor=f"task-{request_.task_id}")
    if is_htmx(request):
        fresh = pages.extension_request_for(request.user, pk)
        return render(request, "approvals/work/_extension_row.html", {
            **_extension_row(request.user, fresh, now, form if error else None),
            "error": str(error.reason) if error else "", "done": error is None,
        }, status=_status(error))
    if error is None:
        messages.success(request, _("Extension decided."))
        return redirect(safe_next(request, reverse("approvals:extensions")))
    # Without JavaScript: the list as it is now, the failed row with its form and reason.
    rows = []
    for open_request in selectors.extension_requests_for(request.user)[:200]:
        if open_request.pk == pk:
            rows.append({**_extension_row(request.user, open_request, now, form),
                         "error": str(error.reason)})
        else:
            rows.append(_extension_row(request.user, open_request, now))
    if not any(row["request"].pk == pk for row in rows):
        messages.error(request, str(error.reason))
    return render(request, "approvals/work/extensions.html", {
        "tabs": _tabs(request), "rows": rows, "now": now,
    }, status=error.status)


@domain_errors
@staff_only
@require_GET
def case_extensions(request: HttpRequest) -> HttpResponse:
    """Requests for more time for joint cases waiting for the county leader, oldest first."""
    now = timezone.now()
    requests_ = list(selectors.case_extension_requests_for(request.user)[:200])
    return render(request, "approvals/work/case_extensions.html", {
        "tabs": _tabs(request), "rows": [_case_extension_row(r, now) for r in requests_],
        "now": now, "max": services.JOINT_EXTENSION_MAX_WORKDAYS,
    })


def _case_extension_row(request_: CaseExtensionRequest, now: Any,
                        form: DecideExtensionForm | None = None) -> dict[str, Any]:
    clock = request_.case.clock
    return {
        "request": request_, "clock": clock, "colour": pages.clock_colour(clock, now),
        "last_day": pages.last_day(clock.deadline_at) if clock else None,
        "legal_last_day": pages.last_day(clock.legal_deadline_at) if clock else None,
        "form": form or DecideExtensionForm(prefix=f"j{request_.pk}"),
    }


@domain_errors
@staff_only
@require_POST
def decide_case_extension(request: HttpRequest, pk: int) -> HttpResponse:
    """The county leader approves or refuses; from the list (a row comes back) or the case
    page. Mirrors `decide_extension`."""
    now = timezone.now()
    request_ = pages.case_extension_request_for(request.user, pk)
    form = DecideExtensionForm(request.POST, prefix=f"j{pk}")
    error = _decide(request, form, services.decide_case_extension, request_)
    if request.POST.get("fragment") == "case":
        return _after_action(request, request_.case.number, error=error,
                             form_key=f"j{pk}", form=form if error else None,
                             success=_("Extension decided."), anchor="joint-extension")
    if is_htmx(request):
        fresh = pages.case_extension_request_for(request.user, pk)
        return render(request, "approvals/work/_case_extension_row.html", {
            **_case_extension_row(fresh, now, form if error else None),
            "error": str(error.reason) if error else "", "done": error is None,
        }, status=_status(error))
    if error is None:
        messages.success(request, _("Extension decided."))
        return redirect(safe_next(request, reverse("approvals:case_extensions")))
    rows = []
    for open_request in selectors.case_extension_requests_for(request.user)[:200]:
        if open_request.pk == pk:
            rows.append({**_case_extension_row(open_request, now, form),
                         "error": str(error.reason)})
        else:
            rows.append(_case_extension_row(open_request, now))
    if not any(row["request"].pk == pk for row in rows):
        messages.error(request, str(error.reason))
    return render(request, "approvals/work/case_extensions.html", {
        "tabs": _tabs(request), "rows": rows, "now": now,
        "max": services.JOINT_EXTENSION_MAX_WORKDAYS,
    }, status=error.status)


def _status(error: DomainError | None) -> int:
    return 200 if error is None else error.status


# --- the case page ---------------------------------------------------------------------------

def _case_forms(detail: selectors.CaseDetail) -> dict[str, Callable[..., forms.Form]]:
    known = [(s.need.key, s.need.name) for s in detail.materials]
    known += [(m.key, m.name) for m in detail.extra_materials]
    return {
        "accept": lambda *a, **k: NoteForm(*a, **k),
        "supplement": lambda *a, **k: SupplementRequestForm(*a, materials=known, **k),
        "refuse": lambda *a, **k: ReasonForm(*a, **k),
        "visit": lambda *a, **k: VisitForm(*a, **k),
        "deliver": lambda *a, **k: DeliverForm(*a, initial={"method": detail.case.delivery_method},
                                               **k),
        "extension": lambda *a, **k: CaseExtensionForm(*a, **k),
    }


CASE_ACTIONS: dict[str, tuple[str, Any, Any]] = {
    # name: (state-table action, label, message when done)
    "accept": (CaseAction.ACCEPT, gettext_lazy("Accept"),
               gettext_lazy("Accepted: the acceptance notice was issued and the departments "
                            "have their tasks.")),
    "supplement": (CaseAction.REQUEST_SUPPLEMENT, gettext_lazy("Ask for supplements"),
                   gettext_lazy("The supplement notice was sent to the applicant.")),
    "refuse": (CaseAction.REFUSE, gettext_lazy("Refuse to accept"),
               gettext_lazy("Not accepted: the notice with the reason was issued.")),
    "visit": (CaseAction.RECORD_VISIT, gettext_lazy("Record a visit"),
              gettext_lazy("The visit was recorded.")),
    "deliver": (CaseAction.DELIVER, gettext_lazy("Record the delivery"),
                gettext_lazy("The delivery was recorded.")),
    # the lead department's head, for a joint case: shown in its own section, not the window's
    "extension": (CaseAction.REQUEST_EXTENSION,
                  gettext_lazy("Ask the county leader for more time (joint handling)"),
                  gettext_lazy("The request for more time went to the county leader.")),
}


def _run_case_action(action: str, case: Any, by: User, data: dict[str, Any],
                     form: forms.Form) -> None:
    if action == "accept":
        services.accept_case(case=case, by=by, note=data["note"])
    elif action == "supplement":
        assert isinstance(form, SupplementRequestForm)
        services.request_supplement(case=case, by=by, items=form.items(), note=data["note"])
    elif action == "refuse":
        services.refuse_case(case=case, by=by, reason=data["reason"])
    elif action == "visit":
        services.record_visit(case=case, by=by, purpose=data["purpose"], note=data["note"])
    elif action == "deliver":
        services.deliver_results(case=case, by=by, method=data["method"],
                                 tracking_number=data["tracking_number"],
                                 carrier=data["carrier"])
    elif action == "extension":
        services.request_case_extension(case=case, by=by, days=data["days"],
                                        reason=data["reason"])
    else:  # pragma: no cover - the URL pattern lists the actions
        raise NotFound(_("No such action."))


TASK_ACTIONS: dict[str, tuple[str, Any, Any]] = {
    "sign": (TaskAction.SIGN, gettext_lazy("Sign for"),
             gettext_lazy("Signed for: the task is yours.")),
    "approve": (TaskAction.APPROVE, gettext_lazy("Approve"), gettext_lazy("Approved.")),
    "refuse": (TaskAction.REFUSE, gettext_lazy("Refuse"), gettext_lazy("Refused.")),
    "supplement": (TaskAction.REQUEST_SUPPLEMENT, gettext_lazy("Ask for supplements"),
                   gettext_lazy("The supplement notice goes to the applicant through the "
                                "window; the clocks wait.")),
    "special": (TaskAction.START_SPECIAL_PROCEDURE, gettext_lazy("Start a special procedure"),
                gettext_lazy("The special procedure started; the applicant was told in "
                             "writing and the clock waits.")),
    "special-end": (TaskAction.END_SPECIAL_PROCEDURE, gettext_lazy("End the special procedure"),
                    gettext_lazy("The special procedure ended; the clock runs again.")),
    "extension": (TaskAction.REQUEST_EXTENSION, gettext_lazy("Ask for an extension"),
                  gettext_lazy("The extension request went to the head.")),
    "assign": (TaskAction.ASSIGN, gettext_lazy("Reassign"), gettext_lazy("Reassigned.")),
    "check": (TaskAction.COMPLETE_CHECK, gettext_lazy("Complete the follow-up check"),
              gettext_lazy("The follow-up check was recorded.")),
}


def _task_forms(task: Task, snapshot: dict[str, Any]) -> dict[str, Callable[..., forms.Form]]:
    return {
        "approve": lambda *a, **k: NoteForm(*a, **k),
        "refuse": lambda *a, **k: ReasonForm(*a, **k),
        "supplement": lambda *a, **k: SupplementRequestForm(
            *a, materials=[(m.get("key", ""), m.get("name", "")) for m in
                           snapshot.get("materials") or () if m.get("key")], **k),
        "special": lambda *a, **k: SpecialProcedureForm(
            *a, allowed=snapshot.get("special_procedures") or (), **k),
        "special-end": lambda *a, **k: EndSpecialProcedureForm(*a, **k),
        "extension": lambda *a, **k: ExtensionForm(*a, **k),
        "assign": lambda *a, **k: AssignForm(*a, people=pages.colleagues_of(task), **k),
        "check": lambda *a, **k: CheckForm(*a, **k),
    }


def _run_task_action(action: str, task: Task, by: User, data: dict[str, Any],
                     form: forms.Form | None) -> None:
    if action == "sign":
        services.sign_for_task(task=task, by=by)
    elif action == "approve":
        services.approve_task(task=task, by=by, note=data["note"])
    elif action == "refuse":
        services.refuse_task(task=task, by=by, reason=data["reason"])
    elif action == "supplement":
        assert isinstance(form, SupplementRequestForm)
        services.request_task_supplement(task=task, by=by, items=form.items(),
                                         note=data["note"])
    elif action == "special":
        services.start_special_procedure(task=task, by=by, kind=data["kind"],
                                         expected_workdays=data["expected_workdays"],
                                         reason=data["reason"])
    elif action == "special-end":
        services.end_special_procedure(task=task, by=by, outcome=data["outcome"])
    elif action == "extension":
        services.request_extension(task=task, by=by, days=data["days"], reason=data["reason"])
    elif action == "assign":
        services.assign_task(task=task, to=pages.colleague(task, data["to"]), by=by)
    elif action == "check":
        services.complete_check(task=task, by=by, compliant=data["compliant"],
                                note=data["note"])
    else:  # pragma: no cover - the URL pattern lists the actions
        raise NotFound(_("No such action."))


# Which task actions show, from the state table's names (selectors.task_actions_for).
TASK_ACTION_NAMES = {spec[0]: name for name, spec in TASK_ACTIONS.items()}
CASE_ACTION_NAMES = {spec[0]: name for name, spec in CASE_ACTIONS.items()}


def work_case_context(request: HttpRequest, detail: selectors.CaseDetail, *,
                      bound: dict[str, forms.Form] | None = None,
                      error: DomainError | None = None, success: str = "") -> dict[str, Any]:
    """Everything the case page and its fragment show; `bound` holds a form that failed."""
    now = timezone.now()
    bound = bound or {}
    case = detail.case
    snapshots = {ci.pk: ci.item_version.snapshot for ci in detail.items}
    clock_rows = pages.clock_rows(case, detail.tasks, now)
    clocks_by_task = {row.task_id: row for row in clock_rows if row.task_id}
    case_clock = next((row for row in clock_rows if row.kind == "case"), None)
    intake_clock = next((row for row in reversed(clock_rows) if row.kind == "intake"), None)

    case_forms = _case_forms(detail)
    case_actions = []
    ask_extension = None
    for action in sorted(detail.case_actions, key=lambda a: list(CASE_ACTION_NAMES).index(a)
                         if a in CASE_ACTION_NAMES else 99):
        name = CASE_ACTION_NAMES.get(action)
        if name is None or (name == "deliver" and case.state != CaseState.DECIDED):
            continue
        key = f"case-{name}"
        form = bound.get(key) or case_forms[name](prefix=key)
        entry = {"name": name, "label": CASE_ACTIONS[name][1], "form": form,
                 "key": key, "open": key in bound,
                 "url": reverse("approvals:case_action",
                                kwargs={"number": case.number, "action": name})}
        if name == "extension":
            ask_extension = entry
        else:
            case_actions.append(entry)
    open_case_extension = detail.open_case_extension
    decide_case_extension = None
    if open_case_extension is not None and CaseAction.DECIDE_EXTENSION in detail.case_actions:
        key = f"j{open_case_extension.pk}"
        decide_case_extension = {
            "request": open_case_extension, "key": key, "open": key in bound,
            "form": bound.get(key) or DecideExtensionForm(prefix=key),
            "url": reverse("approvals:decide_case_extension",
                           kwargs={"pk": open_case_extension.pk})}

    open_extensions = {r.task_id: r for r in detail.extension_requests
                       if r.state == RequestState.OPEN}
    open_procedures = {p.task_id: p for p in detail.special_procedures if p.ended_at is None}
    task_rows = []
    for task in detail.tasks:
        allowed = detail.task_actions.get(task.pk, frozenset())
        forms_ = _task_forms(task, snapshots.get(task.case_item_id, {}))
        actions = []
        for action, name in TASK_ACTION_NAMES.items():
            if action not in allowed:
                continue
            if name == "extension" and task.pk in open_extensions:
                continue
            key = f"t{task.pk}-{name}"
            form = bound.get(key) or (forms_[name](prefix=key) if name in forms_ else None)
            actions.append({"name": name, "label": TASK_ACTIONS[name][1], "form": form,
                            "key": key, "open": key in bound,
                            "url": reverse("approvals:task_action",
                                           kwargs={"pk": task.pk, "action": name})})
        extension = open_extensions.get(task.pk)
        decide = None
        if extension is not None and task.department_id in detail.viewer.head_units:
            key = f"x{extension.pk}"
            decide = {"request": extension, "key": key, "open": key in bound,
                      "form": bound.get(key) or DecideExtensionForm(prefix=key),
                      "url": reverse("approvals:decide_extension", kwargs={"pk": extension.pk})}
        clock = clocks_by_task.get(task.pk)
        task_rows.append({
            "task": task, "actions": actions, "clock": clock,
            "colour": clock.colour if clock else "",
            "extension": extension, "decide": decide,
            "procedure": open_procedures.get(task.pk),
            "mine": task.department_id in detail.viewer.handler_units,
        })
    return {
        "tabs": _tabs(request),
        "detail": detail, "case": case, "now": now,
        "clock_rows": clock_rows, "case_clock": case_clock, "intake_clock": intake_clock,
        "case_actions": case_actions, "task_rows": task_rows,
        # more time for a joint case: the lead head asks, a county leader decides
        "joint_extension": {
            "ask": ask_extension, "decide": decide_case_extension,
            "open": open_case_extension, "requests": detail.case_extension_requests,
            "days": case.extension_days, "max": services.JOINT_EXTENSION_MAX_WORKDAYS,
        } if ask_extension or detail.case_extension_requests else None,
        # The applicant brought the supplements to the window: the clerk supplies them.
        "can_supply": CaseAction.SUPPLY in detail.case_actions and detail.viewer.is_clerk
        and detail.open_supplement is not None,
        "timeline": selectors.timeline(case, audience="staff"),
        "error": str(error.reason) if error else "",
        "error_status": error.status if error else None,
        "errors": error_list(exc=error) if isinstance(error, ValidationFailed) else [],
        "success": success,
    }


@domain_errors
@staff_only
@require_GET
def work_case(request: HttpRequest, number: str) -> HttpResponse:
    detail = selectors.case_detail(request.user, number=number)
    return render(request, "approvals/work/case.html", work_case_context(request, detail))


def _after_action(request: HttpRequest, number: str, *, error: DomainError | None,
                  form_key: str, form: forms.Form | None, success: str,
                  anchor: str = "") -> HttpResponse:
    """The page (or, for htmx, its body fragment) as it is now, with the outcome."""
    if error is None and not is_htmx(request):
        messages.success(request, success)
        return redirect(safe_next(request, reverse("approvals:work_case",
                                                   kwargs={"number": number})
                                  + (f"#{anchor}" if anchor else "")))
    detail = selectors.case_detail(request.user, number=number)
    if isinstance(error, Conflict):
        error = Conflict(_("%(reason)s Someone may have acted on this case a moment ago: the "
                           "page now shows it as it is.") % {"reason": error.reason})
    context = work_case_context(request, detail, bound={form_key: form} if form else None,
                                error=error, success="" if error else success)
    template = "approvals/work/_case_body.html" if is_htmx(request) else "approvals/work/case.html"
    return render(request, template, context, status=_status(error))


def _bind(factory: Callable[..., forms.Form] | None, request: HttpRequest, key: str
          ) -> tuple[forms.Form | None, dict[str, Any] | None]:
    if factory is None:
        return None, {}
    form = factory(request.POST, prefix=key)
    return form, form.cleaned_data if form.is_valid() else None


@domain_errors
@staff_only
@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in CASE_ACTIONS:
        raise NotFound(_("No such action."))
    detail = selectors.case_detail(request.user, number=number)
    key = f"case-{action}"
    form, data = _bind(_case_forms(detail)[action], request, key)
    error: DomainError | None = None
    if data is None:
        error = ValidationFailed(_("Check the form: %(errors)s") % {
            "errors": "；".join(str(m) for errs in form.errors.values() for m in errs)})
    else:
        try:
            _run_case_action(action, detail.case, request.user, data, form)
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
            error = exc
        except (Conflict, PermissionDenied) as exc:
            error = exc
    return _after_action(request, number, error=error, form_key=key,
                         form=form if error else None, success=str(CASE_ACTIONS[action][2]))


@domain_errors
@staff_only
@require_POST
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in TASK_ACTIONS:
        raise NotFound(_("No such action."))
    now = timezone.now()
    task = selectors.task_for(request.user, pk)
    snapshot = task.case_item.item_version.snapshot
    key = f"t{task.pk}-{action}"
    factory = _task_forms(task, snapshot).get(action)
    form, data = _bind(factory, request, key)
    error: DomainError | None = None
    if data is None:
        assert form is not None
        error = ValidationFailed(_("Check the form: %(errors)s") % {
            "errors": "；".join(str(m) for errs in form.errors.values() for m in errs)})
    else:
        try:
            _run_task_action(action, task, request.user, data, form)
        except ValidationFailed as exc:
            if form is not None:
                apply_domain_error(form, exc)
            error = exc
        except (Conflict, PermissionDenied) as exc:
            error = exc
    success = str(TASK_ACTIONS[action][2])
    if request.POST.get("fragment") == "row":
        # The inbox: the row as it is now (or gone), with the outcome beside it.
        if is_htmx(request):
            row = pages.inbox_row(request.user, task.pk, now=now)
            _as_inbox_rows([row or task])
            if isinstance(error, Conflict):
                message = _("%(reason)s Someone else acted on this task first.") % {
                    "reason": error.reason}
            else:
                message = str(error.reason) if error else success
            several = len(scope_of(request.user).units(Role.HANDLER, Role.HEAD)) > 1
            return render(request, "approvals/work/_inbox_row.html", {
                "task": row or task, "gone": row is None, "message": message,
                "departments": pages.departments_of(request.user) if several else [],
                "is_error": error is not None, "now": now, "user_id": request.user.pk,
                "here": safe_next(request, reverse("approvals:inbox")),
            }, status=_status(error))
        if error is None:
            messages.success(request, success)
        else:
            messages.error(request, str(error.reason))
        return redirect(safe_next(request, reverse("approvals:inbox")))
    return _after_action(request, task.case.number, error=error, form_key=key,
                         form=form if error else None, success=success,
                         anchor=f"task-{task.pk}")

