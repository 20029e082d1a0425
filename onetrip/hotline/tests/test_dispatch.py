"""Dispatch suggestions: the rule table before history, the model after `train_dispatch`."""

import pytest
from django.core.management import call_command

from onetrip.hotline import dispatch
from onetrip.hotline.corpus.generate import PLACES, generate, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_file(tmp_path, monkeypatch):
    path = tmp_path / "dispatch.pkl"
    monkeypatch.setenv("ONETRIP_DISPATCH_MODEL", str(path))
    dispatch.forget_model()
    yield path
    dispatch.forget_model()


def test_the_corpus_is_large_varied_and_reproducible():
    rows = load()
    assert len(rows) >= 1000
    assert len({r["category"] for r in rows}) >= 40
    assert {r["category"].split("/")[0] for r in rows} == {
        "城乡建设",
        "环境保护",
        "交通运输",
        "教育文体",
        "劳动和社会保障",
        "商贸旅游",
        "卫生计生",
    }
    assert {r["township"] for r in rows} == {p[0] for p in PLACES}
    assert len({r["text"] for r in rows}) / len(rows) > 0.95
    assert generate() == rows  # the committed file is what the generator makes


def test_before_any_model_the_keyword_rules_suggest(county, tree, model_file):
    found = dispatch.suggest("小区物业不作为，开发商交房后房产证一直办不下来")
    assert found and found[0].source == "rules"
    assert found[0].category == "城乡建设/住房保障与房地产" and found[0].unit == "depta"
    assert dispatch.suggest("今天天气不错") == []


def test_the_trained_model_suggests_category_and_unit_top_three(county, tree, model_file):
    call_command("train_dispatch")
    assert model_file.exists()
    found = dispatch.suggest(
        "测试镇幸福小区的物业公司只收钱不干活，楼道垃圾没人清理，电梯坏了也不修"
    )
    assert len(found) == 3 and found[0].source == "model"
    assert found[0].category == "城乡建设/住房保障与房地产" and found[0].unit == "depta"
    assert found[0].confidence >= found[1].confidence >= found[2].confidence
    local = dispatch.suggest(
        "荆溪镇关西村的村道坑坑洼洼，一下雨全是积水，村民出行困难", township=county.township
    )
    assert local[0].category == "城乡建设/村镇建设"
    assert local[0].unit == ""  # 荆溪镇 is not a unit of the test county
    here = dispatch.suggest(
        "我们村的村道坑坑洼洼，一下雨全是积水，希望镇里修一修", township=county.township
    )
    assert here[0].unit == "town"


def test_the_model_meets_its_accuracy_goal_on_unseen_phrasings():
    rows = load()
    train = [r for r in rows if r["split"] == "train"]
    test = [r for r in rows if r["split"] == "test"]
    model = dispatch.train([r["text"] for r in train], [r["category"] for r in train])
    ranked = dispatch.rank(model, [r["text"] for r in test], top=3)
    top1 = sum(r[0][0] == t["category"] for r, t in zip(ranked, test, strict=True)) / len(test)
    top3 = sum(t["category"] in [p for p, _ in r] for r, t in zip(ranked, test, strict=True))
    assert top1 >= 0.8 and top3 / len(test) >= 0.95
