"""The package graph drawn on the server."""

import pytest

from onetrip.catalog import selectors, services
from onetrip.catalog.svg import package_graph, wrap


def test_names_wrap_onto_two_lines_without_orphaned_brackets():
    assert wrap("烟草专卖零售许可证核发（新办）") == ["烟草专卖零售许可证核发", "（新办）"]
    assert wrap("娱乐场所经营许可（新办）") == ["娱乐场所经营许可（新办）"]
    assert wrap("建设项目选址涉及饮用水水源保护区、生态保护红线的生态环境意见")[-1].endswith("…")
    assert wrap("短名") == ["短名"]


@pytest.mark.django_db
def test_the_graph_links_every_item_and_marks_the_critical_path(make_item):
    make_item("A", committed_limit=1, name="<甲>事项")
    make_item("B", committed_limit=5)
    make_item("C", committed_limit=2)
    services.save_package(record={
        "code": "p", "name": "套餐", "committed_limit": 4, "items": ["A", "B", "C"],
        "dependencies": [{"item": "B", "requires": "A"}],
    })
    svg = str(package_graph(selectors.package_by_code("p")))
    assert svg.count('<a href="/catalog/items/') == 3
    assert svg.count('class="node critical"') == 2  # A → B
    assert svg.count('class="edge critical"') == 3  # start → A → B → results
    assert "&lt;甲&gt;事项" in svg and "<甲>" not in svg
    assert "4个工作日" in svg or "4 working days" in svg
