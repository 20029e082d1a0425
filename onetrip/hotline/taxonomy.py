"""The real 12345 category taxonomy the county starts with (pure data).

Seven first-level classes and their second-level classes, verbatim from the
泰迪杯 2020 问政 taxonomy (shared/reference/catalog-facts.md §4), cleaned as
that page says: the stray "交通运输 → 交通运输" child is dropped. Each
second-level class names the unit that usually leads it in the demo county
(the dispatch catalogue, 派单目录; "township" means the township where the
matter happens, 属地管理) and a few keywords for the rule table the dispatch
suggestion uses before the county has ticket history.

The tree is configuration: administrators edit categories in the admin;
this list only seeds it.
"""

from __future__ import annotations

from dataclasses import dataclass

TOWNSHIP = "township"


@dataclass(frozen=True)
class Leaf:
    name: str
    unit: str  # a unit code, or TOWNSHIP
    keywords: tuple[str, ...]


TAXONOMY: list[tuple[str, list[Leaf]]] = [
    (
        "城乡建设",
        [
            Leaf(
                "安全生产",
                "yjj",
                ("安全隐患", "安全生产", "事故", "消防通道", "燃气泄漏", "危化品"),
            ),
            Leaf(
                "城市建设和市政管理",
                "cgj",
                (
                    "路灯",
                    "井盖",
                    "占道经营",
                    "环卫",
                    "绿化",
                    "停水",
                    "垃圾清运",
                    "市政",
                    "城管",
                    "供水",
                    "燃气",
                ),
            ),
            Leaf(
                "城乡规划", "zrzy", ("规划", "违章建筑", "违建", "容积率", "挡光", "日照", "加盖")
            ),
            Leaf("村镇建设", TOWNSHIP, ("村道", "新农村", "村里", "村委会", "自建房", "村庄")),
            Leaf("工程质量", "zjj", ("工程质量", "墙体开裂", "渗水", "漏水", "施工安全", "脚手架")),
            Leaf(
                "国有土地上房屋征收与补偿",
                "zjj",
                ("房屋征收", "征收补偿", "棚户区", "棚改", "危房改造", "安置房"),
            ),
            Leaf(
                "集体土地上房屋拆迁与补偿",
                TOWNSHIP,
                ("征地拆迁", "集体土地", "宅基地", "拆迁补偿", "回迁房", "城中村"),
            ),
            Leaf(
                "建筑市场", "zjj", ("拖欠工程款", "工程款", "招投标", "资质", "包工头", "施工单位")
            ),
            Leaf(
                "住房保障与房地产",
                "zjj",
                (
                    "物业",
                    "公积金",
                    "保障性住房",
                    "公租房",
                    "房产证",
                    "开发商",
                    "不动产",
                    "交房",
                    "维修基金",
                ),
            ),
            Leaf("其他", "", ()),
        ],
    ),
    (
        "环境保护",
        [
            Leaf("环保管理", "sthj", ("环境监测", "环境执法", "环保督察", "排污许可")),
            Leaf(
                "环境污染",
                "sthj",
                ("噪音", "噪声", "异味", "臭味", "排污", "污水", "黑烟", "粉尘", "油烟", "污染"),
            ),
            Leaf("建设项目审批", "sthj", ("环评", "未批先建", "未验先用", "环境影响评价")),
            Leaf("其他", "", ()),
        ],
    ),
    (
        "交通运输",
        [
            Leaf("出租车管理", "jtys", ("出租车", "的士", "网约车", "拒载", "绕路", "打表")),
            Leaf("建设管理", "jtys", ("公路", "坑洼", "路面破损", "收费站", "桥梁", "道路施工")),
            Leaf("客货运输", "jtys", ("公交", "班车", "客运", "货车", "超载", "物流", "站点")),
            Leaf("邮政管理", "jtys", ("快递", "邮政", "包裹", "驿站", "丢件")),
            Leaf("其他", "", ()),
        ],
    ),
    (
        "教育文体",
        [
            Leaf("教师队伍和待遇", "jyj", ("教师工资", "代课教师", "绩效工资", "教师编制", "师资")),
            Leaf(
                "教育行政管理",
                "jyj",
                ("校园安全", "作业负担", "培训机构", "学籍", "民办学校", "补课"),
            ),
            Leaf("教育收费", "jyj", ("乱收费", "学费", "收费标准", "资料费", "校服费")),
            Leaf("教育体制", "jyj", ("学区", "教育资源", "集团化办学", "随迁子女", "异地入学")),
            Leaf("考试招生", "jyj", ("中考", "高考", "招生", "录取", "考场", "报名")),
            Leaf("失学辍学", "jyj", ("辍学", "失学", "助学金", "教育救助", "贫困学生")),
            Leaf("体育", "wlj", ("体育场", "健身器材", "篮球场", "体育馆", "运动会", "全民健身")),
            Leaf("文化", "wlj", ("图书馆", "文化站", "广场舞", "网吧", "演出", "文化市场")),
            Leaf("文物管理", "wwj", ("文物", "古厝", "古建筑", "遗址", "文保单位")),
            Leaf("其他", "", ()),
        ],
    ),
    (
        "劳动和社会保障",
        [
            Leaf("城镇居民社会保险", "rsj", ("居民医保", "城乡居民养老保险", "新农合", "居民养老")),
            Leaf(
                "城镇职工社会保险",
                "rsj",
                ("社保", "职工养老保险", "工伤", "生育保险", "失业保险", "职工医保", "断缴"),
            ),
            Leaf("工资福利", "rsj", ("拖欠工资", "欠薪", "最低工资", "加班费", "工资")),
            Leaf("就业培训", "rsj", ("就业", "职业培训", "技能鉴定", "招聘", "再就业", "创业补贴")),
            Leaf("劳动保护", "rsj", ("加班", "休假", "劳动安全", "防护用品", "高温补贴", "女职工")),
            Leaf(
                "劳动关系",
                "rsj",
                ("劳动合同", "辞退", "劳务派遣", "非法用工", "经济补偿", "农民工"),
            ),
            Leaf("社保基金管理", "rsj", ("社保基金", "骗保", "社保卡", "个人账户")),
            Leaf("退休政策及待遇", "rsj", ("退休", "养老金", "退休金", "提前退休", "退休待遇")),
            Leaf("其他", "", ()),
        ],
    ),
    (
        "商贸旅游",
        [
            Leaf("旅游管理", "wlj", ("景区", "旅游", "导游", "旅行社", "门票")),
            Leaf("商业贸易", "fgj", ("商场", "农贸市场", "菜市场", "商业网点", "进出口", "外贸")),
            Leaf(
                "市场监管",
                "scjg",
                ("假冒", "价格", "虚假宣传", "消费者", "退款", "传销", "缺斤少两", "商家"),
            ),
            Leaf("质监检验检疫", "scjg", ("电梯", "特种设备", "产品质量", "计量", "锅炉", "检验")),
            Leaf("其他", "", ()),
        ],
    ),
    (
        "卫生计生",
        [
            Leaf("公共卫生", "wsjk", ("疫苗", "接种", "传染病", "疾控", "病媒", "灭鼠")),
            Leaf("人口计生", "wsjk", ("生育", "独生子女", "计生", "失独", "育儿补贴", "出生证明")),
            Leaf(
                "食品药品监管",
                "scjg",
                ("食品安全", "过期食品", "药店", "药品", "餐馆", "外卖", "保健品"),
            ),
            Leaf("医患纠纷", "wsjk", ("医疗纠纷", "误诊", "医疗事故", "医生态度", "医患")),
            Leaf("医政监管", "wsjk", ("医院", "诊所", "非法行医", "医疗收费", "挂号", "卫生院")),
            Leaf("其他", "", ()),
        ],
    ),
]


def service_code(top_index: int, leaf_index: int | None = None) -> str:
    """Open311 service codes: "100" for the first first-level class, "101" for its first leaf."""
    return f"{top_index}{(leaf_index or 0):02d}"


def leaves() -> list[tuple[str, Leaf]]:
    """(path, leaf) for every second-level class, in order."""
    return [(f"{top}/{leaf.name}", leaf) for top, children in TAXONOMY for leaf in children]
