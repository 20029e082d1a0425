"""Chinese search over the catalogue: jieba cuts the query, terms match stored text.

Each item and package keeps a lower-cased `search_text` (name, result,
department, materials, conditions, ...) written by the services. A query is cut into
words by jieba; each word, or one of its few everyday synonyms (饭店 → 餐饮),
must occur in a row's text (all words must match; if no row matches them
all, rows matching most words are shown). Rows are ranked by where the
words occur: in the name, in the result (营业执照 finds the items that issue
a business licence first), elsewhere.

Matching substrings rather than stored tokens means a word jieba cut
differently in the query and in the text still matches. Ranking runs in
Python over the published rows: a county has about a hundred items; a
province-wide catalogue would move this into PostgreSQL full-text search.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jieba

_lock = threading.Lock()
_ready = False

DOMAIN_WORDS = (
    "营业执照", "一件事", "告知承诺", "零跑动", "最多跑一次", "便利店", "健康证", "卫生许可",
    "特种行业", "民宿", "网吧", "消防安全检查", "排污许可", "环评", "选址", "低压", "占道",
    "挖掘道路", "用电报装", "烟草专卖",
)
STOPWORDS = frozenset({
    "的", "了", "和", "与", "及", "或", "我", "我要", "我想", "想", "要", "一家", "一个", "怎么",
    "怎样", "如何", "哪里", "什么", "需要", "吗", "呢", "吧", "办", "办理", "申请", "开", "开办",
    "开设", "新开", "材料", "流程", "手续", "条件", "多久", "时间", "去", "在", "请问",
})
SYNONYMS: dict[str, tuple[str, ...]] = {
    "饭店": ("餐饮",), "餐馆": ("餐饮",), "餐厅": ("餐饮",), "饭馆": ("餐饮",),
    "小吃店": ("餐饮",), "餐饮店": ("餐饮",), "酒店": ("宾馆", "旅馆"), "宾馆": ("旅馆",),
    "旅馆": ("宾馆",), "旅店": ("旅馆", "宾馆"), "网咖": ("网吧", "上网服务"),
    "网吧": ("上网服务",), "ktv": ("娱乐", "歌舞"), "歌厅": ("歌舞",), "卡拉ok": ("歌舞",),
    "理发": ("美发",), "美发": ("理发",), "理发店": ("理发", "美发"), "药房": ("药店", "药品"),
    "药店": ("药品",), "执照": ("营业执照",), "办电": ("用电",), "接电": ("用电",),
    "健康证": ("健康证明", "健康检查"), "公司": ("企业",), "开公司": ("企业设立",),
}
_SUFFIXES = ("店", "证", "馆", "厅", "所", "室", "点")
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)

WEIGHT_NAME, WEIGHT_RESULT, WEIGHT_OTHER = 10, 6, 1


def _ensure_jieba() -> None:
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        jieba.setLogLevel(logging.WARNING)
        for word in DOMAIN_WORDS:
            jieba.add_word(word, freq=20000)
        jieba.initialize()
        _ready = True


@dataclass(frozen=True)
class Term:
    word: str
    alternatives: tuple[str, ...]

    def found_in(self, text: str) -> bool:
        return any(alt in text for alt in self.alternatives)


def terms(query: str) -> list[Term]:
    """The query's words, each with the spellings that count as a match."""
    query = (query or "").strip().lower()[:100]
    if not query:
        return []
    _ensure_jieba()
    words = [w.strip() for w in jieba.lcut(query)]
    words = [w for w in words if w and not _PUNCT.match(w)]
    meaningful = [w for w in words if w not in STOPWORDS and len(w) > 1]
    if not meaningful:
        meaningful = [w for w in words if w not in STOPWORDS] or words
    result: list[Term] = []
    for word in dict.fromkeys(meaningful):
        alternatives = [word, *SYNONYMS.get(word, ())]
        if len(word) >= 3 and word.endswith(_SUFFIXES):
            alternatives.append(word[:-1])
        result.append(Term(word, tuple(dict.fromkeys(alternatives))))
    return result


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    result: str
    text: str


def rank(rows: Iterable[Row], query_terms: Sequence[Term]) -> list[int]:
    """Ids of the rows that match, best first (ties keep the rows' order).

    Rows matching every word come first, or alone: if any row matches every
    word, rows matching fewer are dropped. Likewise, if some rows match every
    word in their name or result ("营业执照" names the licence the registration
    items issue), rows matching only elsewhere (a material they ask for) are
    dropped too; otherwise those are what the search finds.
    """
    scored: list[tuple[int, int, int, int, int]] = []  # (-matched, -strong, -score, order, id)
    for order, row in enumerate(rows):
        name, result, text = row.name.lower(), row.result.lower(), row.text
        matched = strong = score = 0
        for term in query_terms:
            if term.found_in(name):
                matched, strong, score = matched + 1, strong + 1, score + WEIGHT_NAME
            elif term.found_in(result):
                matched, strong, score = matched + 1, strong + 1, score + WEIGHT_RESULT
            elif term.found_in(text):
                matched, score = matched + 1, score + WEIGHT_OTHER
        if matched:
            scored.append((-matched, -strong, -score, order, row.id))
    if not scored:
        return []
    scored.sort()
    wanted = len(query_terms)
    if -scored[0][0] == wanted:
        scored = [s for s in scored if -s[0] == wanted]
        if -scored[0][1] == wanted:
            scored = [s for s in scored if -s[1] == wanted]
    return [row_id for *_, row_id in scored]


def search_text(*parts: str | None) -> str:
    """The stored text rows are matched against."""
    return "\n".join(p.strip() for p in parts if p and p.strip()).lower()
