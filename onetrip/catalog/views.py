"""The public sunshine list and the guides: no login, read-only, fast without JavaScript."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onetrip.errors import NotFound

from . import selectors
from .models import Delivery, ItemKind, OnlineDepth, SpecialProcedure
from .svg import package_graph

ITEMS_PER_PAGE = 50


@require_GET
def sunshine_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.Filters.from_params(request.GET)
    packages = selectors.find_packages(filters)
    items = [] if filters.packages_only else selectors.find_items(filters)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "catalog/list.html", {
        "filters": filters,
        "packages": packages,
        "category_totals": selectors.totals_by_category(packages),
        "items_page": page,
        "item_count": len(items),
        "departments": selectors.departments_with_items(),
        "kinds": ItemKind.choices,
        "trips_choices": selectors.TRIPS_CHOICES,
        "depths": OnlineDepth.choices,
        "page_query": query.urlencode(),
    })


@require_GET
def item_guide(request: HttpRequest, code: str) -> HttpResponse:
    try:
        item = selectors.item_by_code(code)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return render(request, "catalog/item.html", {
        "item": item,
        "materials": list(item.materials.all()),
        "co_units": list(item.co_units.all()),
        "packages": list(item.packages.all()),
        "special_procedures": [SpecialProcedure(p).label for p in item.special_procedures],
        "delivery": [Delivery(m).label for m in item.delivery_methods],
        "green_rules": selectors.describe_green_channel(item),
    })


@require_GET
def package_guide(request: HttpRequest, code: str) -> HttpResponse:
    try:
        view = selectors.package_by_code(code)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    by_code = {item.code: item for item in view.items}
    return render(request, "catalog/package.html", {
        "view": view,
        "package": view.package,
        "figures": view.figures,
        "graph": package_graph(view),
        "stages": selectors.package_stages(view),
        "rows": [(item, [by_code[c] for c in view.waits_for.get(item.code, [])])
                 for item in view.items],
        "materials": selectors.package_materials(view),
        "departments": selectors.package_departments(view),
    })
