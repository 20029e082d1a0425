"""Reply-quality checks: does the reply answer the appeal? Pure Python (jieba), no models.

Five flags, each with a reason a person can read:

- irrelevant (答非所问): the reply opens on a topic the appeal does not have,
  or it names none of the appeal's subjects (the estate, the company, the
  school ...) and takes up next to nothing of what was asked (relevance.py).
- perfunctory (敷衍): stock phrases (已收悉, 高度重视, 正在研究, 将加强管理 ...)
  without a concrete action, result, date, figure or contact.
- copied: the same (or nearly the same) text was the reply to other appeals.
- incomplete: neither a result nor a next step.
- late: submitted after the reply limit (the caller knows the clock).

The thresholds were set on the labelled pairs in tests/reply_pairs*.yaml (the
relevance ones on the tuning half only, quality_eval.half); the tests and
`make bench` report each flag's precision and recall on them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

from .relevance import Relevance, relevance

FLAG_KINDS = ("irrelevant", "perfunctory", "copied", "incomplete", "late")

STOCK_PHRASES = (
    "已收悉",
    "收悉",
    "高度重视",
    "非常重视",
    "十分重视",
    "正在研究",
    "研究解决",
    "认真研究",
    "加强管理",
    "加强监管",
    "加大力度",
    "加大巡查",
    "进一步加强",
    "积极协调",
    "积极推进",
    "妥善处理",
    "尽快处理",
    "及时处理",
    "依法依规处理",
    "依法处理",
    "持续关注",
    "高度关注",
    "予以关注",
    "跟踪落实",
    "已转交",
    "已转相关部门",
    "感谢您的关注",
    "感谢您对",
    "感谢您的理解",
    "敬请谅解",
    "将督促",
    "督促相关",
    "责成相关",
    "落实整改",
    "举一反三",
    "相关部门",
    "有关部门",
    "后续将",
    "一定会",
    "请耐心等待",
    "耐心等待",
    "知悉",
    "专人跟进",
    "跟进处理",
    "转给",
    "转交",
    "持续加大",
    "严厉打击",
    "一贯",
    "零容忍",
    "长期工作",
    "综合考虑",
    "多方面因素",
    "普遍现象",
    "确保",
    "切实",
    "认真对待",
    "引起重视",
    "逐步解决",
    "争取早日",
)

# A concrete action already taken: "已" + a verb of doing (not 已收悉, 已转, 已关注).
_LOOK_VERBS = (
    "核实|核查|检测|监测|采样|检查|排查|查看|勘查|调取|走访|入户|上门|到场|赶赴|现场|联系|约谈|"
    "委托|鉴定|调查|了解"
)
_ACT_VERBS = (
    "派|安排|组织|责令|下达|立案|处罚|罚款|查处|查封|暂扣|没收|拆除|清理|清运|疏通|"
    "修复|更换|维修|维护|安装|增设|补设|恢复|完成|办结|解决|退还|退回|发放|补发|支付|缴纳|补缴|"
    "结清|兑现|张贴|公示|封堵|关停|停工|停业|停产|停岗|整改|纠正|调整|"
    "开具|出具|登记|审核|审批|移交|送达|签订|调解|接种|投放|铺设|硬化|编制|列入|纳入|开通|"
    "取消|追回|冻结|施划|增加|新增|设置|配备|配发|召集|召开|拆分|补充|"
    "投入|开工|启动|协商|调离|建立|印发|出台|申请|追缴|扣押|处置|转运|消杀|修缮|赔付|赔偿|退费|"
    "开展|取缔|敷设|重新|复查|冲洗|送水|补齐|批准|通过"
)


def _done(verbs: str) -> re.Pattern[str]:
    return re.compile(
        rf"(已经?|均已|现已|业已)(于[^，。；]{{1,10}})?(对|向|将|把|被|由|会同|联合)?"
        rf"[^，。；]{{0,10}}?({verbs})"
    )


_RE_LOOKED = _done(_LOOK_VERBS)
_RE_DONE = _done(_ACT_VERBS)
_RE_NOT_DONE = re.compile(
    r"已经?(收悉|收到|转交|转给|转相关|转有关|关注|注意到|知悉)|(组织|安排)[^，。；]{0,8}(研究|跟进|关注)"
)
_RE_FINDING = re.compile(
    r"(经(现场)?(核实|核查|调查|查实|检查|检测|了解|调阅|比对|测量)|现场(检查|查看|核实|勘查)发现|经查)"
)
_RE_DATE = re.compile(
    r"(\d{4}年|\d{1,2}月\d{1,2}日|\d{1,2}月(上|中|下)旬|\d{1,2}日前|\d{1,2}日内|"
    r"\d+个?工作日|本周|下周|本月底|月底前|年底前|今日|当日|当天|次日|明天|\d{1,2}[:：]\d{2}|"
    r"[上下]午\d{1,2}时|\d{1,2}点)"
)
_RE_CONTACT = re.compile(
    r"(\d{3,4}-?\d{7,8}|1[3-9]\d{9}|\d{5,}|联系人|联系电话|咨询电话|窗口|热线)"
)
_RE_FIGURE = re.compile(
    r"\d+(\.\d+)?\s*(元|万元|米|平方米|㎡|台|盏|处|户|名|人|家|吨|个|辆|份|次|棵|分贝|天)"
)
_RE_RESULT = re.compile(
    r"(已(经)?(恢复|修复|完成|解决|办结|拆除|清理|清运|退还|发放|补发|支付|结清|兑现|更换|安装|"
    r"疏通|整改到位|停工|关停|撤除|撤销|纠正|到账|办理|开通|投入使用|处理完毕|补缴|签订|调整)|"
    r"(全部|均|已经?)恢复|恢复(正常|照明|供水|供电|通行|运行|营业|原)|已正常|处理完毕|问题已|目前已|现已|处以|罚款\d|责令\S{0,6}(停止|改正|整改)|"
    r"(不|无)(符合|属于|存在)|符合\S{0,10}条件|不予|可以(办理|申请|享受)|属于\S{0,12}(范围|情形)|"
    r"未发现|没有发现|达标|合格|超标)"
)
_RE_NEXT = re.compile(
    r"(下一步|将于|计划于?|预计|拟于|届时|\d+个?工作日内|月底前|年底前|自\d{1,2}月\d{1,2}日起|"
    r"如(仍|还|再|有|对)|若(仍|还|再|有)|可(在|携带|到|至|于|拨打|登录|通过|向|前往|申请|领取)|"
    r"请(先|携带|拨打|到|于|登录)|请您(携带|拨打|到|于|登录|在|先|通过)|建议您|携带|拨打\s*\d|定于|"
    r"需(携带|提供|提交)|办理(流程|地点|时间)|咨询电话|联系电话)"
)
_RE_LAW = re.compile(r"(根据|依据|按照)《[^》]{2,30}》|第[一二三四五六七八九十百\d]+条")

_ENTITY_SUFFIXES = (
    "小区|花园|家园|公寓|新村|苑|村|社区|路|大道|巷|桥|公司|集团|学校|小学|中学|一中|二中|"
    "幼儿园|学院|医院|中医院|卫生院|诊所|药店|市场|超市|广场|公园|大厦|工地|厂|酒店|饭店|"
    "驿站|体育馆|图书馆|敬老院|园区|景区|银行|加油站|楼盘|网吧|驾校|培训机构|KTV"
)
_NAME_CHARS = r"[\u4e00-\u9fa5A-Za-z0-9]"
_NOT_NAME = set("的了在是我和与到有家某该这那个们住其对把被从向给为以于并而就都也还又很太说")
_RE_TOWNSHIP = re.compile(r"[\u4e00-\u9fa5]{2}(镇|乡|街道)(?=[\u4e00-\u9fa5])")
_RE_ENTITY = re.compile(rf"({_NAME_CHARS}{{2,4}}?)({_ENTITY_SUFFIXES})")
STOPWORDS = frozenset(
    """的 了 和 与 及 或 是 在 有 我 我们 你 您 他 她 它 这 那 这个
    那个 这里 那里 就 都 也 还 又 很 太 把 被 对 向 从 到 给 为 以
    于 并 但 而 因为 所以 如果 可以 能 会 要 想 请 请求 希望 反映
    问题 情况 相关 部门 有关 进行 工作 处理 解决 一下 一个 一些 没有 不
    没 无 已 已经 目前 现在 现 经 将 予以 及时 尽快 我局 本局 我单位
    我中心 我镇 我乡 您好 你好 感谢 谢谢 市民 来电 来电人 诉求 答复 回复
    如下 收到 关于 多次 长期 经常 一直 严重 影响 要求 处理 管理 情况
    上述 该 此 其 等 及其 之 个 月 日 年 时 后 前 中 内 上 下 里
    啥 什么 怎么 如何 为什么 吗 呢 吧 啊 哦 嗯 呀 ， 。 、 ！ ？ ；
    ： “ ” （ ） 《 》""".split()
)

_RE_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Flag:
    kind: str
    reason: str


@dataclass(frozen=True)
class Evidence:
    stock: tuple[str, ...]
    looked: bool
    done: bool
    finding: bool
    date: bool
    contact: bool
    figure: bool
    result: bool
    next_step: bool
    law: bool

    @property
    def concrete(self) -> bool:
        return self.looked or self.done or self.date or self.contact or self.figure or self.result

    @property
    def substance(self) -> int:
        return sum(
            (
                self.looked,
                self.done,
                self.finding,
                self.date,
                self.contact,
                self.figure,
                self.result,
                self.next_step,
                self.law,
            )
        )


def normalise(text: str) -> str:
    """Text without spaces, punctuation or width differences: for comparing copies."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _RE_NON_WORD.sub("", text)


@lru_cache(maxsize=1)
def _jieba():
    import jieba
    import jieba.analyse

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """Content words: jieba tokens without stopwords, punctuation or single characters."""
    jieba = _jieba()
    return [
        t
        for t in jieba.lcut(text or "")
        if len(t) >= 2 and t not in STOPWORDS and not t.isdigit() and _RE_NON_WORD.sub("", t)
    ]


def keywords(text: str, top: int = 10) -> list[str]:
    """The appeal's key words by TF-IDF (jieba's bundled IDF table), stopwords removed."""
    jieba = _jieba()
    found = jieba.analyse.extract_tags(text or "", topK=top * 2)
    return [w for w in found if w not in STOPWORDS and len(w) >= 2 and not w.isdigit()][:top]


def entities(text: str) -> set[str]:
    """Named subjects: the distinctive part of estates, villages, roads, companies, schools ...

    "榕桥花园小区" gives "榕桥花园"; "泽苗村" gives "泽苗". Townships and the county
    are left out: a reply names them whatever it is about.
    """
    found: set[str] = set()
    text = _RE_TOWNSHIP.sub("，", text or "")
    for match in _RE_ENTITY.finditer(text):
        name = match.group(1)
        while name and name[0] in _NOT_NAME:
            name = name[1:]
        cut = max((i for i, ch in enumerate(name) if ch in _NOT_NAME), default=-1)
        name = name[cut + 1 :]
        if len(name) >= 2 and name not in ("闽侯", "县城", "附近", "一个", "一家"):
            found.add(name)
    return found


# "将加强/加大……管理/监管/巡查": a promise with no act in it.
_RE_STOCK_PROMISE = re.compile(
    r"将(进一步|持续|继续)?(加强|加大)[^，。；]{0,12}?"
    r"(管理|监管|巡查|巡逻|管控|整治|力度|协调|宣传|引导|监督|检查|监测|预警)"
)


def evidence(reply: str) -> Evidence:
    found = [p for p in STOCK_PHRASES if p in reply]
    found += [m.group(0) for m in _RE_STOCK_PROMISE.finditer(reply)]
    # "收悉" inside "已收悉" is one phrase, not two.
    stock = tuple(dict.fromkeys(p for p in found if not any(p != q and p in q for q in found)))
    return Evidence(
        stock=stock,
        looked=bool(_RE_LOOKED.search(_RE_NOT_DONE.sub("", reply))),
        done=bool(_RE_DONE.search(_RE_NOT_DONE.sub("", reply))),
        finding=bool(_RE_FINDING.search(reply)),
        date=bool(_RE_DATE.search(reply)),
        contact=bool(_RE_CONTACT.search(reply)),
        figure=bool(_RE_FIGURE.search(reply)),
        result=bool(_RE_RESULT.search(_RE_NOT_DONE.sub("", reply))),
        next_step=bool(_RE_NEXT.search(reply)),
        law=bool(_RE_LAW.search(reply)),
    )


def _shingles(text: str, n: int = 3) -> set[str]:
    norm = normalise(text)
    return {norm[i : i + n] for i in range(max(len(norm) - n + 1, 1))}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character 3-grams of the normalised texts."""
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


COPY_THRESHOLD = 0.8
MIN_REPLY_CONTENT = 6  # two-character parts of content words: below this a reply says too little

# Words every reply may use whatever it is about: they say nothing of relevance.
GENERIC_REPLY_WORDS = frozenset(
    """您好 感谢 支持 监督 重视 高度 研究 加强 管理 督促 相关 部门 有关
    单位 我局 本局 我县 县里 工作 落实 推进 处理 依法 规定 政策 情况
    问题 诉求 来电 反映 核实 核查 经查 现场 检查 联系 电话 咨询 办理
    群众 市民 居民 切实 进一步 积极 及时 尽快 认真 保障 权益 服务 提升
    质量 开展 专项 整治 行动 日常 巡查 力度 今年 目前 下一步 同时 并且
    已经 完成 到位 期间 负责 人员 工作人员 执法 局 县 闽侯 闽侯县 请问
    需要 哪些 什么 怎么办 多少 能否 能不能 是否 希望 建议 要求 投诉 举报
    咨询 帮助""".split()
)


def content_parts(text: str) -> set[str]:
    """Two-character parts of the content words, stock phrases and generic words removed.

    Parts rather than words, so that 渣土 in the appeal meets 渣土车 in the reply.
    """
    plain = text or ""
    for phrase in STOCK_PHRASES:
        plain = plain.replace(phrase, "，")
    parts: set[str] = set()
    for word in tokens(plain):
        if word in GENERIC_REPLY_WORDS:
            continue
        parts |= {word[i : i + 2] for i in range(len(word) - 1)}
    return parts


def _quoted(words: Iterable[str]) -> str:
    return "".join(f"“{w}”" for w in words)


def irrelevant_reason(rel: Relevance) -> str:
    """Name what was asked and not answered, and what the reply is about instead."""
    unnamed = [s for s in rel.subjects if s not in rel.named][:2]
    missed = list(dict.fromkeys(unnamed + list(rel.missed[:3])))
    if rel.off_topic:
        return _(
            "The reply is about %(topic)s, which the appeal does not ask about; "
            "it does not mention %(missed)s."
        ) % {"topic": _quoted([rel.topic]), "missed": _quoted(missed[:4]) or "—"}
    return _("The reply does not mention what the appeal asks about: %(missed)s.") % {
        "missed": _quoted(missed[:4]) or "—"
    }


def check_reply(
    appeal: str,
    reply: str,
    *,
    others: Iterable[str] = (),
    exact_copies: int = 0,
    late: bool = False,
) -> list[Flag]:
    """The flags a reply earns; empty for a good one.

    others: replies already given to other appeals (for "copied");
    exact_copies: how many other appeals got exactly this text (from a fingerprint index);
    late: whether it was submitted after the reply limit.
    """
    flags: list[Flag] = []
    ev = evidence(reply)

    rel = relevance(appeal, reply)
    if rel.irrelevant:
        flags.append(Flag("irrelevant", irrelevant_reason(rel)))

    if ev.stock and not ev.concrete:
        flags.append(
            Flag(
                "perfunctory",
                _(
                    "Stock phrases (%(phrases)s) without a concrete action, result, date, "
                    "figure or contact."
                )
                % {"phrases": "、".join(ev.stock[:4])},
            )
        )

    similar = sum(1 for other in others if similarity(reply, other) >= COPY_THRESHOLD)
    # The fingerprint index counts exact copies; `others` (recent replies) may hold
    # the same ones again, so the larger of the two is the honest count.
    copies = max(exact_copies, similar)
    if copies:
        flags.append(
            Flag(
                "copied",
                _("The same reply text was already given to %(n)d other appeal(s).")
                % {"n": copies},
            )
        )

    if not (ev.result or ev.next_step or ev.done):
        flags.append(
            Flag(
                "incomplete",
                _("The reply says neither what the result is nor what happens next and when."),
            )
        )

    if late:
        flags.append(Flag("late", _("The reply was submitted after the reply limit.")))
    return flags
