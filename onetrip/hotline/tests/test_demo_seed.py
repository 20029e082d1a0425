"""The demo hotline: the real taxonomy, handlers, past tickets through the real services."""

import pytest

from onetrip.audit.models import Event
from onetrip.hotline import demo, dispatch
from onetrip.hotline.models import Category, Ticket
from onetrip.hotline.taxonomy import TAXONOMY

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ONETRIP_DISPATCH_MODEL", str(tmp_path / "dispatch.pkl"))
    dispatch.forget_model()
    yield tmp_path / "dispatch.pkl"
    dispatch.forget_model()


def test_the_tree_has_exactly_the_seven_classes_and_their_second_level(db):
    from onetrip.accounts.demo import seed as seed_accounts

    seed_accounts()
    demo.seed_categories()
    tops = list(Category.objects.filter(parent__isnull=True).values_list("name", flat=True))
    assert tops == [
        "城乡建设",
        "环境保护",
        "交通运输",
        "教育文体",
        "劳动和社会保障",
        "商贸旅游",
        "卫生计生",
    ]
    assert (
        Category.objects.filter(parent__isnull=False).count()
        == sum(len(children) for _, children in TAXONOMY)
        == 49
    )
    housing = Category.objects.get(path="城乡建设/住房保障与房地产")
    assert housing.default_unit.code == "zjj" and housing.code == "109"
    assert Category.objects.get(path="城乡建设/村镇建设").local
    events = Event.objects.count()
    demo.seed_categories()
    assert Event.objects.count() == events  # idempotent


def test_past_tickets_go_through_the_services(db, model_file):
    from onetrip.accounts.demo import seed as seed_accounts
    from onetrip.accounts.models import OrgUnit, Role, UnitKind, User
    from onetrip.accounts.services import grant_role, upsert_unit

    seed_accounts()
    # What seed() adds before the tickets: the extra unit and the township handlers.
    county = OrgUnit.objects.get(kind=UnitKind.COUNTY)
    yjj = upsert_unit(code="yjj", name="应急管理局", kind=UnitKind.DEPARTMENT, parent=county)
    grant_role(user=User.objects.create_user("handler-yjj"), unit=yjj, role=Role.HANDLER)
    for town in OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP):
        grant_role(
            user=User.objects.create_user(f"handler-{town.code}"), unit=town, role=Role.HANDLER
        )
    demo.seed_categories()
    made = demo.seed_tickets(operator=User.objects.get(username="operator"), history=12)
    assert made >= 12
    assert Ticket.objects.filter(status="closed").count() == 12
    assert set(Ticket.objects.values_list("status", flat=True)) >= {
        "closed",
        "registered",
        "dispatched",
        "signed",
        "replied",
    }
    texts, labels = dispatch.training_set(with_corpus=False)
    assert len(texts) >= 12 and all("/" in label for label in labels)
