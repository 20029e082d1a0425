"""The admin site saves the catalogue through the services and explains what is wrong."""

import pytest
from django.urls import reverse

from onetrip.audit.selectors import events_for
from onetrip.catalog import services
from onetrip.catalog.models import Package, ServiceItem

from .conftest import item_record

pytestmark = pytest.mark.django_db


def item_form(units, **overrides):
    data = {
        "code": "ADM1", "name": "管理后台新增事项", "kind": "licensing",
        "department": units["depta"].pk, "co_units": [units["deptb"].pk], "is_active": "on",
        "legal_limit": "20", "committed_limit": "5", "handling": "committed",
        "trips_required": "1", "online_depth": "apply", "special_procedures": ["site_survey"],
        "result_name": "许可证", "fee": "", "fee_basis": "", "delivery_window": "on",
        "window": "", "location": "", "hours": "", "phone": "", "conditions": "",
        "legal_basis": "", "application_fields": "[]", "green_channel_rules": "[]",
        "materials-TOTAL_FORMS": "2", "materials-INITIAL_FORMS": "0",
        "materials-MIN_NUM_FORMS": "0", "materials-MAX_NUM_FORMS": "1000",
        "materials-0-position": "1", "materials-0-name": "申请书", "materials-0-key": "",
        "materials-0-requirement": "required", "materials-0-condition": "",
        "materials-0-form": "original", "materials-0-paper_copies": "1",
        "materials-0-source": "applicant", "materials-0-blank_form": "", "materials-0-sample": "",
        "materials-0-notes": "",
        "materials-1-position": "0", "materials-1-name": "", "materials-1-key": "",
        "materials-1-requirement": "required", "materials-1-condition": "",
        "materials-1-form": "original", "materials-1-paper_copies": "1",
        "materials-1-source": "applicant", "materials-1-blank_form": "",
        "materials-1-sample": "", "materials-1-notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, county):
    client.force_login(county.admin)
    return client


def test_adding_an_item_in_the_admin_goes_through_the_service(admin_client, units, county):
    response = admin_client.post(reverse("admin:catalog_serviceitem_add"), item_form(units))
    assert response.status_code == 302, response.context and (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]])
    item = ServiceItem.objects.get(code="ADM1")
    assert item.version == 1
    assert [m.key for m in item.materials.all()] == ["申请书"]
    assert list(item.co_units.values_list("code", flat=True)) == ["deptb"]
    assert item.special_procedures == ["site_survey"]
    [event] = events_for(item)
    assert (event.action, event.actor) == ("catalog.item_created", county.admin)


def test_the_admin_refuses_a_committed_limit_above_the_legal_one(admin_client, units):
    response = admin_client.post(reverse("admin:catalog_serviceitem_add"),
                                 item_form(units, committed_limit="30"))
    assert response.status_code == 200
    assert "承诺办结时限（30）不能超过法定办结时限（20）。" in response.content.decode()
    assert not ServiceItem.objects.exists()


def test_editing_in_the_admin_makes_a_new_version(admin_client, make_item, units):
    item = make_item("A1")
    url = reverse("admin:catalog_serviceitem_change", args=[item.pk])
    assert admin_client.get(url).status_code == 200
    data = item_form(units, code="A1", name="改过的名字", co_units=[], special_procedures=[],
                     result_name="")
    data.update({"materials-TOTAL_FORMS": "1", "materials-0-name": "申请书"})
    response = admin_client.post(url, data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.name, item.version) == ("改过的名字", 2)


def package_form(items, waits=None, **overrides):
    data = {
        "code": "adm-p", "name": "后台套餐", "category": "business", "lead_department": "",
        "committed_limit": "3", "description": "", "is_active": "on",
        "members-TOTAL_FORMS": str(len(items)), "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "1000",
    }
    for i, item in enumerate(items):
        data[f"members-{i}-position"] = str(i + 1)
        data[f"members-{i}-item"] = str(item.pk)
        data[f"members-{i}-waits_for"] = [str(w.pk) for w in (waits or {}).get(item.code, [])]
    data.update(overrides)
    return data


def test_adding_a_package_in_the_admin_saves_members_and_dependencies(admin_client, make_item):
    a, b = make_item("A"), make_item("B")
    response = admin_client.post(reverse("admin:catalog_package_add"),
                                 package_form([a, b], {"B": [a]}))
    assert response.status_code == 302
    package = Package.objects.get(code="adm-p")
    assert [(d.item.code, d.requires.code) for d in package.dependencies.all()] == [("B", "A")]
    assert package.version == 1
    change = admin_client.get(reverse("admin:catalog_package_change", args=[package.pk]))
    assert change.status_code == 200
    assert "逐项办理 10 个工作日，关键路径 10，套餐时限 3" in change.content.decode()


def test_the_admin_refuses_a_dependency_cycle_naming_it(admin_client, make_item):
    a, b = make_item("A"), make_item("B")
    response = admin_client.post(reverse("admin:catalog_package_add"),
                                 package_form([a, b], {"B": [a], "A": [b]}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "前置关系形成循环" in html and "测试事项A（A）" in html
    assert not Package.objects.exists()


def test_the_admin_lists_and_never_deletes(admin_client, make_item):
    make_item("A")
    services.save_package(record={"code": "p", "name": "套餐", "committed_limit": 1,
                                  "items": ["A"], "dependencies": []})
    for name in ("serviceitem", "package", "itemversion", "packageversion"):
        assert admin_client.get(reverse(f"admin:catalog_{name}_changelist")).status_code == 200
    item = ServiceItem.objects.get(code="A")
    assert admin_client.get(reverse("admin:catalog_serviceitem_delete", args=[item.pk])
                            ).status_code == 403
    assert services.save_item(record=item_record("A")).outcome == services.UNCHANGED
