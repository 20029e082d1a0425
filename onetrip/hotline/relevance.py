"""Does a reply address what the appeal asked? The "irrelevant" (答非所问) check.

Pure Python (jieba), no model. Three signals, each readable back to a person:

- **Named subjects** of the appeal: estates, villages, roads, companies,
  schools … (by suffix: 小区, 村, 路, 公司 …), place and organisation names
  jieba tags ``ns``/``nt``/``nz``, and numbered things (3号楼, 5盏, 12路公交).
  "某家具厂" is a kind, not a name. Townships and the county are left out:
  a reply names them whatever it is about.
- **What was asked**: the appeal's content words (nouns, verbs, adjectives),
  each weighted by how informative it is (IDF over the problems of the
  county's synthetic appeal corpus, ``corpus/appeals.jsonl.gz``; the labelled
  reply pairs play no part). Words found in most problems (openers, closers,
  反映, 尽快处理 …), stopwords and stock phrases weigh nothing. A reply
  covers a word if it has the word, a word of the same synonym group
  (``SYNONYMS``, a short explicit table), or (for half its weight) a
  two-character part of it (渣土 / 渣土车).
- **A declared topic**: a reply that says what it is about ("关于……问题",
  "您反映的……问题") and whose topic the appeal does not mention is about
  something else, whatever else it shares.

A reply is irrelevant when it says enough to judge (``MIN_SUBSTANCE``
informative words) and either declares a topic the appeal does not have, or
names none of the appeal's subjects and either takes up next to nothing of
what was asked (less than ``MIN_COVERED`` IDF) or names another estate,
village or road than the appeal's (a reply pasted from another ticket).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus" / "appeals.jsonl.gz"

# Set on the tuning half of the labelled pairs (quality_eval.split); see docs/hotline.md.
MIN_SUBSTANCE = 4  # informative words in the reply: below this it says too little to judge
MIN_COVERED = 2.0  # IDF a relevant reply takes up: about half an informative word
MIN_TOPIC_COVERAGE = 0.5  # share of a declared topic the appeal must mention
COMMON_IDF = 2.5  # words in more than ~20 % of the corpus problems say nothing of the topic

# Common 12345 wordings of one thing. Kept short and general on purpose: each
# group is a way citizens and units name the same matter, not a fix for a pair.
SYNONYMS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "噪音 噪声 扰民 吵闹 分贝",
        "路灯 灯不亮 照明 不亮 熄灭",
        "占道 占用道路 占道经营 摆摊 流动摊点",
        "违停 乱停 违章停车 乱停车 停车",
        "垃圾 垃圾桶 清运 保洁",
        "污水 排污 废水 排放",
        "废气 异味 臭味 气味 刺鼻 臭气",
        "社保 社会保险 五险 参保",
        "医保 医疗保险 居民医保",
        "工资 薪水 欠薪 拖欠 工钱 劳动报酬",
        "公司 企业 用人单位 单位 老板",
        "工厂 厂 厂家 企业",
        "学校 校园 小学 中学 初中 幼儿园 学生",
        "入学 招生 就读 上学 学位",
        "危险 安全 隐患",
        "维修 维保 保养 修复 检修",
        "停水 供水 自来水 水管 爆管",
        "停电 供电 电力",
        "滑坡 塌方 地质灾害 山体",
        "开发商 楼盘 交房 房企",
        "物业 物业费 物业公司",
        "公交 公交车 班车 公交卡 客运",
        "手机信号 信号 基站 通信",
        "预付 预付式 预收费 年卡 会员卡 办卡 退费",
        "补贴 津贴 补助",
        "高龄 高龄补贴 高龄津贴",
        "工伤 受伤 撞伤",
        "医生 值班 急诊 夜诊",
        "违建 违章建筑 违法建设 搭建",
    )
)

# Who is affected is not what is asked: people words say nothing of the matter.
PEOPLE = frozenset(
    """孩子 小孩 儿童 女儿 儿子 老人 老年人 母亲 父亲 老婆 丈夫 家人 家长 邻居 村民 居民 业主
    市民 群众 工人 员工 学生 老板 人们 大家 本人 自己""".split()
)

_TOWNSHIP = re.compile(r"[\u4e00-\u9fa5]{2}(镇|乡|街道)")
_COUNTY = frozenset("闽侯 闽侯县 县城 我县 全县 福州 福州市 福建 福建省 本县 县里".split())
_SUFFIXES = (
    "小区|花园|家园|公寓|新村|新苑|新城|名城|苑|村|社区|路|大道|街|巷|桥|公司|集团|学校|小学|"
    "中学|一中|二中|幼儿园|学院|医院|中医院|卫生院|诊所|药店|市场|超市|广场|公园|大厦|工地|"
    "酒店|饭店|驿站|体育馆|图书馆|敬老院|园区|景区|银行|加油站|楼盘|网吧|驾校|KTV"
)
_ADDRESS_WORDS = tuple("小区 花园 家园 公寓 新村 新苑 新城 社区 村 路 大道".split())
_PLACE_TAGS = ("ns", "nz", "nr")
_NAME = r"[\u4e00-\u9fa5A-Za-z0-9]"
_RE_PLACE = re.compile(rf"({_NAME}{{2,5}}?)(?:{_SUFFIXES})")
# Characters that cannot open or sit inside a proper name: "我家小区", "某家具厂", "该公司".
_NOT_NAME = set("的了在是我和与到有家某该这那个们住其对把被从向给为以于并而就都也还又很太说一每本")
_VAGUE = frozenset("附近 周边 旁边 对面 隔壁 门口 一家 一个 我们 本地 当地 全县 全乡 全镇".split())
_RE_NUMBERED = re.compile(r"\d+(?:号楼|栋|幢|单元|室|盏|路公交|路车|层)")
_NAME_TAGS = ("ns", "nt", "nz")
_CONTENT_TAGS = ("n", "v", "a", "i", "l", "eng")  # prefixes: nr/ns/vn/an … included
_RE_TOPIC = re.compile(
    r"关于(?:您|你)?(?:所|来电)?(?:反映|咨询|提出|询问|投诉|举报)?的?"
    r"([^，。；！？、]{2,24}?)(?:问题|事宜|一事|的诉求|诉求|，)"
    r"|(?:您|你)(?:所)?(?:反映|咨询|提出|询问|投诉|举报)的([^，。；！？、]{2,24}?)(?:问题|事宜|一事)"
)


@dataclass(frozen=True)
class Relevance:
    """What the appeal asked and named, and how much of it the reply takes up."""

    subjects: tuple[str, ...]  # the appeal's named subjects
    named: tuple[str, ...]  # those the reply names
    asked: tuple[str, ...]  # the appeal's informative words, most informative first
    missed: tuple[str, ...]  # those the reply does not cover, most informative first
    covered: float  # IDF of the asked words the reply covers (half for a shared part)
    coverage: float  # that as a share of all asked
    substance: int  # informative words in the reply
    topic: str  # the topic the reply declares ("关于……问题"), or ""
    topic_coverage: float  # share of that topic the appeal mentions (1.0 without one)
    elsewhere: tuple[str, ...]  # places (estates, villages, roads) the reply names, the appeal not

    @property
    def off_topic(self) -> bool:
        return bool(self.topic) and self.topic_coverage < MIN_TOPIC_COVERAGE

    @property
    def irrelevant(self) -> bool:
        if self.substance < MIN_SUBSTANCE:
            return False
        if self.off_topic:
            return True
        if self.named:
            return False
        return bool(self.elsewhere) or self.covered < MIN_COVERED


@lru_cache(maxsize=1)
def _jieba():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    """IDF of jieba words over the corpus *problems* (its phrasings and samples counted once)."""
    jieba = _jieba()
    words: dict[str, set[str]] = defaultdict(set)
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            words[row["problem"]].update(jieba.lcut(row["text"]))
    df: dict[str, int] = defaultdict(int)
    for found in words.values():
        for word in found:
            df[word] += 1
    n = len(words)
    return {w: math.log((n + 1) / (c + 1)) + 1 for w, c in df.items()}, math.log(n + 1) + 1


def idf(word: str) -> float:
    table, unseen = _idf()
    return table.get(word, unseen)


def _synonyms(word: str) -> set[str]:
    found = {word}
    for group in SYNONYMS:
        if word in group:
            found |= group
    return found


def _plain(text: str) -> str:
    from .quality import STOCK_PHRASES

    text = _TOWNSHIP.sub("，", text or "")
    for phrase in STOCK_PHRASES:
        text = text.replace(phrase, "，")
    return text


def _informative(word: str, flag: str) -> bool:
    from .quality import GENERIC_REPLY_WORDS, STOPWORDS

    return (
        len(word) >= 2
        and flag.startswith(_CONTENT_TAGS)
        and not any(ch.isdigit() for ch in word)
        and word not in STOPWORDS
        and word not in GENERIC_REPLY_WORDS
        and word not in _COUNTY
        and word not in PEOPLE
        and idf(word) >= COMMON_IDF
    )


def content_words(text: str) -> list[str]:
    """The informative words of a text, in order, each once."""
    posseg = _jieba().posseg
    words = [p.word for p in posseg.lcut(_plain(text)) if _informative(p.word, p.flag)]
    return list(dict.fromkeys(words))


def subjects(text: str) -> list[str]:
    """Named subjects: the distinctive part of estates, roads, companies …, names, numbered things.

    "榕桥花园小区" gives "榕桥花园" (and "榕桥"), "昙石山路" gives "昙石山",
    "3号楼" stays "3号楼"; "某家具厂", "我家小区" and townships give nothing.
    """
    text = _TOWNSHIP.sub("，", text or "")
    found: list[str] = []
    for match in _RE_PLACE.finditer(text):
        name = match.group(1)
        cut = max((i for i, ch in enumerate(name) if ch in _NOT_NAME), default=-1)
        name = name[cut + 1 :]
        if len(name) >= 2 and name not in _COUNTY and name not in _VAGUE and not name.isdigit():
            found.append(name)
    posseg = _jieba().posseg
    for pair in posseg.lcut(text):
        if pair.flag in _NAME_TAGS and len(pair.word) >= 2 and pair.word not in _COUNTY:
            found.append(pair.word)
    found += _RE_NUMBERED.findall(text)
    return list(dict.fromkeys(found))


def places(text: str) -> list[str]:
    """Estates, villages and roads a text names by a proper name: where it happens.

    Stricter than ``subjects``: the name must be a word jieba knows as a place or
    proper noun, followed by the kind (榕桥 花园, 滨江 小区, 高岐村), so that
    "主要村庄" or "农村局" are not read as places.
    """
    pairs = _jieba().posseg.lcut(_TOWNSHIP.sub("，", text or ""))
    found = []
    for before, pair in zip(pairs, pairs[1:], strict=False):
        if pair.word in _ADDRESS_WORDS and before.flag in _PLACE_TAGS and len(before.word) >= 2:
            found.append(before.word)
    for pair in pairs:
        kind = next((k for k in _ADDRESS_WORDS if pair.word.endswith(k)), "")
        if kind and pair.flag in _PLACE_TAGS and len(pair.word) - len(kind) >= 2:
            found.append(pair.word[: -len(kind)])
    return [p for p in dict.fromkeys(found) if p not in _COUNTY]


def _covers(word: str, reply: str, reply_words: list[str]) -> float:
    """1 if the reply has the word or a synonym, 0.5 for a shared two-character part."""
    if any(s in reply for s in _synonyms(word)):
        return 1.0
    parts = {word[i : i + 2] for i in range(len(word) - 1)}
    for other in reply_words:
        if len(other) > 2 or len(word) > 2:
            other_parts = {other[i : i + 2] for i in range(len(other) - 1)}
            if any(idf(p) >= COMMON_IDF for p in parts & other_parts):
                return 0.5
    return 0.0


def declared_topic(reply: str) -> str:
    """The topic a reply opens with: "关于您咨询的占道经营整治问题，……" → "占道经营整治"."""
    opening = re.split(r"[。；！？]", reply or "", maxsplit=1)[0]
    match = _RE_TOPIC.search(opening)
    # Only an opening "关于……" says what the whole reply is about; a later one adds a point.
    if not match or match.start() > 12:
        return ""
    return (match.group(1) or match.group(2) or "").strip()


def relevance(appeal: str, reply: str) -> Relevance:
    appeal_subjects = subjects(appeal)
    named = tuple(s for s in appeal_subjects if s in (reply or ""))
    asked = content_words(appeal)
    reply_words = content_words(reply)
    plain_reply = _plain(reply)

    weights = {w: idf(w) for w in asked}
    covered = {w: _covers(w, plain_reply, reply_words) for w in asked}
    total = sum(weights.values())
    got = sum(weights[w] * covered[w] for w in asked)

    coverage = got / total if total else 1.0
    missed = tuple(sorted((w for w in asked if not covered[w]), key=lambda w: -weights[w]))

    topic = declared_topic(reply)
    topic_coverage = 1.0
    if topic:
        # The topic's own words, less the appeal's subjects (where, not what).
        topic_words = [
            w for w in content_words(topic) if not any(w in s or s in w for s in appeal_subjects)
        ]
        if topic_words:
            plain_appeal = _plain(appeal)
            got = sum(idf(w) * _covers(w, plain_appeal, asked) for w in topic_words)
            topic_coverage = got / sum(idf(w) for w in topic_words)

    return Relevance(
        subjects=tuple(appeal_subjects),
        named=named,
        asked=tuple(sorted(asked, key=lambda w: -weights[w])),
        missed=missed,
        covered=got,
        coverage=coverage,
        substance=len(reply_words),
        topic=topic,
        topic_coverage=topic_coverage,
        elsewhere=tuple(
            p for p in places(reply) if p not in (appeal or "") and p not in appeal_subjects
        ),
    )
