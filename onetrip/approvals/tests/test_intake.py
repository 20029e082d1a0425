"""One-window intake: applying online or at a window, materials once, the clerk's decision."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.approvals import selectors, services
from onetrip.approvals.models import CaseMaterial, Notice, Visit
from onetrip.approvals.states import CaseState
from onetrip.catalog.figures import material_key
from onetrip.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed

from .builders import JPEG, PNG, abc_uploads, at, pdf, single_uploads

pytestmark = pytest.mark.django_db


def apply(world, **kwargs):
    kwargs.setdefault("uploads", abc_uploads())
    kwargs.setdefault("now", at(2026, 3, 2, 9))
    return services.apply_online(by=world.applicant, package=world.package, **kwargs)


def test_a_case_has_a_readable_unique_number_and_a_query_code(world):
    first, second = apply(world), apply(world)
    assert re.fullmatch(r"MH20260302-\d{6}", first.number)
    assert first.number != second.number
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", first.query_code)
    receipt = Notice.objects.get(case=first, kind="receipt")
    assert first.number in receipt.body and first.query_code in receipt.body


def test_a_package_asks_each_shared_material_once_and_not_what_it_produces(world):
    form = selectors.application_form(package=world.package)
    keys = [m.key for m in form.materials]
    assert keys.count("applicant-id") == 1 and keys.count("premises") == 1
    assert len(keys) == 6  # three application forms, two shared, one conditional
    assert [m.key for m in form.materials if not m.required] == ["消防说明"]
    # C asks for A's certificate, which the package itself produces
    assert [m.produced_by for m in form.produced_inside] == ["T-A"]
    assert form.delivery_methods == ["electronic", "post", "window"]


def test_a_missing_required_material_is_named(world):
    uploads = abc_uploads()
    del uploads["premises"]
    with pytest.raises(ValidationFailed) as caught:
        apply(world, uploads=uploads)
    assert [(e.field, e.code) for e in caught.value.errors] == [("materials.premises", "required")]


def test_a_refused_upload_says_why_and_nothing_is_stored(world):
    uploads = abc_uploads()
    uploads["premises"] = SimpleUploadedFile("lease.pdf", b"MZ\x90\x00 not a pdf at all")
    uploads["applicant-id"] = SimpleUploadedFile("id.pdf", b"")
    with pytest.raises(ValidationFailed) as caught:
        apply(world, uploads=uploads)
    codes = {e.field: e.code for e in caught.value.errors}
    assert codes == {"materials.premises": "file_type", "materials.applicant-id": "empty_file"}
    assert "PDF" in next(e.reason for e in caught.value.errors if e.code == "file_type")
    assert CaseMaterial.objects.count() == 0


def test_a_too_large_upload_is_refused(world, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    uploads = abc_uploads()
    uploads["premises"] = SimpleUploadedFile("big.png", PNG + b"\x00" * 2000)
    with pytest.raises(ValidationFailed) as caught:
        apply(world, uploads=uploads)
    assert [e.code for e in caught.value.errors] == ["file_too_large"]


def test_images_are_accepted_by_content_whatever_their_name(world):
    uploads = abc_uploads()
    uploads["premises"] = SimpleUploadedFile("lease.pdf", JPEG)  # a JPEG named .pdf
    case = apply(world, uploads=uploads)
    assert CaseMaterial.objects.get(case=case, key="premises").file.content_type == "image/jpeg"


def test_a_draft_keeps_the_good_materials_when_one_upload_is_refused(world):
    draft = services.create_draft(by=world.applicant, package=world.package,
                                  now=at(2026, 3, 2, 9))
    assert draft.number is None and draft.state == CaseState.DRAFT
    for key, upload in abc_uploads().items():
        if key != "premises":
            services.attach_material(case=draft, by=world.applicant, key=key, upload=upload)
    with pytest.raises(ValidationFailed) as caught:
        services.attach_material(case=draft, by=world.applicant, key="premises",
                                 upload=SimpleUploadedFile("x.pdf", b"GIF89a"))
    assert caught.value.errors[0].field == "materials.premises"
    assert CaseMaterial.objects.filter(case=draft, is_current=True).count() == 4
    with pytest.raises(ValidationFailed) as missing:
        services.submit_application(case=draft, by=world.applicant)
    assert [e.field for e in missing.value.errors] == ["materials.premises"]
    services.attach_material(case=draft, by=world.applicant, key="premises", upload=pdf())
    services.save_draft(case=draft, by=world.applicant, delivery_method="post",
                        delivery_address="福州市闽侯县甘蔗街道1号")
    case = services.submit_application(case=draft, by=world.applicant, now=at(2026, 3, 2, 10))
    assert case.state == CaseState.SUBMITTED and case.number
    assert case.delivery_method == "post"


def test_another_applicant_cannot_touch_a_draft(world):
    draft = services.create_draft(by=world.applicant, item=world.item_a)
    with pytest.raises(PermissionDenied):
        services.attach_material(case=draft, by=world.other_applicant, key="premises",
                                 upload=pdf())
    with pytest.raises(NotFound):
        selectors.case_for(world.clerk, pk=draft.pk)  # staff do not see drafts


def test_earlier_materials_are_offered_again_and_reused(world):
    first = apply(world)
    offers = selectors.reusable_materials_for(world.applicant)
    assert {"applicant-id", "premises"} <= set(offers)
    assert offers["premises"].case_number == first.number
    uploads = single_uploads(world.item_b)
    del uploads["applicant-id"]
    case = services.apply_online(
        by=world.applicant, item=world.item_b, uploads=uploads,
        reuse={"applicant-id": offers["applicant-id"].ref}, now=at(2026, 3, 3),
    )
    reused = CaseMaterial.objects.get(case=case, key="applicant-id")
    assert reused.source == "reuse"
    assert reused.file_id == CaseMaterial.objects.get(case=first, key="applicant-id").file_id
    form = selectors.application_form(item=world.item_b, user=world.applicant)
    assert "applicant-id" in form.offers


def test_someone_elses_material_cannot_be_reused(world):
    apply(world)
    ref = selectors.reusable_materials_for(world.applicant)["applicant-id"].ref
    uploads = single_uploads(world.item_b)
    del uploads["applicant-id"]
    with pytest.raises(ValidationFailed) as caught:
        services.apply_online(by=world.other_applicant, item=world.item_b, uploads=uploads,
                              reuse={"applicant-id": ref})
    assert caught.value.errors[0].code == "invalid_reuse"


def test_a_certificate_onetrip_issued_is_offered_instead_of_an_upload(world):
    case = services.apply_online(by=world.applicant, item=world.item_a,
                                 uploads=single_uploads(world.item_a), now=at(2026, 3, 2))
    services.accept_case(case=case, by=world.clerk, now=at(2026, 3, 2, 10))
    task = case.tasks.get()
    services.sign_for_task(task=task, by=world.handler_a, now=at(2026, 3, 2, 11))
    services.approve_task(task=task, by=world.handler_a, now=at(2026, 3, 3))
    offers = selectors.reusable_materials_for(world.applicant)
    licence_key = material_key("甲许可证")
    assert offers[licence_key].kind == "certificate"
    uploads = single_uploads(world.item_c)  # everything but the licence
    with pytest.raises(ValidationFailed) as caught:
        services.apply_online(by=world.applicant, item=world.item_c, uploads=uploads)
    assert [e.field for e in caught.value.errors] == [f"materials.{licence_key}"]
    uploads = single_uploads(world.item_c)
    later = services.apply_online(by=world.applicant, item=world.item_c, uploads=uploads,
                                  reuse={licence_key: offers[licence_key].ref},
                                  now=at(2026, 3, 4))
    assert CaseMaterial.objects.get(case=later, key=licence_key).certificate is not None


def test_a_township_clerk_registers_a_walk_in_for_a_county_department(world):
    case = services.register_walk_in(
        by=world.township_clerk, item=world.item_b, applicant_name="王五",
        applicant_phone="13800000000", uploads=single_uploads(world.item_b),
        now=at(2026, 3, 2, 9),
    )
    assert case.intake_unit == world.township_centre and case.channel == "window"
    assert case.trips == 1
    assert Visit.objects.get(case=case).purpose == "apply"
    services.accept_case(case=case, by=world.township_clerk, now=at(2026, 3, 2, 10))
    assert case.tasks.get().department == world.dept_b
    # the county centre's clerk did not receive it and cannot decide it
    walk_in = services.register_walk_in(by=world.township_clerk, item=world.item_b,
                                        applicant_name="赵六")
    with pytest.raises(PermissionDenied):
        services.accept_case(case=walk_in, by=world.clerk)


def test_a_walk_in_may_be_incomplete_and_the_clerk_asks_for_the_rest(world):
    case = services.register_walk_in(by=world.clerk, item=world.item_b, applicant_name="王五")
    request = services.request_supplement(
        case=case, by=world.clerk,
        items=[{"key": "applicant-id"}, {"name": "身份证复印件（加盖公章）", "reason": "原件核对"}],
        note="请一次性补齐",
    )
    assert len(request.items) == 2
    notice = Notice.objects.get(case=case, kind="supplement")
    assert "申请人身份证明" in notice.body and "身份证复印件（加盖公章）" in notice.body
    # the applicant brings the paper; the clerk supplies it for them: a second visit
    services.supply_supplement(request=request, by=world.clerk, uploads={
        "applicant-id": pdf(), request.items[1]["key"]: pdf(),
    })
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED and case.trips == 2


def test_a_supplement_must_be_complete(world):
    case = apply(world)
    request = services.request_supplement(case=case, by=world.clerk,
                                          items=[{"key": "premises"}, {"key": "applicant-id"}])
    with pytest.raises(ValidationFailed) as caught:
        services.supply_supplement(request=request, by=world.applicant,
                                   uploads={"premises": pdf()})
    assert [e.field for e in caught.value.errors] == ["materials.applicant-id"]


def test_a_supplement_request_lists_at_least_one_material(world):
    case = apply(world)
    with pytest.raises(ValidationFailed):
        services.request_supplement(case=case, by=world.clerk, items=[])


def test_refusing_to_accept_needs_a_reason(world):
    case = apply(world)
    with pytest.raises(ValidationFailed) as caught:
        services.refuse_case(case=case, by=world.clerk, reason="  ")
    assert caught.value.errors[0].field == "reason"
    case = services.refuse_case(case=case, by=world.clerk, reason="申请事项不属于本县管辖")
    assert case.state == CaseState.NOT_ACCEPTED
    assert "申请事项不属于本县管辖" in Notice.objects.get(case=case, kind="not_accepted").body
    with pytest.raises(TransitionNotAllowed):
        services.accept_case(case=case, by=world.clerk)


def test_only_a_clerk_of_the_receiving_centre_decides_intake(world):
    case = apply(world)
    for outsider in (world.applicant, world.handler_a, world.head_a, world.officer):
        with pytest.raises(PermissionDenied):
            services.accept_case(case=case, by=outsider)


def test_a_delivery_method_the_items_do_not_offer_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        services.apply_online(by=world.applicant, item=world.green,
                              fields={"length_m": 10, "digging": False},
                              uploads=single_uploads(world.green), delivery_method="post")
    assert caught.value.errors[0].field == "delivery_method"


def test_post_needs_an_address(world):
    with pytest.raises(ValidationFailed) as caught:
        apply(world, delivery_method="post")
    assert caught.value.errors[0].field == "delivery_address"


def test_only_a_clerk_may_register_a_walk_in(world):
    for outsider in (world.handler_a, world.applicant):
        with pytest.raises(PermissionDenied):
            services.register_walk_in(by=outsider, item=world.item_b, applicant_name="王五")
