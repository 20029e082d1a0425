"""Import and export of the whole catalogue: exact round trips, all-or-nothing imports."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from onetrip.audit.models import Event
from onetrip.catalog import exports, imports, services
from onetrip.catalog.models import (
    ItemVersion,
    Package,
    PackageVersion,
    ServiceItem,
)

from .conftest import item_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(make_item):
    """Three items (green-channel rules, multi-line text, a conditional material), a package."""
    from onetrip.catalog.demo import GREEN_FIELDS, GREEN_RULES

    make_item("A", committed_limit=1, result_name="营业执照", conditions="第一行\n第二行",
              co_units=["deptb", "deptc"], delivery_methods=["electronic", "window"],
              special_procedures=["site_survey", "hearing"])
    make_item("B", committed_limit=5, legal_limit=10, charges_fee=True, fee="每件10元",
              materials=[{"name": "申请书乙", "blank_form": "申请书乙.docx"},
                         {"name": "营业执照", "form": "copy", "source": "case"},
                         {"name": "授权委托书", "requirement": "conditional",
                          "condition": "委托他人办理的", "paper_copies": 2}])
    make_item("000123", committed_limit=3, application_fields=GREEN_FIELDS,
              green_channel_rules=GREEN_RULES, approval_on_commitment=True, is_active=False)
    services.save_package(record={
        "code": "p1", "name": "测试套餐", "lead_department": "depta", "committed_limit": 4,
        "description": "说明", "items": ["A", "B", "000123"],
        "dependencies": [{"item": "B", "requires": "A"}, {"item": "000123", "requires": "A"}],
    })


def wipe_catalogue():
    PackageVersion.objects.all().delete()
    Package.objects.all().delete()
    ItemVersion.objects.all().delete()
    ServiceItem.objects.all().delete()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    exports.write_xlsx(buffer)
    return buffer.getvalue()


def cell_values(data: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_yaml_export_then_import_gives_the_same_catalogue(catalogue):
    before = exports.yaml_text()
    assert exports.yaml_text() == before  # exporting is deterministic
    wipe_catalogue()
    result = imports.apply(imports.read_yaml(io.StringIO(before)))
    assert (result.items["created"], result.packages["created"]) == (3, 1)
    assert exports.yaml_text() == before


def test_xlsx_export_then_import_gives_the_same_catalogue(catalogue):
    yaml_before = exports.yaml_text()
    workbook = xlsx_bytes()
    wipe_catalogue()
    imports.apply(imports.read_xlsx(io.BytesIO(workbook)))
    assert cell_values(xlsx_bytes()) == cell_values(workbook)
    assert exports.yaml_text() == yaml_before


def test_the_workbook_has_one_sheet_per_table_in_chinese(catalogue):
    sheets = cell_values(xlsx_bytes())
    assert list(sheets) == ["事项", "材料", "套餐", "套餐事项", "套餐依赖", "填写说明"]
    header, *rows = sheets["事项"]
    assert header[:8] == ("事项编码", "事项名称", "事项类型", "实施主体编码", "联办机构编码",
                          "办件类型", "法定办结时限（工作日）", "承诺办结时限（工作日）")
    assert rows[0][:6] == ("000123", "测试事项000123", "行政许可", "depta", None, "承诺件")
    assert len(sheets["材料"]) == 1 + 2 + 3 + 2
    assert sheets["套餐依赖"][1:] == [("p1", "B", "A"), ("p1", "000123", "A")]


def test_importing_what_is_already_there_changes_nothing(catalogue):
    events = Event.objects.count()
    result = imports.apply(imports.read_xlsx(io.BytesIO(xlsx_bytes())))
    assert (result.items["unchanged"], result.packages["unchanged"]) == (3, 1)
    assert Event.objects.count() == events


def broken_workbook(edit) -> io.BytesIO:
    wb = load_workbook(io.BytesIO(xlsx_bytes()))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_a_bad_workbook_reports_every_row_and_column_and_changes_nothing(catalogue):
    yaml_before, events = exports.yaml_text(), Event.objects.count()

    def edit(wb):
        items = wb["事项"]
        items["H2"] = 25           # committed 25 > legal 20 (item 000123)
        items["D3"] = "nowhere"    # unknown department (item A)
        items["G4"] = "二十"        # not a whole number (item B)
        items["C4"] = "许可"        # not a kind
        wb["材料"].append(["Z9", 1, "孤儿材料"])
        wb["套餐依赖"].append(["p1", "A", "B"])  # A waits for B, B waits for A
        wb["套餐事项"]["C4"] = "NOPE"

    with pytest.raises(imports.ImportFailed) as caught:
        imports.apply(imports.read_xlsx(broken_workbook(edit)))
    issues = {(i.sheet, i.row, i.column): i.reason for i in caught.value.issues}
    committed = issues[("事项", 2, "H（承诺办结时限（工作日））")]
    assert "承诺办结时限（25）不能超过法定办结时限（20）" in committed
    assert "没有编码为“nowhere”的单位" in issues[("事项", 3, "D（实施主体编码）")]
    assert "“二十”不是整数" in issues[("事项", 4, "G（法定办结时限（工作日））")]
    assert "“许可”不是可选值" in issues[("事项", 4, "C（事项类型）")]
    assert "没有编码为“Z9”的事项" in issues[("材料", 9, "A（事项编码）")]
    assert "没有编码为“NOPE”的事项" in issues[("套餐事项", 4, "C（事项编码）")]
    cycle = issues[("套餐依赖", 4, "C（前置事项编码）")]
    assert "前置关系形成循环" in cycle and "测试事项A（A）" in cycle and "测试事项B（B）" in cycle
    assert str(caught.value.issues[0]).startswith("「")
    assert exports.yaml_text() == yaml_before
    assert Event.objects.count() == events


def test_a_missing_column_is_reported(catalogue):
    def edit(wb):
        wb["事项"]["M1"] = "收费的依据"  # a renamed header: the column is missing

    with pytest.raises(imports.ImportFailed) as caught:
        imports.apply(imports.read_xlsx(broken_workbook(edit)))
    [issue] = caught.value.issues
    assert (issue.sheet, issue.row) == ("事项", 1)
    assert issue.reason == "缺少列“收费依据”。"


def test_a_missing_sheet_and_a_file_that_is_no_workbook_are_reported(catalogue):
    def edit(wb):
        del wb["套餐依赖"]

    with pytest.raises(imports.ImportFailed, match="1"):
        imports.apply(imports.read_xlsx(broken_workbook(edit)))
    with pytest.raises(imports.ImportFailed) as caught:
        imports.apply(imports.read_xlsx(io.BytesIO(b"not a zip")))
    assert "不是 Excel 工作簿" in caught.value.issues[0].reason


def test_yaml_errors_name_the_entry_and_field(catalogue):
    text = exports.yaml_text().replace("committed_limit: 3\n", "committed_limit: 30\n", 1)
    with pytest.raises(imports.ImportFailed) as caught:
        imports.apply(imports.read_yaml(io.StringIO(text)))
    [issue] = caught.value.issues
    assert (issue.sheet, issue.row, issue.column) == ("items", 1, "committed_limit")
    assert str(issue) == ("「items」第1条 字段 committed_limit："
                          "承诺办结时限（30）不能超过法定办结时限（20）。")


def test_yaml_that_is_not_a_catalogue_is_refused(units):
    with pytest.raises(imports.ImportFailed):
        imports.apply(imports.read_yaml(io.StringIO("items: [")))
    with pytest.raises(imports.ImportFailed, match="1"):
        imports.apply(imports.read_yaml(io.StringIO("format: something-else\n")))


def test_the_commands_export_and_import_by_extension(catalogue, tmp_path):
    for name in ("cat.xlsx", "cat.yaml"):
        path = tmp_path / name
        call_command("export_catalog", str(path), stdout=io.StringIO())
        out = io.StringIO()
        call_command("import_catalog", str(path), stdout=out)
        assert "未变 3 条" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("export_catalog", str(tmp_path / "cat.csv"))


def test_the_import_command_lists_the_problems_and_fails(catalogue, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(exports.yaml_text().replace("department: depta", "department: nope", 1),
                    encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入任何内容"):
        call_command("import_catalog", str(path), stderr=err)
    assert "没有编码为“nope”的单位" in err.getvalue()


def test_an_item_record_with_a_bad_green_channel_rule_is_refused(units):
    record = item_record("G", green_channel_rules=[{"outcome": "zero_day", "when": []}])
    with pytest.raises(imports.ImportFailed) as caught:
        imports.load_records(items=[record], packages=[])
    assert caught.value.issues[0].column == "green_channel_rules"
