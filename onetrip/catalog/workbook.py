"""The catalogue workbook's layout: one sheet per table, Chinese headers, cell codecs.

exports.py writes it and imports.py reads it from this one description, so
the two cannot drift apart. Cells hold what a clerk would type: Chinese
terms (行政许可, 是/否), codes separated by commas, whole numbers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import vocab

SPLIT = re.compile(r"[、,，;；\s]+")


class CellError(ValueError):
    """A cell's text cannot be read as what its column holds; the message is Chinese."""


def _text_in(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return vocab.YES if value else vocab.NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Codec:
    write: Callable[[Any], Any]
    read: Callable[[Any], Any]
    hint: str  # what the column accepts, for the read-me sheet


def _int_in(value: Any) -> int:
    if value is None or value == "":
        raise CellError("不能为空，请填写整数")
    if isinstance(value, bool):
        raise CellError("必须是整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(f"“{value}”不是整数")
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise CellError(f"“{text}”不是整数")


def _bool_in(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text_in(value).lower()
    if text in ("是", "true", "yes", "y", "1", "√"):
        return True
    if text in ("否", "false", "no", "n", "0", "×", ""):
        return False
    raise CellError(f"“{text}”应填“是”或“否”")


def _choice(table: dict) -> Codec:
    def read(value: Any) -> str:
        text = _text_in(value)
        found = vocab.value_of(table, text)
        if found is None:
            raise CellError(f"“{text}”不是可选值，可选：{'、'.join(table.values())}")
        return found

    return Codec(lambda v: vocab.term(table, v), read, "可选：" + "、".join(table.values()))


def _choices(table: dict) -> Codec:
    def read(value: Any) -> list[str]:
        result = []
        for part in SPLIT.split(_text_in(value)):
            if not part:
                continue
            found = vocab.value_of(table, part)
            if found is None:
                raise CellError(f"“{part}”不是可选值，可选：{'、'.join(table.values())}")
            result.append(found)
        return result

    return Codec(lambda v: "、".join(vocab.term(table, x) for x in v), read,
                 "可多选，用顿号分隔：" + "、".join(table.values()))


def _codes_in(value: Any) -> list[str]:
    return [part for part in SPLIT.split(_text_in(value)) if part]


def _json_in(value: Any) -> list:
    text = _text_in(value)
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CellError(f"不是有效的JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）") from None
    if not isinstance(data, list):
        raise CellError("应为JSON列表（以 [ 开头）")
    return data


def _json_out(value: list) -> str:
    return json.dumps(value, ensure_ascii=False) if value else ""


TEXT = Codec(lambda v: v or None, _text_in, "文本")
INT = Codec(lambda v: v, _int_in, "整数")
BOOL = Codec(lambda v: vocab.YES if v else vocab.NO, _bool_in, "是 / 否")
CODES = Codec(lambda v: ",".join(v) or None, _codes_in, "编码，多个用逗号分隔")
JSON = Codec(_json_out, _json_in, "JSON列表，可留空")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    codec: Codec
    width: int = 14
    text_format: bool = False  # keep digit-only codes as text in Excel


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


ITEMS = Sheet("事项", (
    Column("code", "事项编码", TEXT, 18, text_format=True),
    Column("name", "事项名称", TEXT, 36),
    Column("kind", "事项类型", _choice(vocab.KIND), 12),
    Column("department", "实施主体编码", TEXT, 12),
    Column("co_units", "联办机构编码", CODES, 14),
    Column("handling", "办件类型", _choice(vocab.HANDLING), 10),
    Column("legal_limit", "法定办结时限（工作日）", INT, 12),
    Column("committed_limit", "承诺办结时限（工作日）", INT, 12),
    Column("trips_required", "到办事现场次数", INT, 10),
    Column("online_depth", "网上办理深度", _choice(vocab.ONLINE_DEPTH), 12),
    Column("charges_fee", "是否收费", BOOL, 8),
    Column("fee", "收费标准", TEXT, 20),
    Column("fee_basis", "收费依据", TEXT, 20),
    Column("delivery_methods", "送达方式", _choices(vocab.DELIVERY), 22),
    Column("result_name", "审批结果名称", TEXT, 24),
    Column("special_procedures", "特别程序", _choices(vocab.SPECIAL_PROCEDURE), 16),
    Column("approval_on_commitment", "告知承诺制", BOOL, 8),
    Column("is_active", "是否发布", BOOL, 8),
    Column("window", "办理窗口", TEXT, 30),
    Column("location", "办理地点", TEXT, 24),
    Column("hours", "办理时间", TEXT, 24),
    Column("phone", "咨询电话", TEXT, 12),
    Column("legal_basis", "设定依据", TEXT, 40),
    Column("conditions", "受理条件", TEXT, 40),
    Column("application_fields", "申请字段（JSON）", JSON, 20),
    Column("green_channel_rules", "绿色通道规则（JSON）", JSON, 20),
))
MATERIALS = Sheet("材料", (
    Column("item", "事项编码", TEXT, 18, text_format=True),
    Column("position", "序号", INT, 6),
    Column("name", "材料名称", TEXT, 36),
    Column("key", "材料标识", TEXT, 24),
    Column("requirement", "材料必要性", _choice(vocab.REQUIREMENT), 10),
    Column("condition", "情形说明", TEXT, 20),
    Column("form", "材料形式", _choice(vocab.MATERIAL_FORM), 12),
    Column("paper_copies", "纸质份数", INT, 8),
    Column("source", "来源渠道", _choice(vocab.MATERIAL_SOURCE), 14),
    Column("blank_form", "空白表格", TEXT, 20),
    Column("sample", "示例样表", TEXT, 20),
    Column("notes", "填报须知", TEXT, 30),
))
PACKAGES = Sheet("套餐", (
    Column("code", "套餐编码", TEXT, 14),
    Column("name", "套餐名称", TEXT, 30),
    Column("category", "套餐类别", _choice(vocab.CATEGORY), 16),
    Column("lead_department", "牵头部门编码", TEXT, 12),
    Column("committed_limit", "套餐承诺时限（工作日）", INT, 12),
    Column("is_active", "是否发布", BOOL, 8),
    Column("description", "套餐简介", TEXT, 60),
))
MEMBERS = Sheet("套餐事项", (
    Column("package", "套餐编码", TEXT, 14),
    Column("position", "序号", INT, 6),
    Column("item", "事项编码", TEXT, 18, text_format=True),
))
DEPENDENCIES = Sheet("套餐依赖", (
    Column("package", "套餐编码", TEXT, 14),
    Column("item", "事项编码", TEXT, 18, text_format=True),
    Column("requires", "前置事项编码", TEXT, 18, text_format=True),
))
SHEETS = (ITEMS, MATERIALS, PACKAGES, MEMBERS, DEPENDENCIES)
README = "填写说明"
