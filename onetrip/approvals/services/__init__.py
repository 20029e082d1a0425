"""Every write to cases: one function per action, called by every door (pages, API, commands).

By stage: applying.py (applications, materials, drafts), intake.py (the window's
decision), tasks.py (the departments' work), flow.py (how decisions cascade to
the case and its delivery), closing.py (withdrawal, delivery, visits, ratings),
hooks.py (what runs beside the actions); common.py holds what they share. Names
with a leading underscore are private to this package.

Each function
- takes keyword arguments only, names who acts (`by=`; None only for the
  system: green-channel decisions, deemed acceptance, electronic delivery)
  and when (`now=`, default `timezone.now()`), read once and passed on;
- runs in one `transaction.atomic()`, locking the case row first (every
  action on a case or any of its tasks does, always in that order, so two
  people acting on one case queue instead of deadlocking, and the second
  one sees the first one's result);
- checks the state tables in states.py (TransitionNotAllowed, HTTP 409),
  the actor's role (PermissionDenied, 403) and its input (ValidationFailed,
  400, naming each bad field);
- records its audit event on the case's chain (`obj=case`) in the same
  transaction. Clocks are started, paused, resumed, extended and stopped
  through `monitoring.services`, whose events land on the same chain.

Clock rules (docs/approvals.md says why):
- intake: 5 working days from receipt; a supplement request stops it and the
  supplied materials start a new one ("the clock starts from the day the
  materials are complete"); silence until its deadline = deemed accepted as
  of the day the current clock started (the sweep hook below);
- each review task: its item's committed limit, legal limit beside it, from
  the moment it starts (acceptance, or the approval of what it waits for);
- the case: the package's committed limit (or the item's), legal 45 working
  days for joint handling by several departments (else the item's), from the
  acceptance date (for a deemed acceptance, the day received: the lateness
  shows on the case clock, not on the departments');
- a review supplement pauses the case clock and every running review-task
  clock; a special procedure pauses its task's clock and the case clock;
  clocks resume when nothing holds them any more;
- an approved extension extends its task's clock (committed and legal), and
  the case clock so that its extension equals the largest task extension;
- a joint case (several departments) gets up to 15 more working days with a
  county leader's approval (case_extensions.py); the case clock's extension is
  then the larger of those days and the largest task extension, never the sum.
"""

from .applying import (
    apply_online,
    attach_material,
    create_draft,
    register_walk_in,
    remove_material,
    save_draft,
    submit_application,
)
from .case_extensions import decide_case_extension, request_case_extension
from .closing import choose_delivery, deliver_results, rate_case, record_visit, withdraw_case
from .common import (
    CASE_CLOCK,
    EXTENSION_MAX_WORKDAYS,
    FOLLOW_UP_CHECK_WORKDAYS,
    INTAKE_LIMIT_WORKDAYS,
    JOINT_EXTENSION_MAX_WORKDAYS,
    JOINT_LEGAL_LIMIT_WORKDAYS,
    SupplementInput,
    SupplementItem,
)
from .hooks import follow_recomputed_clocks, register_hooks
from .intake import (
    accept_case,
    deem_overdue_cases_accepted,
    refuse_case,
    request_supplement,
    supply_supplement,
)
from .tasks import (
    approve_task,
    assign_task,
    complete_check,
    decide_extension,
    end_special_procedure,
    refuse_task,
    request_extension,
    request_task_supplement,
    sign_for_task,
    start_special_procedure,
)

__all__ = [
    "CASE_CLOCK",
    "EXTENSION_MAX_WORKDAYS",
    "FOLLOW_UP_CHECK_WORKDAYS",
    "INTAKE_LIMIT_WORKDAYS",
    "JOINT_EXTENSION_MAX_WORKDAYS",
    "JOINT_LEGAL_LIMIT_WORKDAYS",
    "SupplementInput",
    "SupplementItem",
    "accept_case",
    "apply_online",
    "approve_task",
    "assign_task",
    "attach_material",
    "choose_delivery",
    "complete_check",
    "create_draft",
    "decide_case_extension",
    "decide_extension",
    "deem_overdue_cases_accepted",
    "deliver_results",
    "end_special_procedure",
    "follow_recomputed_clocks",
    "rate_case",
    "record_visit",
    "refuse_case",
    "refuse_task",
    "register_hooks",
    "register_walk_in",
    "remove_material",
    "request_case_extension",
    "request_extension",
    "request_supplement",
    "request_task_supplement",
    "save_draft",
    "sign_for_task",
    "start_special_procedure",
    "submit_application",
    "supply_supplement",
    "withdraw_case",
]
