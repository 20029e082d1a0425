"""Generate the synthetic demo corpus of 12345 appeals: `python -m onetrip.hotline.corpus.generate`.

Every appeal is composed from templates.py: an opener, one problem (in one of
its two phrasings) with its slots filled from the county's places, and a
closer. Each row carries its labels (category path, lead unit code), the
township, and `split`: "train" rows use phrasing 0 and the training openers
and closers, "test" rows phrasing 1 and the held-back ones, so a model is
tested on wordings it has never seen. `problem` names the problem, for a
harder split that holds whole problems back.

The output, appeals.jsonl.gz beside this file, is committed; the generator is
deterministic (fixed seed), so running it again gives the same file.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

from onetrip.hotline.taxonomy import TOWNSHIP, leaves

from .templates import CLOSERS_TEST, CLOSERS_TRAIN, OPENERS_TEST, OPENERS_TRAIN, PROBLEMS

OUTPUT = Path(__file__).resolve().parent / "appeals.jsonl.gz"
SAMPLES_PER_PHRASING = 6

# (code, name, villages, estates, roads): the demo county's townships (accounts/demo.py).
PLACES: list[tuple[str, str, list[str], list[str], list[str]]] = [
    (
        "ganzhe",
        "甘蔗街道",
        ["昙石村", "恒心村", "罗洋村"],
        ["滨江花园", "闽侯名城", "江滨小区"],
        ["昙石山路", "闽江大道", "甘洲路"],
    ),
    (
        "shangjie",
        "上街镇",
        ["榕桥村", "侯官村", "厚美村"],
        ["榕桥花园", "大学城公寓", "溪源江小区"],
        ["溪源江路", "乌龙江大道", "高新大道"],
    ),
    (
        "nanyu",
        "南屿镇",
        ["南井村", "高岐村", "五都村"],
        ["旗山湖小区", "南屿新城", "葛岐家园"],
        ["旗山大道", "南屿大道", "柳浪路"],
    ),
    (
        "nantong",
        "南通镇",
        ["泽苗村", "古城村", "陶江村"],
        ["南通新苑", "陶江花园"],
        ["南通大道", "陶江路"],
    ),
    (
        "qingkou",
        "青口镇",
        ["东台村", "青圃村", "大义村"],
        ["汽车城公寓", "青口新村"],
        ["青口大道", "东南大道"],
    ),
    (
        "shanggan",
        "尚干镇",
        ["林森村", "塘边村", "尚干村"],
        ["尚干花园", "林森新村"],
        ["尚干路", "林森路"],
    ),
    (
        "xiangqian",
        "祥谦镇",
        ["兰圃村", "枕峰村", "祥谦村"],
        ["祥谦新城", "兰圃花园"],
        ["祥谦路", "工业大道"],
    ),
    (
        "jingxi",
        "荆溪镇",
        ["关西村", "徐家村", "厚屿村"],
        ["荆溪新苑", "关源里小区"],
        ["荆溪大道", "关西路"],
    ),
    (
        "baisha",
        "白沙镇",
        ["孔元村", "联坑村", "新坡村"],
        ["白沙新村", "孔元花园"],
        ["白沙大道", "沙堤路"],
    ),
    ("zhuqi", "竹岐乡", ["榕西村", "竹岐村", "汶洲村"], ["竹岐新苑"], ["竹岐路", "榕西路"]),
    ("hongwei", "鸿尾乡", ["鸿尾村", "石松村", "超墘村"], ["鸿尾新村"], ["鸿尾路"]),
    ("yangli", "洋里乡", ["洋里村", "赤塘村", "乾元村"], ["洋里新村"], ["洋里路"]),
    ("dahu", "大湖乡", ["大湖村", "雪峰村", "六锦村"], ["大湖新村"], ["大湖路"]),
    ("tingping", "廷坪乡", ["廷坪村", "马坑村", "洋头村"], ["廷坪新村"], ["廷坪路"]),
    ("xiaoruo", "小箬乡", ["小箬村", "黄田村", "山头村"], ["小箬新村"], ["小箬路"]),
]


def _fill(template: str, rng: random.Random, place: tuple) -> str:
    code, town, villages, estates, roads = place
    return template.format(
        town=town,
        village=town + rng.choice(villages),
        estate=rng.choice(estates),
        road=rng.choice(roads),
        n=rng.choice(["两", "三", "四"]),
        months=rng.choice(["两", "三", "四", "五", "六"]),
        money=rng.choice(["三千", "八千", "一万二", "两万", "五万", "十几万"]),
    )


def generate(seed: int = 12345) -> list[dict]:
    rng = random.Random(seed)
    units = dict(leaves())
    rows: list[dict] = []
    for path, problems in PROBLEMS.items():
        leaf = units[path]
        for number, phrasings in enumerate(problems):
            for variant, phrasing in enumerate(phrasings):
                openers = OPENERS_TRAIN if variant == 0 else OPENERS_TEST
                closers = CLOSERS_TRAIN if variant == 0 else CLOSERS_TEST
                for _ in range(SAMPLES_PER_PHRASING):
                    place = rng.choice(PLACES)
                    opener = _fill(rng.choice(openers), rng, place)
                    body = _fill(phrasing, rng, place)
                    text = (opener + body).rstrip("。？！，") + rng.choice(closers)
                    rows.append(
                        {
                            "text": text,
                            "category": path,
                            "unit": place[0] if leaf.unit == TOWNSHIP else leaf.unit,
                            "township": place[0],
                            "split": "train" if variant == 0 else "test",
                            "problem": f"{path}#{number}",
                        }
                    )
    rng.shuffle(rows)
    return rows


def write(rows: list[dict], path: Path = OUTPUT) -> None:
    # mtime=0: the same rows give the same bytes, so the committed file only changes with them.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        for row in rows:
            out.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))


def load(path: Path = OUTPUT) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


if __name__ == "__main__":
    corpus = generate()
    write(corpus)
    print(f"wrote {len(corpus)} appeals to {OUTPUT}")
