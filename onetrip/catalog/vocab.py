"""The catalogue's fixed Chinese terms, as written in a county's Excel sheets.

These are a file format, not interface text: a workbook exported today must
import tomorrow whatever language the interface is in, so they are not
translated. The interface shows the (translated) choice labels instead.
"""

from __future__ import annotations

from .models import (
    Delivery,
    Handling,
    ItemKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    PackageCategory,
    Requirement,
    SpecialProcedure,
)

KIND = {
    ItemKind.LICENSING: "行政许可", ItemKind.CONFIRMATION: "行政确认",
    ItemKind.PAYMENT: "行政给付", ItemKind.AWARD: "行政奖励",
    ItemKind.ADJUDICATION: "行政裁决", ItemKind.FILING: "行政备案",
    ItemKind.OTHER: "其他行政权力", ItemKind.PUBLIC_SERVICE: "公共服务",
}
HANDLING = {Handling.INSTANT: "即办件", Handling.COMMITTED: "承诺件"}
ONLINE_DEPTH = {
    OnlineDepth.INFO: "网上咨询", OnlineDepth.PRECHECK: "网上预审",
    OnlineDepth.APPLY: "网上受理", OnlineDepth.FULL: "全程网办",
}
DELIVERY = {Delivery.WINDOW: "窗口领取", Delivery.POST: "邮寄送达", Delivery.ELECTRONIC: "电子证照"}
SPECIAL_PROCEDURE = {
    SpecialProcedure.HEARING: "听证", SpecialProcedure.TENDER: "招标",
    SpecialProcedure.AUCTION: "拍卖", SpecialProcedure.INSPECTION: "检验",
    SpecialProcedure.TESTING: "检测", SpecialProcedure.QUARANTINE: "检疫",
    SpecialProcedure.APPRAISAL: "鉴定", SpecialProcedure.EXPERT_REVIEW: "专家评审",
    SpecialProcedure.SITE_SURVEY: "现场勘验", SpecialProcedure.PUBLIC_NOTICE: "公示",
}
REQUIREMENT = {Requirement.REQUIRED: "必要", Requirement.CONDITIONAL: "情形必要"}
MATERIAL_FORM = {
    MaterialForm.ORIGINAL: "原件", MaterialForm.COPY: "复印件", MaterialForm.BOTH: "原件和复印件",
}
MATERIAL_SOURCE = {
    MaterialSource.APPLICANT: "申请人自备", MaterialSource.GOVERNMENT: "政府部门核发",
    MaterialSource.CASE: "其他事项办理结果",
}
CATEGORY = {PackageCategory.BUSINESS: "开办一件事", PackageCategory.PROJECT: "工程建设联合审查"}

YES, NO = "是", "否"


def term(table: dict, value: str) -> str:
    """The Chinese term for a stored value (the value itself if unknown)."""
    for key, word in table.items():
        if key.value == value:
            return word
    return value


def value_of(table: dict, text: str) -> str | None:
    """The stored value for a Chinese term or for the value itself; None if neither."""
    text = text.strip()
    for key, word in table.items():
        if text in (word, key.value):
            return key.value
    return None
