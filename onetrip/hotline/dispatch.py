"""Dispatch suggestions: from an appeal's text, the likely category and lead unit, top three.

Two ways, the better one available is used:

- a model: jieba words and character n-grams, TF-IDF, a logistic regression
  (probabilities come with it), trained on the county's past tickets (and,
  until there are enough, the shipped synthetic corpus) by
  `manage.py train_dispatch`, stored as one small file;
- before there is a model, the rule table: each category's keywords
  (Category.keywords, seeded from taxonomy.py), scored by how many occur.

The unit: the category's usual lead unit (the dispatch catalogue), except
for matters handled where they happen (Category.local), which go to the
township named in the text or, failing that, the ticket's township.
"""

from __future__ import annotations

import os
import pickle
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from onetrip.accounts.models import OrgUnit, UnitKind

from . import quality
from .corpus.generate import PLACES

MODEL_FORMAT = 1
_lock = threading.Lock()
_cache: dict[str, Any] = {}


def model_path() -> Path:
    return Path(
        os.environ.get("ONETRIP_DISPATCH_MODEL") or Path(settings.VAR_DIR) / "hotline-dispatch.pkl"
    )


@dataclass(frozen=True)
class Suggestion:
    category: str
    unit: str
    unit_name: str
    confidence: float
    source: str  # "model" or "rules"

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "unit": self.unit,
            "unit_name": self.unit_name,
            "confidence": round(self.confidence, 2),
        }


# --- text features (module-level so that a pickled model finds them) -------------------------

_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


def features(text: str) -> list[str]:
    """jieba's words, each with its characters and its inner character pairs.

    Whole words carry the meaning; characters and pairs inside a word let
    窨井盖 meet 井盖 and 拖欠工资 meet 欠薪. Pairs never cross a word boundary,
    which is what segmenting first buys over plain character n-grams.
    """
    jieba = quality._jieba()
    found: list[str] = []
    for word in jieba.lcut(text or ""):
        word = _PUNCTUATION.sub("", word)
        if not word:
            continue
        found.append(word)
        if len(word) > 1:
            found.extend(word)
        if len(word) > 2:
            found.extend(word[i : i + 2] for i in range(len(word) - 1))
    return found


def build_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("features", TfidfVectorizer(analyzer=features, sublinear_tf=True)),
            ("classify", LogisticRegression(C=20.0, max_iter=3000)),
        ]
    )


def train(texts: list[str], labels: list[str]):
    pipeline = build_pipeline()
    pipeline.fit(texts, labels)
    return pipeline


def rank(model, texts: list[str], top: int = 3) -> list[list[tuple[str, float]]]:
    """For each text, the `top` labels with their probabilities, best first."""
    probabilities = model.predict_proba(texts)
    classes = list(model.classes_)
    ranked = []
    for row in probabilities:
        order = row.argsort()[::-1][:top]
        ranked.append([(str(classes[i]), float(row[i])) for i in order])
    return ranked


# --- the stored model ------------------------------------------------------------------------


def save_model(model, *, trained_on: int, source: str, path: Path | None = None) -> Path:
    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as out:
        pickle.dump(
            {"format": MODEL_FORMAT, "model": model, "trained_on": trained_on, "source": source},
            out,
        )
    os.replace(tmp, path)
    return path


def load_model(path: Path | None = None):
    """The stored model, reloaded when its file changes; None when there is none."""
    path = path or model_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    key = str(path)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == mtime:
            return cached[1]
        with open(path, "rb") as stream:
            # The file is written only by `train_dispatch` on this server.
            payload = pickle.load(stream)  # noqa: S301
        if payload.get("format") != MODEL_FORMAT:
            return None
        _cache[key] = (mtime, payload["model"])
        return payload["model"]


def forget_model() -> None:
    with _lock:
        _cache.clear()
    _TABLES.clear()


# --- places and units ------------------------------------------------------------------------

_TOWN_WORDS: list[tuple[str, str]] = []


def township_in(text: str) -> str | None:
    """The township the text names (by its name or one of its villages, estates, roads)."""
    if not _TOWN_WORDS:
        for code, town, villages, estates, roads in PLACES:
            _TOWN_WORDS.append((town, code))
            _TOWN_WORDS.append((town.rstrip("镇乡").replace("街道", ""), code))
            for name in (*villages, *estates, *roads):
                _TOWN_WORDS.append((name, code))
        _TOWN_WORDS.sort(key=lambda pair: -len(pair[0]))
    for word, code in _TOWN_WORDS:
        if len(word) >= 2 and word in text:
            return code
    return None


_TABLES: dict[str, tuple[Any, float, Any]] = {}
TABLE_SECONDS = 60.0


def _cached(name: str, queryset, build):
    """A small table read once a minute per process, or sooner when rows are added or removed.

    Registration asks for the categories and townships on every call; building
    sixty model objects each time cost more than the rest of the request.
    """
    from django.db.models import Count, Max

    key = tuple(queryset.aggregate(n=Count("pk"), top=Max("pk")).values())
    now = time.monotonic()
    cached = _TABLES.get(name)
    if cached and cached[0] == key and now - cached[1] < TABLE_SECONDS:
        return cached[2]
    value = build(queryset)
    _TABLES[name] = (key, now, value)
    return value


def _categories() -> dict[str, Any]:
    from .models import Category

    return _cached(
        "categories",
        Category.objects.filter(is_active=True),
        lambda qs: {c.path: c for c in qs.select_related("default_unit")},
    )


def _townships() -> dict[str, OrgUnit]:
    return _cached(
        "townships",
        OrgUnit.objects.filter(kind=UnitKind.TOWNSHIP),
        lambda qs: {u.code: u for u in qs},
    )


def _unit_for(
    category, text: str, township_code: str | None, towns: dict[str, OrgUnit]
) -> OrgUnit | None:
    if category is None:
        return None
    if category.local:
        code = township_in(text) or township_code
        return towns.get(code) if code else None
    return category.default_unit


# --- suggesting ------------------------------------------------------------------------------


def rule_scores(text: str, categories: dict[str, Any]) -> list[tuple[str, float]]:
    scored = []
    for path, category in categories.items():
        hits = sum(1 for word in category.keywords.split() if word and word in text)
        if hits:
            scored.append((path, float(hits)))
    total = sum(score for _, score in scored)
    scored.sort(key=lambda pair: -pair[1])
    return [(path, score / total) for path, score in scored]


def suggest(text: str, *, township: OrgUnit | None = None, top: int = 3) -> list[Suggestion]:
    """The top `top` (category, lead unit) suggestions for an appeal, best first."""
    text = (text or "").strip()
    if not text:
        return []
    categories = _categories()
    towns = _townships()
    model = load_model()
    if model is not None:
        ranked = [(p, c) for p, c in rank(model, [text], top=top + 2)[0] if p in categories]
        source = "model"
    else:
        ranked = rule_scores(text, categories)
        source = "rules"
    suggestions = []
    for path, confidence in ranked[:top]:
        category = categories[path]
        unit = _unit_for(category, text, township.code if township else None, towns)
        suggestions.append(
            Suggestion(
                category=path,
                unit=unit.code if unit else "",
                unit_name=unit.name if unit else "",
                confidence=confidence,
                source=source,
            )
        )
    return suggestions


# --- training data ---------------------------------------------------------------------------


def history(limit: int = 50_000) -> list[tuple[str, str]]:
    """(content, category path) of past tickets whose dispatch held (never returned)."""
    from .models import Assignment, Ticket

    returned = Assignment.objects.filter(returned_at__isnull=False).values("ticket_id")
    rows = (
        Ticket.objects.filter(category__isnull=False, lead_unit__isnull=False)
        .exclude(pk__in=returned)
        .order_by("-registered_at")
        .values_list("content", "category__path")[:limit]
    )
    return list(rows)


def training_set(*, with_corpus: bool = True) -> tuple[list[str], list[str]]:
    """The county's history, plus the shipped corpus while history is thin (or when asked)."""
    from .corpus.generate import load

    rows = history()
    texts = [content for content, _ in rows]
    labels = [path for _, path in rows]
    if with_corpus:
        known = set(_categories())
        for row in load():
            if row["category"] in known:
                texts.append(row["text"])
                labels.append(row["category"])
    return texts, labels
