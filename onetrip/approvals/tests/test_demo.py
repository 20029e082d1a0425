"""The demo cases: created through the services, in several states, once."""

import pytest

from onetrip.accounts.models import User
from onetrip.approvals import demo, selectors
from onetrip.approvals.models import Case
from onetrip.audit.verify import verify

from .builders import assert_clocks_match_events


@pytest.mark.django_db
def test_the_demo_fills_the_workbench_once(settings, tmp_path):
    from onetrip.accounts import demo as accounts_demo
    from onetrip.catalog import demo as catalog_demo

    settings.MEDIA_ROOT = str(tmp_path)
    accounts_demo.seed()
    catalog_demo.seed()
    assert demo.seed() == {"cases": 7}
    assert demo.seed() == {"cases": 0}
    states = set(Case.objects.values_list("state", flat=True))
    assert {"submitted", "in_review", "completed", "awaiting_supplement", "decided"} <= states
    clerk = User.objects.get(username="clerk")
    assert selectors.intake_queue_for(clerk).exists()
    handler = User.objects.get(username="handler-scjg")
    assert selectors.inbox_for(handler).exists()
    head = User.objects.get(username="head-zjj")
    assert selectors.extension_requests_for(head).exists()
    leader = User.objects.get(username="leader")
    assert selectors.case_extension_requests_for(leader).exists()
    for case in Case.objects.all():
        assert_clocks_match_events(case)
    assert verify().ok
