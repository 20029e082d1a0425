"""The demo county's catalogue (Minhou-style): about a hundred items, 21 packages.

Items, departments and materials follow real county guides (see
/work/shared/reference/catalog-facts.md); limits are real values seen
somewhere in China, not Minhou's own. Codes have the shape of GB/T 39554.1
handling-item codes (ministry prefix, item, sub-item, handling item); only
the enterprise-registration code is a real one, the rest are invented.

The 20 "open a business" packages are sized so that the computed one-by-one
sum and the package limits land where the seed county's figures did (20
packages, 420 → 192 working days); the site-selection joint review is a
21st package in its own category (about 60 → 7).

seed() loads it all through the importer, all or nothing, and is
idempotent: a second run finds every record unchanged and writes nothing.
"""
# Data, not logic: each Chinese name, legal basis and condition stays on one
# line, as the printed guides have it (ruff counts a CJK character twice).
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from django.conf import settings

from onetrip.accounts.models import OrgUnit

from .figures import material_key

CENTRE = "闽侯县行政服务中心"
ADDRESS = "闽侯县行政服务中心（甘蔗街道）"
HOURS = "周一至周五 上午8:00—12:00，下午14:30—17:30（法定节假日除外）"
PHONE = "12345"


# Ministry-like prefixes for the demo codes (invented except 000131, 000122, 000117).
PREFIX = {
    "scjg": "000131", "wsjk": "000125", "zjj": "000117", "cgj": "000117", "zrzy": "000112",
    "jtys": "000118", "sthj": "000113", "wlj": "000122", "wwj": "000123", "gaj": "000108",
    "xfj": "000114", "gdgs": "000501", "lyj": "000172", "slj": "000119", "nync": "000120",
    "fgj": "000104", "jyj": "000105", "rsj": "000111", "mzj": "000109", "swj": "000134",
    "ycj": "000140",
}
WINDOW = {
    "scjg": "一楼 市场准入综合窗口", "wsjk": "二楼 社会事务综合窗口", "zjj": "三楼 工程建设项目审批综合窗口",
    "cgj": "三楼 工程建设项目审批综合窗口", "zrzy": "三楼 工程建设项目审批综合窗口",
    "jtys": "二楼 交通运输窗口", "sthj": "三楼 工程建设项目审批综合窗口", "wlj": "二楼 社会事务综合窗口",
    "wwj": "三楼 工程建设项目审批综合窗口", "gaj": "一楼 公安综合窗口", "xfj": "一楼 消防窗口",
    "gdgs": "一楼 水电气网联办窗口", "lyj": "三楼 工程建设项目审批综合窗口",
    "slj": "三楼 工程建设项目审批综合窗口", "nync": "二楼 农业农村窗口", "fgj": "三楼 投资项目窗口",
    "jyj": "二楼 社会事务综合窗口", "rsj": "二楼 人社医保窗口", "mzj": "二楼 社会事务综合窗口",
    "swj": "一楼 税务窗口", "ycj": "一楼 市场准入综合窗口",
}


# --- materials -----------------------------------------------------------------

def mat(name: str, *, form: str = "original", copies: int = 1, source: str = "applicant",
        req: str = "required", when: str = "", key: str = "", blank: str = "", sample: str = "",
        notes: str = "") -> dict[str, Any]:
    return {
        "name": name, "key": key, "requirement": req, "condition": when, "form": form,
        "paper_copies": copies, "source": source, "blank_form": blank, "sample": sample,
        "notes": notes,
    }


def form(name: str, **kw: Any) -> dict[str, Any]:
    """An application form the centre provides, with a blank and a filled-in sample."""
    return mat(name, blank=f"{name}（空白表）.docx", sample=f"{name}（示例）.pdf", **kw)


LICENCE = mat("营业执照", form="copy", source="case", notes="已领取电子营业执照的，窗口在线调取，免交纸质材料")
LEGAL_ID = mat("法定代表人（负责人、经营者）身份证明", form="copy", source="government",
               notes="可通过电子证照库调取")
PREMISES = mat("经营场所使用证明（房屋产权证明或租赁合同）", form="copy")
PREMISES_KEY = material_key(PREMISES["name"])
PROXY = mat("授权委托书及受托人身份证明", req="conditional", when="委托他人代为办理的")
LAYOUT = mat("经营场所平面布局图", notes="标明功能分区、主要设施设备位置及面积")
LOCATION_MAP = mat("经营场所地理位置示意图")
FIRE_CERT = mat("公众聚集场所投入使用、营业前消防安全检查合格证", form="copy", source="case")
HEALTH = mat("从业人员健康证明", form="copy", source="case", notes="每名直接接触顾客或食品的从业人员一份")
SAFETY_RULES = mat("安全管理制度及应急预案")
COMMITMENT = mat("告知承诺书", req="conditional", when="选择告知承诺方式办理的")
ARTICLES = mat("公司章程", req="conditional", when="申请人为公司的")
PROJECT_DOC = mat("项目建议书或可行性研究报告", form="copy")
SITE_PLAN = mat("选址位置示意图及用地红线图")
COORDS = mat("用地范围坐标表（2000国家大地坐标系）", notes="同时提交电子文件")
OWNER_CERT = mat("建设单位统一社会信用代码证明", form="copy", source="government")
DRAWINGS = mat("施工图设计文件", notes="电子版，经施工图审查合格")
ENV_LIST = mat("环境影响登记表", notes="在建设项目环境影响登记表备案系统在线填报")


# --- items ---------------------------------------------------------------------

def item(dept: str, serial: int, sub: int, name: str, *, kind: str = "licensing",
         legal: int, committed: int, trips: int = 1, depth: str = "apply", result: str = "",
         materials: list[dict[str, Any]] | None = None, handling: str = "committed",
         special: list[str] | None = None, co: list[str] | None = None, fee: str = "",
         fee_basis: str = "", delivery: list[str] | None = None, conditions: str = "",
         basis: str = "", commitment: bool = False, fields: list | None = None,
         rules: list | None = None) -> dict[str, Any]:
    return {
        "code": f"{PREFIX[dept]}{serial:03d}00{sub}01",
        "name": name, "kind": kind, "department": dept, "co_units": co or [],
        "legal_basis": basis, "conditions": conditions, "legal_limit": legal,
        "committed_limit": committed, "handling": handling, "trips_required": trips,
        "online_depth": depth, "charges_fee": bool(fee), "fee": fee, "fee_basis": fee_basis,
        "delivery_methods": delivery or (["window", "post", "electronic"] if result else ["window"]),
        "result_name": result, "special_procedures": special or [],
        "approval_on_commitment": commitment, "window": f"{CENTRE}{WINDOW[dept]}",
        "location": ADDRESS, "hours": HOURS, "phone": PHONE, "is_active": True,
        "application_fields": fields or [], "green_channel_rules": rules or [],
        "materials": materials or [],
    }


GREEN_FIELDS = [
    {"name": "length_m", "label": "线路长度", "type": "number", "unit": "米", "required": True},
    {"name": "digging", "label": "是否开挖道路或占用绿地", "type": "boolean", "required": True},
    {"name": "dig_area_m2", "label": "开挖（占用）面积", "type": "number", "unit": "平方米"},
]
GREEN_RULES = [
    {"outcome": "zero_day", "label": "线路长度200米及以下且不开挖道路、不占用绿地：免于审批，即时办结",
     "when": [{"field": "length_m", "op": "lte", "value": 200},
              {"field": "digging", "op": "eq", "value": False}]},
    {"outcome": "commitment",
     "label": "线路长度200米及以下、开挖或占用面积15平方米及以下：告知承诺，当场办结",
     "when": [{"field": "length_m", "op": "lte", "value": 200},
              {"field": "digging", "op": "eq", "value": True},
              {"field": "dig_area_m2", "op": "lte", "value": 15}]},
    {"outcome": "filing", "label": "线路长度200米以上、500米及以下：备案制，报备后即可施工",
     "when": [{"field": "length_m", "op": "gt", "value": 200},
              {"field": "length_m", "op": "lte", "value": 500}]},
]

LAW_LICENSING = "《中华人民共和国行政许可法》"

ITEMS: list[dict[str, Any]] = [
    # 市场监管
    item("scjg", 127, 4, "企业设立登记（公司）", legal=3, committed=1, trips=0, depth="full",
         result="营业执照", materials=[form("公司登记（备案）申请书"), LEGAL_ID, ARTICLES,
                                        mat("住所（经营场所）承诺书或使用证明", key=PREMISES_KEY,
                                            form="copy"), PROXY],
         basis="《中华人民共和国市场主体登记管理条例》第十六条、第十九条",
         conditions="有符合规定的名称、住所（经营场所）、注册资本（出资额）和经营范围；股东（发起人）符合法定人数；有公司章程。"),
    item("scjg", 127, 5, "个体工商户设立登记", legal=15, committed=1, trips=0, depth="full",
         result="营业执照", materials=[form("个体工商户登记（备案）申请书"), LEGAL_ID, PREMISES, PROXY],
         basis="《中华人民共和国市场主体登记管理条例》；《促进个体工商户发展条例》",
         conditions="有经营能力的自然人或家庭；有固定经营场所；经营范围不属于法律、行政法规禁止的行业。"),
    item("scjg", 127, 6, "企业变更登记", legal=3, committed=1, trips=0, depth="full",
         result="营业执照", materials=[form("公司变更登记申请书"), mat("变更决议或决定"), LEGAL_ID, PROXY],
         basis="《中华人民共和国市场主体登记管理条例》第二十四条"),
    item("scjg", 127, 7, "企业注销登记", legal=3, committed=1, trips=0, depth="full",
         result="准予注销登记通知书", materials=[form("注销登记申请书"), mat("清算报告"), LEGAL_ID],
         basis="《中华人民共和国市场主体登记管理条例》第三十一条"),
    item("scjg", 131, 1, "食品经营许可（新办）", legal=10, committed=5, depth="apply",
         result="食品经营许可证", special=["site_survey"],
         materials=[form("食品经营许可申请书"), LICENCE, LEGAL_ID, PREMISES, LAYOUT,
                    mat("食品安全管理制度"), mat("主要设备设施清单"),
                    mat("食品安全管理人员任命文件及培训考核证明", form="copy"), HEALTH, PROXY],
         basis="《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》",
         conditions="适用于从事食品销售、餐饮服务（含单位食堂）的经营者。具有与经营的食品品种、数量相适应的经营场所和设备设施，布局流程合理；有食品安全管理人员和保证食品安全的规章制度。现场核查时间不计入办理时限。"),
    item("scjg", 131, 2, "仅销售预包装食品备案", kind="filing", legal=1, committed=1, trips=0,
         depth="full", result="仅销售预包装食品备案信息采集表", delivery=["electronic"],
         materials=[form("仅销售预包装食品经营者备案信息采集表"), LICENCE, LEGAL_ID],
         basis="《中华人民共和国食品安全法》第三十五条"),
    item("scjg", 131, 3, "食品小作坊登记", legal=15, committed=7, special=["site_survey"],
         result="食品小作坊登记证", materials=[form("食品小作坊登记申请表"), LICENCE, LEGAL_ID, PREMISES,
                                               LAYOUT, HEALTH],
         basis="《福建省食品生产加工小作坊监督管理办法》"),
    item("scjg", 140, 1, "药品零售企业经营许可", legal=20, committed=10, special=["site_survey"],
         result="药品经营许可证", materials=[form("药品经营许可证申请表"), LICENCE, LEGAL_ID, PREMISES,
                                             LAYOUT, mat("执业药师注册证及劳动合同", form="copy"),
                                             mat("药品质量管理文件及设施设备目录"), PROXY],
         basis="《中华人民共和国药品管理法》第五十一条、第五十二条；《药品经营和使用质量监督管理办法》",
         conditions="依法经过资格认定的药师或者其他药学技术人员；与所经营药品相适应的营业场所、设备、仓储设施和卫生环境；质量管理机构或人员及质量管理制度。"),
    item("scjg", 141, 1, "第二类医疗器械经营备案", kind="filing", legal=1, committed=1, trips=0,
         depth="full", result="第二类医疗器械经营备案凭证",
         materials=[form("第二类医疗器械经营备案表"), LICENCE, LEGAL_ID, PREMISES,
                    mat("经营质量管理制度、工作程序目录")],
         basis="《医疗器械监督管理条例》第四十一条"),
    item("scjg", 150, 1, "特种设备使用登记（电梯）", kind="other", legal=15, committed=5, trips=0,
         depth="full", result="特种设备使用登记证",
         materials=[form("特种设备使用登记表"), mat("电梯产品合格证及监督检验证明", form="copy"), LICENCE],
         basis="《中华人民共和国特种设备安全法》第三十三条；《特种设备使用管理规则》(TSG 08)"),
    item("scjg", 152, 1, "计量器具强制检定备案", kind="filing", legal=5, committed=1, trips=0,
         depth="full", result="强制检定备案回执", materials=[form("强制检定计量器具备案表"), LICENCE],
         basis="《中华人民共和国计量法》第九条"),
    # 卫生健康
    item("wsjk", 11, 1, "公共场所卫生许可（新办）", legal=20, committed=7, special=["site_survey"],
         result="公共场所卫生许可证",
         materials=[form("公共场所卫生许可申请表"), LICENCE, LEGAL_ID, PREMISES, LOCATION_MAP, LAYOUT,
                    mat("卫生检测或评价报告"), mat("卫生管理制度"), HEALTH, COMMITMENT],
         basis="《公共场所卫生管理条例》第八条；《公共场所卫生管理条例实施细则》第二十二条",
         conditions="场所设置、布局、设施设备符合卫生标准和规范；有卫生管理制度和专（兼）职卫生管理人员；从业人员持有效健康合格证明。"),
    item("wsjk", 12, 1, "从业人员预防性健康检查（健康证明办理）", kind="public_service", legal=7,
         committed=3, depth="precheck", result="从业人员健康证明", fee="按体检项目收费（约60元/人）",
         fee_basis="福建省医疗服务价格项目", delivery=["window", "electronic"],
         materials=[mat("本人身份证", source="government"), mat("近期免冠照片一张")],
         basis="《中华人民共和国食品安全法》第四十五条；《公共场所卫生管理条例》第七条",
         conditions="本人到县疾病预防控制中心或指定体检机构现场体检。"),
    item("wsjk", 13, 1, "诊所备案", kind="filing", legal=1, committed=1, trips=1,
         result="诊所备案凭证",
         materials=[form("诊所备案信息表"), LEGAL_ID, PREMISES, LAYOUT,
                    mat("诊所执业人员执业证书", form="copy"), mat("诊所规章制度")],
         basis="《医疗机构管理条例》；《诊所备案管理暂行办法》"),
    item("wsjk", 14, 1, "放射诊疗许可", legal=20, committed=10, special=["testing", "expert_review"],
         result="放射诊疗许可证",
         materials=[form("放射诊疗许可申请表"), mat("放射诊疗建设项目竣工验收合格证明", form="copy"),
                    mat("放射防护检测报告"), mat("放射工作人员个人剂量监测报告"), LEGAL_ID],
         basis="《放射诊疗管理规定》第十一条"),
    item("wsjk", 15, 1, "托幼机构卫生评价", kind="other", legal=20, committed=10,
         special=["site_survey"], result="托幼机构卫生评价报告",
         materials=[form("托幼机构卫生评价申请表"), PREMISES, LAYOUT, mat("卫生保健人员资格证明", form="copy"),
                    HEALTH, mat("饮用水卫生检测报告")],
         basis="《托儿所幼儿园卫生保健管理办法》第十一条"),
    item("wsjk", 16, 1, "医师执业注册", legal=20, committed=5, trips=0, depth="full",
         result="医师执业证书", delivery=["electronic"],
         materials=[form("医师执业注册申请审核表"), mat("医师资格证书", form="copy"),
                    mat("六个月内健康体检证明"), mat("拟执业机构聘用证明")],
         basis="《中华人民共和国医师法》第十三条"),
    item("wsjk", 17, 1, "护士执业注册", legal=20, committed=5, trips=0, depth="full",
         result="护士执业证书", delivery=["electronic"],
         materials=[form("护士执业注册申请审核表"), mat("护士执业资格考试成绩合格证明"),
                    mat("六个月内健康体检证明")],
         basis="《护士条例》第七条"),
    # 住建
    item("zjj", 21, 1, "建筑工程施工许可证核发", legal=7, committed=3, trips=0, depth="full",
         result="建筑工程施工许可证",
         materials=[form("建筑工程施工许可申请表"), mat("建设工程规划许可证", form="copy", source="case"),
                    mat("中标通知书或直接发包证明", form="copy"), mat("建设资金已经落实承诺书"), DRAWINGS],
         basis="《中华人民共和国建筑法》第八条；《建筑工程施工许可管理办法》（住建部令第42号）",
         conditions="已办理用地批准手续和建设工程规划许可；施工场地已具备施工条件；已确定施工企业；有满足施工需要的资金安排、施工图纸及技术资料。"),
    item("zjj", 22, 1, "特殊建设工程消防设计审查", legal=15, committed=10, special=["expert_review"],
         result="特殊建设工程消防设计审查意见书",
         materials=[form("特殊建设工程消防设计审查申报表"), DRAWINGS, LICENCE],
         basis="《中华人民共和国消防法》第十一条；《建设工程消防设计审查验收管理暂行规定》"),
    item("zjj", 22, 2, "特殊建设工程消防验收", legal=15, committed=7, special=["site_survey"],
         result="特殊建设工程消防验收意见书",
         materials=[form("特殊建设工程消防验收申请表"), mat("工程竣工验收报告"), mat("涉及消防的建设工程竣工图纸")],
         basis="《中华人民共和国消防法》第十三条；《建设工程消防设计审查验收管理暂行规定》"),
    item("zjj", 22, 3, "其他建设工程消防验收备案", kind="filing", legal=5, committed=1, trips=0,
         depth="full", result="消防验收备案凭证",
         materials=[form("消防验收备案表"), mat("工程竣工验收报告"), mat("涉及消防的建设工程竣工图纸")],
         basis="《中华人民共和国消防法》第十三条"),
    item("zjj", 23, 1, "城镇污水排入排水管网许可", legal=20, committed=5, special=["site_survey"],
         result="城镇污水排入排水管网许可证",
         materials=[form("城镇污水排入排水管网许可申请表"), LICENCE, mat("排水户内部排水管网、专用检测井、污水排放口位置和口径的图纸及说明"),
                    mat("排水隐蔽工程竣工报告"), mat("预处理设施说明", req="conditional", when="需设置隔油池等预处理设施的")],
         basis="《城镇排水与污水处理条例》第二十一条；《城镇污水排入排水管网许可管理办法》"),
    item("zjj", 24, 1, "商品房预售许可", legal=10, committed=5, special=["site_survey"],
         result="商品房预售许可证",
         materials=[form("商品房预售许可申请表"), mat("建设工程施工许可证", form="copy"),
                    mat("工程施工进度证明"), mat("商品房预售方案")],
         basis="《城市商品房预售管理办法》第七条"),
    item("zjj", 25, 1, "燃气经营许可", legal=20, committed=10, special=["site_survey"],
         result="燃气经营许可证",
         materials=[form("燃气经营许可申请书"), LICENCE, mat("燃气设施竣工验收文件"), SAFETY_RULES],
         basis="《城镇燃气管理条例》第十五条"),
    item("zjj", 26, 1, "临时占用、挖掘城市道路审批", legal=20, committed=5,
         result="占用挖掘城市道路许可决定书", co=["cgj"],
         materials=[form("占用挖掘城市道路申请表"), LEGAL_ID, mat("位置图及占用效果图"), mat("施工方案及安全保障措施"),
                    mat("地下管线分布图", req="conditional", when="需挖掘道路的")],
         basis="《城市道路管理条例》第二十九条、第三十一条",
         fee="城市道路占用费、挖掘修复费按标准收取", fee_basis="《福建省城市道路占用挖掘收费标准》"),
    item("zjj", 27, 1, "低压电力接入工程占用、挖掘城市道路审批（绿色通道）", legal=20, committed=3,
         trips=0, depth="full", result="占用挖掘城市道路许可决定书（或免审批告知单）",
         co=["cgj", "gdgs"], commitment=True, fields=GREEN_FIELDS, rules=GREEN_RULES,
         delivery=["electronic"],
         materials=[form("电力接入工程占用挖掘道路申请表"), mat("接入线路路径图"), mat("施工方案及交通组织方案"),
                    mat("道路恢复承诺书", req="conditional", when="按承诺制办理的")],
         basis="《城市道路管理条例》；《关于全面提升“获得电力”服务水平 持续优化用电营商环境的意见》（发改能源规〔2020〕1479号）",
         conditions="0.4千伏及以下低压电力接入工程：线路长度200米及以下且不开挖道路的免于审批；200米及以下、开挖（占用）面积15平方米及以下的实行告知承诺；200米以上500米及以下的实行备案；其余按一般程序并联审批。"),
    item("zjj", 28, 1, "风景名胜区内建设活动审批（选址意见）", legal=20, committed=6,
         special=["expert_review", "site_survey"], result="风景名胜区内建设活动审核意见",
         materials=[PROJECT_DOC, SITE_PLAN, COORDS, OWNER_CERT, mat("风景名胜区景观影响评价报告")],
         basis="《风景名胜区条例》第二十八条"),
    # 城管
    item("cgj", 17, 1, "门头招牌设置备案", kind="filing", legal=3, committed=1, trips=0, depth="full",
         result="门头招牌设置备案回执", delivery=["electronic"],
         materials=[form("门头招牌设置备案表"), LICENCE, mat("招牌设计效果图（标明尺寸、材质）")],
         basis="《福建省城市市容和环境卫生管理办法》；《闽侯县户外招牌设置技术规范》"),
    item("cgj", 17, 2, "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批", legal=15, committed=5,
         result="户外广告设置许可决定书",
         materials=[form("户外广告设置申请书"), LICENCE, mat("设置位置图及效果图"), mat("结构安全设计图纸"),
                    PREMISES, mat("安全承诺书")],
         basis="《城市市容和环境卫生管理条例》第十一条"),
    item("cgj", 18, 1, "城市建筑垃圾处置核准", legal=20, committed=3, trips=0, depth="full",
         result="城市建筑垃圾处置核准决定书",
         materials=[form("建筑垃圾处置核准申请表"), mat("建筑垃圾处置方案"), mat("运输车辆及消纳场地证明")],
         basis="《城市建筑垃圾管理规定》第七条"),
    item("cgj", 19, 1, "占用城市绿地、砍伐迁移城市树木审批", legal=20, committed=5, special=["site_survey"],
         result="占用绿地（树木砍伐迁移）许可决定书",
         materials=[form("占用绿地申请表"), mat("占用位置图及面积"), mat("绿化恢复方案")],
         basis="《城市绿化条例》第十九条、第二十条"),
    # 自然资源
    item("zrzy", 11, 1, "建设项目用地预审与选址意见书核发", legal=20, committed=10,
         special=["expert_review"], result="建设项目用地预审与选址意见书",
         materials=[form("建设项目用地预审与选址申请表"), PROJECT_DOC, SITE_PLAN, COORDS, OWNER_CERT,
                    mat("国土空间规划符合性分析"), mat("节约集约用地论证分析专章"),
                    mat("生态保护红线不可避让论证报告", req="conditional", when="涉及生态保护红线的")],
         basis="《中华人民共和国土地管理法》第五十二条；《中华人民共和国城乡规划法》第三十六条；《建设项目用地预审管理办法》",
         conditions="项目符合国土空间规划和用途管制要求；符合节约集约用地要求；涉及永久基本农田、生态保护红线的须经论证。"),
    item("zrzy", 12, 1, "建设用地规划许可证核发", legal=20, committed=5,
         result="建设用地规划许可证",
         materials=[form("建设用地规划许可申请表"), mat("建设项目批准、核准或备案文件", form="copy"), SITE_PLAN,
                    mat("国有土地使用权出让合同", form="copy", req="conditional", when="以出让方式取得土地的")],
         basis="《中华人民共和国城乡规划法》第三十七条、第三十八条"),
    item("zrzy", 13, 1, "建设工程规划许可证核发", legal=20, committed=2,
         result="建设工程规划许可证",
         materials=[form("建设工程规划许可申请表"), mat("建设工程设计方案"), mat("土地使用权证明", form="copy"),
                    mat("规划许可公告牌方案")],
         basis="《中华人民共和国城乡规划法》第四十条"),
    item("zrzy", 14, 1, "乡村建设规划许可证核发", legal=20, committed=5, special=["site_survey"],
         result="乡村建设规划许可证",
         materials=[form("乡村建设规划许可申请表"), mat("村民委员会意见"), mat("建设工程设计方案或通用图")],
         basis="《中华人民共和国城乡规划法》第四十一条"),
    item("zrzy", 15, 1, "不动产首次登记", kind="confirmation", legal=30, committed=5,
         special=["public_notice"], result="不动产权证书",
         fee="住宅80元/件，非住宅550元/件", fee_basis="《关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
         materials=[form("不动产登记申请书"), mat("申请人身份证明", source="government"), mat("权属来源证明材料"),
                    mat("不动产界址、空间界限、面积等材料")],
         basis="《不动产登记暂行条例》第二十条"),
    item("zrzy", 16, 1, "临时用地审批", legal=20, committed=10, special=["site_survey"],
         result="临时用地批准文件",
         materials=[form("临时用地申请表"), mat("临时使用土地合同"), mat("土地复垦方案")],
         basis="《中华人民共和国土地管理法》第五十七条"),
    # 交通运输
    item("jtys", 31, 1, "道路货物运输经营许可（不含危险货物）", legal=20, committed=5,
         result="道路运输经营许可证",
         materials=[form("道路货物运输经营申请表"), LICENCE, LEGAL_ID, mat("拟投入车辆承诺书"),
                    mat("驾驶人员从业资格证", form="copy"), SAFETY_RULES],
         basis="《中华人民共和国道路运输条例》第二十四条、第二十五条"),
    item("jtys", 31, 2, "道路运输车辆营运证核发", legal=10, committed=2, trips=1,
         result="道路运输证", materials=[mat("机动车行驶证", form="copy", source="government"),
                                         mat("道路运输经营许可证", form="copy", source="case"),
                                         mat("车辆技术等级评定报告")],
         basis="《中华人民共和国道路运输条例》第二十四条"),
    item("jtys", 32, 1, "机动车维修经营备案", kind="filing", legal=5, committed=1, trips=0,
         depth="full", result="机动车维修经营备案回执",
         materials=[form("机动车维修经营备案表"), LICENCE, PREMISES, mat("维修设备设施清单"),
                    mat("技术人员从业资格证明", form="copy")],
         basis="《中华人民共和国道路运输条例》第三十九条；《机动车维修管理规定》"),
    item("jtys", 33, 1, "公路超限运输许可", legal=15, committed=2, trips=0, depth="full",
         result="超限运输车辆通行证", delivery=["electronic"],
         materials=[form("超限运输申请表"), mat("车辆行驶证", form="copy", source="government"),
                    mat("货物说明及运输方案")],
         basis="《公路安全保护条例》第三十五条；《超限运输车辆行驶公路管理规定》"),
    item("jtys", 34, 1, "涉路施工许可（在公路用地范围内架设、埋设管线）", legal=20, committed=5,
         special=["site_survey"], result="涉路施工许可决定书",
         materials=[form("涉路施工许可申请书"), mat("施工方案及交通组织方案"), mat("安全评价报告"),
                    mat("保障公路安全的措施")],
         basis="《中华人民共和国公路法》第四十五条；《公路安全保护条例》第二十七条"),
    # 生态环境
    item("sthj", 21, 1, "建设项目环境影响报告表审批", legal=30, committed=7,
         special=["expert_review", "public_notice"], result="环境影响报告表批复",
         materials=[form("建设项目环境影响评价文件审批申请表"), mat("环境影响报告表（全本）"),
                    mat("删除涉密内容的公开版本说明")],
         basis="《中华人民共和国环境影响评价法》第二十二条",
         conditions="技术评估、专家评审、公示及听证时间不计入审批时限。"),
    item("sthj", 21, 2, "建设项目环境影响报告书审批", legal=60, committed=15,
         special=["expert_review", "public_notice", "hearing"], result="环境影响报告书批复",
         materials=[form("建设项目环境影响评价文件审批申请表"), mat("环境影响报告书（全本）"),
                    mat("公众参与说明")],
         basis="《中华人民共和国环境影响评价法》第二十二条"),
    item("sthj", 21, 3, "建设项目环境影响登记表备案", kind="filing", legal=1, committed=1, trips=0,
         depth="full", result="环境影响登记表备案回执", delivery=["electronic"],
         materials=[ENV_LIST],
         basis="《中华人民共和国环境影响评价法》第二十二条；《建设项目环境影响登记表备案管理办法》"),
    item("sthj", 22, 1, "排污许可证核发（简化管理）", legal=20, committed=10, trips=0, depth="full",
         special=["site_survey"], result="排污许可证", delivery=["electronic"],
         materials=[mat("排污许可证申请表", notes="在全国排污许可证管理信息平台填报"),
                    mat("自行监测方案"), mat("守法承诺书")],
         basis="《排污许可管理条例》第十二条"),
    item("sthj", 22, 2, "固定污染源排污登记", kind="filing", legal=1, committed=1, trips=0,
         depth="full", result="固定污染源排污登记回执", delivery=["electronic"],
         materials=[mat("固定污染源排污登记表", notes="在全国排污许可证管理信息平台填报")],
         basis="《排污许可管理条例》第二十四条"),
    item("sthj", 23, 1, "建设项目选址涉及饮用水水源保护区、生态保护红线的生态环境意见", kind="other",
         legal=20, committed=8, special=["expert_review"], result="生态环境部门选址意见",
         materials=[PROJECT_DOC, SITE_PLAN, COORDS, OWNER_CERT, mat("生态环境影响分析及避让论证报告")],
         basis="《中华人民共和国水污染防治法》第六十四条至第六十六条；《关于加强生态保护红线管理的通知（试行）》"),
    # 文化体育和旅游
    item("wlj", 13, 1, "娱乐场所经营许可（新办）", legal=20, committed=10,
         special=["site_survey", "public_notice"], result="娱乐经营许可证",
         materials=[form("娱乐场所经营许可申请表"), LICENCE, LEGAL_ID, PREMISES, LOCATION_MAP, LAYOUT,
                    mat("投资人、法定代表人、主要负责人无《娱乐场所管理条例》第五条禁止情形的书面声明"),
                    FIRE_CERT],
         basis="《娱乐场所管理条例》第九条；《娱乐场所管理办法》",
         conditions="场所不得设在居民楼、博物馆、图书馆和被核定为文物保护单位的建筑物内；距学校等不少于规定距离。现场勘验和公示时间不计入办理时限。"),
    item("wlj", 14, 1, "互联网上网服务营业场所经营单位设立审批", legal=20, committed=6,
         special=["site_survey"], result="网络文化经营许可证",
         materials=[form("互联网上网服务营业场所经营单位设立申请表"), LICENCE, LEGAL_ID, PREMISES, LAYOUT,
                    FIRE_CERT, mat("信息网络安全审核意见书", source="case"),
                    mat("互联网接入服务意向书", form="copy")],
         basis="《互联网上网服务营业场所管理条例》第十条、第十一条",
         conditions="营业场所距中学、小学校园周边200米范围内不得设立；营业面积、计算机台数符合规定。现场勘验时间不计入办理时限。"),
    item("wlj", 15, 1, "出版物零售经营许可", legal=20, committed=5, trips=0, depth="full",
         result="出版物经营许可证",
         materials=[form("出版物零售经营许可申请书"), LICENCE, LEGAL_ID, PREMISES],
         basis="《出版管理条例》第三十七条；《出版物市场管理规定》"),
    item("wlj", 16, 1, "经营高危险性体育项目许可（游泳）", legal=30, committed=5,
         special=["site_survey"], result="高危险性体育项目经营许可证",
         materials=[form("经营高危险性体育项目申请书"), LICENCE, PREMISES,
                    mat("救生员、社会体育指导员资格证书", form="copy"), mat("体育设施符合国家标准的说明"),
                    SAFETY_RULES],
         basis="《全民健身条例》第三十二条；《经营高危险性体育项目许可管理办法》"),
    item("wlj", 17, 1, "电影放映单位设立审批", legal=20, committed=10, special=["site_survey"],
         result="电影放映经营许可证",
         materials=[form("电影放映单位设立申请表"), LICENCE, LEGAL_ID, PREMISES, LAYOUT, FIRE_CERT,
                    mat("放映设备清单")],
         basis="《中华人民共和国电影产业促进法》第二十四条"),
    item("wlj", 18, 1, "营业性演出审批", legal=20, committed=3, trips=0, depth="full",
         result="营业性演出批准文件",
         materials=[form("营业性演出申请表"), mat("演出节目内容及演员名单"), mat("演出场所合法使用证明")],
         basis="《营业性演出管理条例》第十三条"),
    item("wlj", 19, 1, "乡村民宿登记备案", kind="filing", legal=5, committed=3, special=["site_survey"],
         result="民宿备案登记证明",
         materials=[form("民宿登记备案表"), LICENCE, LEGAL_ID, PREMISES, mat("民宿房屋安全鉴定报告")],
         basis="《福建省乡村民宿发展指导意见》"),
    item("wlj", 20, 1, "印刷经营许可（包装装潢及其他印刷品）", legal=20, committed=10,
         special=["site_survey"], result="印刷经营许可证",
         materials=[form("印刷经营许可申请表"), LICENCE, PREMISES, mat("印刷设备清单"), SAFETY_RULES],
         basis="《印刷业管理条例》第十一条"),
    # 文物
    item("wwj", 11, 1, "文物保护单位建设控制地带内建设工程设计方案审核", legal=20, committed=7,
         special=["expert_review", "site_survey"], result="文物主管部门审核意见",
         materials=[PROJECT_DOC, SITE_PLAN, COORDS, OWNER_CERT, mat("建设工程设计方案"),
                    mat("文物影响评估报告")],
         basis="《中华人民共和国文物保护法》第十八条"),
    item("wwj", 12, 1, "文物保护单位保护范围内其他建设工程或者爆破、钻探、挖掘等作业审批", legal=20,
         committed=10, special=["expert_review"], result="文物保护范围内作业批准文件",
         materials=[form("作业申请书"), mat("作业方案"), mat("文物保护措施")],
         basis="《中华人民共和国文物保护法》第十七条"),
    item("wwj", 13, 1, "建设工程文物考古调查勘探", kind="public_service", legal=30, committed=15,
         special=["inspection"], result="考古调查勘探报告",
         materials=[form("考古调查勘探申请表"), SITE_PLAN, COORDS],
         basis="《中华人民共和国文物保护法》第二十九条"),
    # 公安
    item("gaj", 41, 1, "旅馆业特种行业许可证核发", legal=20, committed=5, special=["site_survey"],
         result="特种行业许可证", commitment=True,
         materials=[form("旅馆业特种行业许可申请登记表"), LICENCE, LEGAL_ID, PREMISES, FIRE_CERT,
                    mat("地理位置图及外观照片"), mat("客房床铺平面图"), mat("治安保卫制度及治安保证书"), COMMITMENT],
         basis="《旅馆业治安管理办法》第四条；《国务院对确需保留的行政审批项目设定行政许可的决定》",
         conditions="房屋建筑、消防设备、出入口和通道符合消防安全规定；有必要的防盗安全设施；按规定安装旅馆业治安管理信息系统。"),
    item("gaj", 42, 1, "公章刻制备案", kind="filing", legal=1, committed=1, trips=0, depth="full",
         handling="instant", result="印章备案回执", delivery=["window", "post"],
         materials=[LICENCE, LEGAL_ID],
         basis="《国务院关于第一批清理规范89项国务院部门行政审批中介服务事项的决定》"),
    item("gaj", 43, 1, "互联网上网服务营业场所信息网络安全审核", legal=20, committed=5,
         special=["site_survey"], result="信息网络安全审核意见书",
         materials=[form("信息网络安全审核申请表"), LICENCE, mat("网络安全技术措施说明"),
                    mat("网络安全管理人员名单及培训证明")],
         basis="《互联网上网服务营业场所管理条例》第十一条"),
    item("gaj", 44, 1, "娱乐场所治安备案", kind="filing", legal=15, committed=1, trips=0, depth="full",
         result="娱乐场所备案回执",
         materials=[form("娱乐场所备案登记表"), mat("娱乐经营许可证", form="copy", source="case"), LICENCE],
         basis="《娱乐场所管理条例》第十一条"),
    item("gaj", 45, 1, "大型群众性活动安全许可", legal=7, committed=3, special=["site_survey"],
         result="大型群众性活动安全许可决定书",
         materials=[form("大型群众性活动安全许可申请表"), mat("活动安全工作方案"), mat("场所管理者同意使用证明")],
         basis="《大型群众性活动安全管理条例》第十一条、第十三条"),
    item("gaj", 46, 1, "典当业特种行业许可证核发", legal=20, committed=10, special=["site_survey"],
         result="特种行业许可证",
         materials=[form("典当业特种行业许可申请表"), mat("典当经营许可证", form="copy"), LEGAL_ID, FIRE_CERT],
         basis="《典当管理办法》第二十四条"),
    # 消防
    item("xfj", 11, 1, "公众聚集场所投入使用、营业前消防安全检查", legal=10, committed=5,
         special=["site_survey"], result="公众聚集场所投入使用、营业前消防安全检查合格证",
         commitment=True,
         materials=[form("公众聚集场所投入使用、营业前消防安全检查申报表"), LICENCE, LEGAL_ID,
                    mat("消防安全制度、灭火和应急疏散预案"), mat("场所平面布置图及消防设施平面图"),
                    mat("消防验收合格或备案证明", form="copy", req="conditional",
                        when="场所依法需办理消防验收或备案的"), COMMITMENT],
         basis="《中华人民共和国消防法》第十五条；《公众聚集场所投入使用、营业前消防安全检查规则》",
         conditions="选择告知承诺方式的，当场作出许可决定，20个工作日内核查；不选择的，10个工作日内检查并作出决定。"),
    # 供电
    item("gdgs", 11, 1, "低压非居民用电报装（小微企业）", kind="public_service", legal=15, committed=8,
         trips=0, depth="full", result="供用电合同", delivery=["electronic"],
         materials=[mat("用电人有效身份证明", source="government"), mat("用电地址产权证明或使用证明")],
         basis="《供电营业规则》；《关于全面提升“获得电力”服务水平 持续优化用电营商环境的意见》（发改能源规〔2020〕1479号）",
         conditions="160千瓦及以下小微企业低压接入：零上门、零审批、零投资。"),
    item("gdgs", 12, 1, "高压用电报装", kind="public_service", legal=30, committed=22,
         special=["site_survey"], result="供用电合同",
         materials=[mat("用电人有效身份证明", source="government"), mat("用电地址产权证明或使用证明"),
                    mat("用电设备清单及负荷说明")],
         basis="《供电营业规则》"),
    item("gdgs", 13, 1, "居民用电报装", kind="public_service", legal=5, committed=3, trips=0,
         depth="full", result="供用电合同", delivery=["electronic"],
         materials=[mat("户主身份证", source="government"), mat("房屋产权证明或使用证明")],
         basis="《供电营业规则》"),
    # 林业
    item("lyj", 11, 1, "林木采伐许可证核发", legal=20, committed=5, commitment=True,
         special=["site_survey"], result="林木采伐许可证",
         materials=[form("林木采伐申请表"), mat("林权证或林木权属证明", form="copy"),
                    mat("伐区调查设计", req="conditional", when="非告知承诺方式、采伐蓄积15立方米以上的")],
         basis="《中华人民共和国森林法》第五十六条；福州市人工商品林采伐告知承诺制规定",
         conditions="人工商品林采伐蓄积15立方米及以下的，实行告知承诺制，免于伐区调查设计。"),
    item("lyj", 12, 1, "建设项目使用林地及在自然保护地内建设审核意见", legal=20, committed=8,
         special=["site_survey", "expert_review"], result="使用林地审核同意书",
         materials=[PROJECT_DOC, SITE_PLAN, COORDS, OWNER_CERT, mat("使用林地可行性报告或现状调查表"),
                    mat("自然保护地影响评价报告", req="conditional", when="涉及自然保护地的")],
         basis="《中华人民共和国森林法》第三十七条；《建设项目使用林地审核审批管理办法》；《中华人民共和国自然保护区条例》第十八条"),
    item("lyj", 13, 1, "临时使用林地审批", legal=20, committed=10, special=["site_survey"],
         result="临时使用林地批准文件",
         materials=[form("使用林地申请表"), mat("林地恢复方案"), mat("临时使用林地现状调查表")],
         basis="《中华人民共和国森林法》第三十八条"),
    # 水利
    item("slj", 11, 1, "取水许可", legal=45, committed=10, special=["expert_review"],
         result="取水许可证",
         materials=[form("取水许可申请书"), LICENCE, mat("建设项目水资源论证报告书（表）"),
                    mat("与第三者利害关系的说明")],
         basis="《取水许可和水资源费征收管理条例》第十一条"),
    item("slj", 12, 1, "河道管理范围内建设项目工程建设方案审批", legal=20, committed=7,
         special=["expert_review"], result="河道管理范围内建设项目审查意见",
         materials=[PROJECT_DOC, SITE_PLAN, COORDS, OWNER_CERT, mat("防洪评价报告"),
                    mat("饮用水水源保护区影响分析", req="conditional", when="涉及饮用水水源保护区的")],
         basis="《中华人民共和国水法》第三十八条；《中华人民共和国防洪法》第二十七条；《河道管理范围内建设项目管理的有关规定》"),
    item("slj", 13, 1, "生产建设项目水土保持方案审批", legal=20, committed=10,
         special=["expert_review"], result="水土保持方案批复",
         materials=[form("水土保持方案审批申请"), mat("水土保持方案报告书")],
         basis="《中华人民共和国水土保持法》第二十五条"),
    item("slj", 14, 1, "洪水影响评价类审批", legal=20, committed=10, special=["expert_review"],
         result="洪水影响评价审批意见",
         materials=[form("洪水影响评价类审批申请书"), mat("洪水影响评价报告")],
         basis="《中华人民共和国防洪法》第十七条、第三十三条"),
    # 农业农村
    item("nync", 11, 1, "农药经营许可", legal=20, committed=10, special=["site_survey"],
         result="农药经营许可证",
         materials=[form("农药经营许可申请表"), LICENCE, LEGAL_ID, PREMISES,
                    mat("农学、植保等专业技术人员学历或培训证明", form="copy"), mat("农药经营管理制度及岗位操作规程")],
         basis="《农药管理条例》第二十四条；《农药经营许可管理办法》"),
    item("nync", 12, 1, "兽药经营许可", legal=20, committed=10, special=["site_survey"],
         result="兽药经营许可证",
         materials=[form("兽药经营许可证申请表"), LICENCE, PREMISES, mat("兽医专业技术人员资格证明", form="copy"),
                    mat("兽药质量管理文件")],
         basis="《兽药管理条例》第二十二条"),
    item("nync", 13, 1, "农作物种子经营备案", kind="filing", legal=5, committed=1, trips=0, depth="full",
         result="种子经营备案回执", materials=[form("种子经营备案表"), LICENCE, mat("种子经营授权书")],
         basis="《中华人民共和国种子法》第三十八条"),
    item("nync", 14, 1, "动物防疫条件合格证核发", legal=20, committed=10, special=["site_survey"],
         result="动物防疫条件合格证",
         materials=[form("动物防疫条件审查申请表"), mat("场所地理位置图、各功能区布局平面图"),
                    mat("设施设备清单"), mat("动物防疫制度")],
         basis="《中华人民共和国动物防疫法》第二十五条"),
    item("nync", 15, 1, "建设项目选址涉及永久基本农田的农业农村意见", kind="other", legal=20, committed=7,
         special=["site_survey"], result="农业农村部门选址意见",
         materials=[PROJECT_DOC, SITE_PLAN, COORDS, OWNER_CERT, mat("占用永久基本农田论证报告及补划方案")],
         basis="《基本农田保护条例》第十五条；《中华人民共和国土地管理法》第三十五条"),
    # 发改
    item("fgj", 11, 1, "企业投资项目备案", kind="filing", legal=3, committed=1, trips=0, depth="full",
         result="企业投资项目备案证明", delivery=["electronic"],
         materials=[mat("项目基本情况（在投资项目在线审批监管平台填报）"), OWNER_CERT],
         basis="《企业投资项目核准和备案管理条例》第十三条"),
    item("fgj", 12, 1, "企业投资项目核准", legal=20, committed=10, special=["expert_review"],
         result="项目核准文件",
         materials=[form("项目申请报告"), OWNER_CERT, SITE_PLAN,
                    mat("用地预审与选址意见书", form="copy", source="case")],
         basis="《企业投资项目核准和备案管理条例》第六条"),
    item("fgj", 13, 1, "政府投资项目可行性研究报告审批（选址阶段发展改革意见）", legal=20, committed=7,
         special=["expert_review"], result="可行性研究报告批复",
         materials=[PROJECT_DOC, SITE_PLAN, COORDS, OWNER_CERT, mat("社会稳定风险评估报告")],
         basis="《政府投资条例》第十一条"),
    item("fgj", 14, 1, "固定资产投资项目节能审查", legal=20, committed=10, special=["expert_review"],
         result="节能审查意见",
         materials=[mat("节能报告"), OWNER_CERT],
         basis="《固定资产投资项目节能审查办法》"),
    # 教育
    item("jyj", 11, 1, "民办学校（幼儿园）筹设审批", legal=30, committed=15, special=["expert_review"],
         result="筹设批准书",
         materials=[form("申办报告"), mat("举办者的基本情况"), mat("资产来源、资金数额及有效证明文件"),
                    mat("捐赠协议", req="conditional", when="属捐赠性质的")],
         basis="《中华人民共和国民办教育促进法》第十二条、第十三条"),
    item("jyj", 12, 1, "民办幼儿园设立审批", legal=60, committed=15, special=["site_survey"],
         result="民办学校办学许可证",
         materials=[form("民办幼儿园设立申请书"), mat("幼儿园章程及首届理事会（董事会）名单"),
                    mat("资产有效证明文件"), mat("园长、教师、保育员资格证明", form="copy"), PREMISES,
                    mat("托幼机构卫生评价报告", source="case"), FIRE_CERT],
         basis="《中华人民共和国民办教育促进法》第十六条、第十八条；《幼儿园管理条例》",
         conditions="园舍、场地、设施符合《幼儿园建设标准》和安全、卫生要求；有合格的园长、教师和保育员。"),
    item("jyj", 13, 1, "非学科类校外培训机构设立审批", legal=30, committed=15, special=["site_survey"],
         result="民办学校办学许可证（培训类）",
         materials=[form("校外培训机构设立申请书"), mat("机构章程"), PREMISES, LAYOUT,
                    mat("举办者资格证明"), mat("教学人员资格证明", form="copy"), FIRE_CERT],
         basis="《中华人民共和国民办教育促进法》；《福建省校外培训机构设置标准》"),
    item("jyj", 14, 1, "教师资格认定", kind="confirmation", legal=60, committed=20, trips=0, depth="full",
         result="教师资格证书", delivery=["post", "electronic"],
         materials=[mat("身份证明", source="government"), mat("学历证书", source="government"),
                    mat("教师资格考试合格证明", source="government"), mat("体检合格证明")],
         basis="《教师资格条例》第十三条"),
    # 人社
    item("rsj", 11, 1, "单位参保登记", kind="public_service", legal=5, committed=1, trips=0,
         depth="full", handling="instant", result="社会保险登记证明", delivery=["electronic"],
         materials=[LICENCE],
         basis="《中华人民共和国社会保险法》第五十七条"),
    item("rsj", 12, 1, "劳务派遣经营许可", legal=20, committed=10, special=["site_survey"],
         result="劳务派遣经营许可证",
         materials=[form("劳务派遣经营许可申请书"), LICENCE, mat("验资报告或出资证明"),
                    mat("劳务派遣管理制度")],
         basis="《中华人民共和国劳动合同法》第五十七条；《劳务派遣行政许可实施办法》"),
    item("rsj", 13, 1, "人力资源服务许可", legal=20, committed=5, result="人力资源服务许可证",
         materials=[form("人力资源服务许可申请书"), LICENCE, PREMISES,
                    mat("人力资源服务专职工作人员名单")],
         basis="《人力资源市场暂行条例》第十八条"),
    # 民政
    item("mzj", 11, 1, "民办非企业单位成立登记", legal=60, committed=10, result="民办非企业单位登记证书",
         materials=[form("民办非企业单位成立登记申请书"), mat("业务主管单位批准文件", source="case"),
                    mat("场所使用权证明", form="copy", key=PREMISES_KEY),
                    mat("验资报告"), mat("章程草案"), LEGAL_ID],
         basis="《民办非企业单位登记管理暂行条例》第九条"),
    item("mzj", 12, 1, "养老机构备案", kind="filing", legal=5, committed=1, trips=0, depth="full",
         result="养老机构备案回执",
         materials=[form("养老机构备案书"), LICENCE, mat("养老机构备案承诺书"), PREMISES],
         basis="《中华人民共和国老年人权益保障法》第四十三条；《养老机构管理办法》"),
    item("mzj", 13, 1, "社会团体成立登记", legal=60, committed=20, result="社会团体法人登记证书",
         materials=[form("社会团体成立登记申请书"), mat("业务主管单位批准文件"), mat("章程草案"),
                    mat("验资报告"), mat("负责人身份证明")],
         basis="《社会团体登记管理条例》第九条"),
    item("mzj", 14, 1, "内地居民婚姻登记", kind="confirmation", legal=1, committed=0,
         handling="instant", result="结婚证", delivery=["window"],
         materials=[mat("本人户口簿、身份证", source="government"), mat("本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明"),
                    mat("近期半身免冠合影照片")],
         basis="《婚姻登记条例》第五条"),
    # 税务
    item("swj", 11, 1, "发票票种核定及领用", kind="other", legal=5, committed=1, trips=0, depth="full",
         result="发票（数电票授信额度）", delivery=["electronic", "post"],
         materials=[LICENCE, mat("办税人员身份证明", source="government")],
         basis="《中华人民共和国发票管理办法》第十五条"),
    item("swj", 12, 1, "新办纳税人涉税事项（信息确认）", kind="other", legal=1, committed=0, trips=0,
         depth="full", handling="instant", result="税务信息确认回执", delivery=["electronic"],
         materials=[LICENCE],
         basis="《中华人民共和国税收征收管理法》第十五条"),
    # 烟草
    item("ycj", 11, 1, "烟草专卖零售许可证核发（新办）", legal=20, committed=5, special=["site_survey"],
         result="烟草专卖零售许可证",
         materials=[form("烟草专卖零售许可证申请表"), LICENCE, LEGAL_ID, PREMISES],
         basis="《中华人民共和国烟草专卖法》第十六条；《烟草专卖许可证管理办法》",
         conditions="有与经营烟草制品零售业务相适应的资金和固定经营场所；符合当地烟草制品零售点合理布局的要求。"),
]

_BY_NAME = {entry["name"]: entry["code"] for entry in ITEMS}


def code_of(name: str) -> str:
    return _BY_NAME[name]


COMPANY = "企业设立登记（公司）"
SOLE = "个体工商户设立登记"
FOOD = "食品经营许可（新办）"
HEALTH_CHECK = "从业人员预防性健康检查（健康证明办理）"
SIGN = "门头招牌设置备案"
FIRE = "公众聚集场所投入使用、营业前消防安全检查"
DRAIN = "城镇污水排入排水管网许可"
TOBACCO = "烟草专卖零售许可证核发（新办）"
HYGIENE = "公共场所卫生许可（新办）"
DEVICE = "第二类医疗器械经营备案"
PREPACKED = "仅销售预包装食品备案"
LODGING = "旅馆业特种行业许可证核发"
BILLBOARD = "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批"
POLLUTION_REG = "固定污染源排污登记"


def package(code: str, name: str, lead: str, limit: int, items: list[str],
            waits: dict[str, list[str]] | None = None, *, description: str,
            category: str = "business") -> dict[str, Any]:
    """`waits` maps an item's name to the names of the items it waits for."""
    deps = [
        {"item": code_of(waiting), "requires": code_of(required)}
        for waiting, requirements in (waits or {}).items() for required in requirements
    ]
    return {
        "code": code, "name": name, "category": category, "lead_department": lead,
        "committed_limit": limit, "description": description, "is_active": True,
        "items": [code_of(n) for n in items], "dependencies": deps,
    }


def after(first: str | list[str], *names: str) -> dict[str, list[str]]:
    """Each of `names` waits for `first`."""
    firsts = [first] if isinstance(first, str) else first
    return {name: list(firsts) for name in names}


PACKAGES: list[dict[str, Any]] = [
    package("qykb", "企业开办一件事", "scjg", 1,
            [COMPANY, "公章刻制备案", "发票票种核定及领用", "单位参保登记", "新办纳税人涉税事项（信息确认）"],
            after(COMPANY, "公章刻制备案", "发票票种核定及领用", "单位参保登记",
                  "新办纳税人涉税事项（信息确认）"),
            description="营业执照、公章刻制、发票申领、社保登记一网通办，一次提交、一日办结，免费刻制首套公章。"),
    package("canyin", "开餐饮店一件事", "scjg", 8,
            [COMPANY, HEALTH_CHECK, FOOD, SIGN, FIRE, DRAIN, TOBACCO],
            {FOOD: [COMPANY, HEALTH_CHECK], **after(COMPANY, SIGN, FIRE, DRAIN, TOBACCO)},
            description="开饭店、小吃店、奶茶店等餐饮服务：营业执照、食品经营许可、从业人员健康证明、门头招牌、消防安全检查、排水许可、烟草零售许可一次申请、联合踏勘、一并发证。"),
    package("bianlidian", "开便利店一件事", "scjg", 5,
            [SOLE, FOOD, TOBACCO, DEVICE, SIGN],
            after(SOLE, FOOD, TOBACCO, DEVICE, SIGN),
            description="便利店“一业一证”：食品经营许可、烟草专卖零售许可、第二类医疗器械经营备案一表申请、一同核查。"),
    package("chaoshi", "开超市一件事", "scjg", 6,
            [COMPANY, FOOD, TOBACCO, FIRE, BILLBOARD, DRAIN, DEVICE],
            after(COMPANY, FOOD, TOBACCO, FIRE, BILLBOARD, DRAIN, DEVICE),
            description="开办超市、商场：食品经营、烟草零售、消防安全检查、户外广告、排水许可并联审批。"),
    package("yaodian", "开药店一件事", "scjg", 10,
            [COMPANY, "药品零售企业经营许可", DEVICE, PREPACKED, SIGN],
            after(COMPANY, "药品零售企业经营许可", DEVICE, PREPACKED, SIGN),
            description="开办零售药店：药品经营许可与医疗器械经营备案、保健食品销售备案一并办理，GSP现场检查一次完成。"),
    package("lifadian", "开理发店一件事", "wsjk", 8,
            [SOLE, HEALTH_CHECK, HYGIENE, SIGN],
            {HYGIENE: [SOLE, HEALTH_CHECK], SIGN: [SOLE]},
            description="开办理发店、美发店：个体工商户登记、从业人员健康证明、公共场所卫生许可、门头招牌一次办。"),
    package("meirongyuan", "开美容院一件事", "wsjk", 8,
            [COMPANY, HEALTH_CHECK, HYGIENE, FIRE, SIGN],
            {HYGIENE: [COMPANY, HEALTH_CHECK], **after(COMPANY, FIRE, SIGN)},
            description="开办美容院、美甲店（非医疗美容）：营业执照、卫生许可、消防安全检查一次申请。"),
    package("binguan", "开宾馆一件事", "gaj", 10,
            [COMPANY, FIRE, LODGING, HEALTH_CHECK, HYGIENE, FOOD, DRAIN, SIGN],
            {LODGING: [FIRE], HYGIENE: [COMPANY, HEALTH_CHECK], FOOD: [COMPANY, HEALTH_CHECK],
             **after(COMPANY, FIRE, DRAIN, SIGN)},
            description="开办宾馆、酒店、旅馆：营业执照、消防安全检查、特种行业许可、公共场所卫生许可、餐饮食品经营许可联合踏勘、一并发证。"),
    package("minsu", "开民宿一件事", "wlj", 10,
            [SOLE, "乡村民宿登记备案", FIRE, LODGING, HEALTH_CHECK, HYGIENE, FOOD],
            {LODGING: [FIRE, "乡村民宿登记备案"], HYGIENE: [SOLE, HEALTH_CHECK],
             FOOD: [SOLE, HEALTH_CHECK], **after(SOLE, "乡村民宿登记备案", FIRE)},
            description="开办乡村民宿：文旅、公安、卫健、市场监管、消防上门联合踏勘，六证联办。"),
    package("wangba", "开网吧一件事", "wlj", 10,
            [COMPANY, "互联网上网服务营业场所信息网络安全审核", FIRE,
             "互联网上网服务营业场所经营单位设立审批", FOOD, SIGN],
            {"互联网上网服务营业场所经营单位设立审批":
                 ["互联网上网服务营业场所信息网络安全审核", FIRE],
             **after(COMPANY, "互联网上网服务营业场所信息网络安全审核", FIRE, FOOD, SIGN)},
            description="开办网吧（电竞馆）：网络文化经营许可、信息网络安全审核、消防安全检查、食品经营许可一次申请，现场勘验一次完成。"),
    package("ktv", "开歌舞娱乐场所（KTV）一件事", "wlj", 16,
            [COMPANY, "其他建设工程消防验收备案", FIRE, "娱乐场所经营许可（新办）", "娱乐场所治安备案",
             HEALTH_CHECK, HYGIENE, FOOD, SIGN],
            {FIRE: [COMPANY, "其他建设工程消防验收备案"],
             "娱乐场所经营许可（新办）": [FIRE], "娱乐场所治安备案": ["娱乐场所经营许可（新办）"],
             HYGIENE: [COMPANY, HEALTH_CHECK], FOOD: [COMPANY, HEALTH_CHECK], SIGN: [COMPANY]},
            description="开办KTV、歌舞厅：消防验收备案、消防安全检查、娱乐经营许可、卫生许可、食品经营许可、治安备案联办。"),
    package("shudian", "开书店一件事", "wlj", 5,
            [SOLE, "出版物零售经营许可", PREPACKED, SIGN],
            after(SOLE, "出版物零售经营许可", PREPACKED, SIGN),
            description="开办书店（含简餐饮品）：出版物经营许可与食品销售备案一并办理。"),
    package("jianshenfang", "开健身房一件事", "wlj", 5,
            [COMPANY, FIRE, SIGN],
            after(COMPANY, FIRE, SIGN),
            description="开办健身房、体育健身场馆：营业执照、消防安全检查（可告知承诺）、门头招牌一次办。"),
    package("youyongguan", "开游泳馆一件事", "wlj", 9,
            [COMPANY, "经营高危险性体育项目许可（游泳）", HEALTH_CHECK, HYGIENE, FIRE, SIGN],
            {HYGIENE: [COMPANY, HEALTH_CHECK],
             **after(COMPANY, "经营高危险性体育项目许可（游泳）", FIRE, SIGN)},
            description="开办游泳馆：高危险性体育项目许可、公共场所卫生许可、消防安全检查联合踏勘。"),
    package("youeryuan", "开办民办幼儿园一件事", "jyj", 28,
            ["托幼机构卫生评价", FIRE, "民办幼儿园设立审批", "民办非企业单位成立登记", HEALTH_CHECK, FOOD],
            {"民办幼儿园设立审批": ["托幼机构卫生评价", FIRE],
             "民办非企业单位成立登记": ["民办幼儿园设立审批"],
             FOOD: ["民办非企业单位成立登记", HEALTH_CHECK]},
            description="开办民办幼儿园：卫生评价、消防安全检查、办学许可、民办非企业单位登记、食堂食品经营许可一次告知、并联推进。"),
    package("peixun", "开办校外培训机构一件事", "jyj", 15,
            [FIRE, "非学科类校外培训机构设立审批", COMPANY, SIGN],
            {"非学科类校外培训机构设立审批": [FIRE], COMPANY: ["非学科类校外培训机构设立审批"],
             SIGN: [COMPANY]},
            description="开办非学科类校外培训机构（先证后照）：消防安全检查、办学许可、营业执照、门头招牌联办。"),
    package("zhensuo", "开诊所一件事", "wsjk", 10,
            [COMPANY, "诊所备案", "放射诊疗许可", DRAIN, POLLUTION_REG, SIGN],
            {"诊所备案": [COMPANY], "放射诊疗许可": ["诊所备案"],
             **after(COMPANY, DRAIN, POLLUTION_REG, SIGN)},
            description="开办诊所：营业执照、诊所备案、放射诊疗许可（配备X光机的）、排水许可、排污登记一次办。"),
    package("qixiu", "开汽车维修店一件事", "jtys", 5,
            [COMPANY, "机动车维修经营备案", "建设项目环境影响登记表备案", POLLUTION_REG, DRAIN, SIGN],
            after(COMPANY, "机动车维修经营备案", "建设项目环境影响登记表备案", POLLUTION_REG, DRAIN, SIGN),
            description="开办汽车维修店（二类、三类维修）：维修经营备案、环评登记、排污登记、排水许可一次办。"),
    package("nongzi", "开农资店一件事", "nync", 10,
            [SOLE, "农药经营许可", "农作物种子经营备案", "兽药经营许可", SIGN],
            after(SOLE, "农药经营许可", "农作物种子经营备案", "兽药经营许可", SIGN),
            description="开办农资店：农药经营许可、兽药经营许可、种子经营备案一次申请、一同核查。"),
    package("dianyingyuan", "开电影院一件事", "wlj", 13,
            [COMPANY, FIRE, "电影放映单位设立审批", HEALTH_CHECK, HYGIENE, FOOD],
            {"电影放映单位设立审批": [FIRE], HYGIENE: [COMPANY, HEALTH_CHECK],
             FOOD: [COMPANY, HEALTH_CHECK], FIRE: [COMPANY]},
            description="开办电影院：消防安全检查、电影放映经营许可、公共场所卫生许可、食品经营许可联办。"),
    package("xuanzhi", "建设项目选址联合审查（涉及保护区）", "zrzy", 7,
            ["建设项目用地预审与选址意见书核发",
             "建设项目选址涉及饮用水水源保护区、生态保护红线的生态环境意见",
             "建设项目使用林地及在自然保护地内建设审核意见",
             "河道管理范围内建设项目工程建设方案审批",
             "文物保护单位建设控制地带内建设工程设计方案审核",
             "建设项目选址涉及永久基本农田的农业农村意见",
             "风景名胜区内建设活动审批（选址意见）",
             "政府投资项目可行性研究报告审批（选址阶段发展改革意见）"],
            category="project",
            description="建设项目选址涉及自然保护地、生态保护红线、饮用水水源保护区、永久基本农田、文物保护单位或风景名胜区的，由自然资源局牵头，八个部门在“多规合一”业务协同平台上同步审查、限时出具意见，逾期视为同意。"),
]


def _ensure_units() -> None:
    """The catalogue names departments by code: make sure the demo county exists."""
    from onetrip.accounts import demo as accounts_demo

    if not OrgUnit.objects.filter(code=accounts_demo.DEPARTMENTS[-1][0]).exists():
        accounts_demo.seed()


def seed() -> dict[str, int]:
    """Load the demo catalogue (idempotent); returns how many records were created/updated."""
    from .imports import load_records

    if not settings.DEMO_SEED_ALLOWED:
        raise RuntimeError("demo seeding is refused when ONETRIP_ENV=production")
    _ensure_units()
    return load_records(items=ITEMS, packages=PACKAGES).counts()
