"""A package's dependency graph: cycle check, topological order, critical path, layers.

Pure Python, no Django: nodes are any hashable (the catalogue uses item
codes), edges are (before, after) pairs meaning "after waits for before".
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


class CycleError(ValueError):
    """The dependencies go round in a circle; `cycle` lists it, first node repeated last."""

    def __init__(self, cycle: Sequence[Hashable], label: Callable[[Hashable], str] = str) -> None:
        self.cycle = list(cycle)
        super().__init__(" → ".join(label(node) for node in self.cycle))


class UnknownNodeError(ValueError):
    def __init__(self, node: Hashable) -> None:
        self.node = node
        super().__init__(f"edge names a node that is not in the graph: {node!r}")


def _successors(nodes: Sequence[N], edges: Iterable[tuple[N, N]]) -> dict[N, list[N]]:
    succ: dict[N, list[N]] = {node: [] for node in nodes}
    for before, after in edges:
        for node in (before, after):
            if node not in succ:
                raise UnknownNodeError(node)
        if after not in succ[before]:
            succ[before].append(after)
    return succ


def find_cycle(nodes: Sequence[N], edges: Iterable[tuple[N, N]]) -> list[N] | None:
    """One cycle as [a, b, ..., a] if the graph has any, else None.

    Iterative depth-first search in the nodes' given order, so the cycle
    reported is stable for the same input.
    """
    succ = _successors(nodes, edges)
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(succ, white)
    for root in succ:
        if colour[root] != white:
            continue
        path: list[N] = [root]
        iters = [iter(succ[root])]
        colour[root] = grey
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                colour[path.pop()] = black
                iters.pop()
                continue
            if colour[nxt] == grey:
                return path[path.index(nxt):] + [nxt]
            if colour[nxt] == white:
                colour[nxt] = grey
                path.append(nxt)
                iters.append(iter(succ[nxt]))
    return None


def topological_order(
    nodes: Sequence[N], edges: Iterable[tuple[N, N]], *, label: Callable[[N], str] = str
) -> list[N]:
    """Every node after all it waits for; ties keep the nodes' given order.

    Raises CycleError (naming the cycle through `label`) if there is none.
    """
    edges = list(edges)
    succ = _successors(nodes, edges)
    indegree = dict.fromkeys(succ, 0)
    for targets in succ.values():
        for target in targets:
            indegree[target] += 1
    rank = {node: i for i, node in enumerate(succ)}
    ready = [node for node in succ if indegree[node] == 0]
    order: list[N] = []
    while ready:
        ready.sort(key=rank.__getitem__)
        node = ready.pop(0)
        order.append(node)
        for target in succ[node]:
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    if len(order) != len(succ):
        raise CycleError(find_cycle(nodes, edges) or [], label=label)
    return order


@dataclass(frozen=True)
class CriticalPath:
    length: int
    path: tuple  # the nodes along it, first to last

    def __contains__(self, node: object) -> bool:
        return node in self.path


def critical_path(
    durations: Mapping[N, int], edges: Iterable[tuple[N, N]], *, label: Callable[[N], str] = str
) -> CriticalPath:
    """The longest chain of waits, summing durations along it.

    Items that can run in parallel contribute the longest of them; an item
    that waits for another adds its duration to the other's finish. Ties
    between equally long chains go to the node that comes first in
    `durations`' order. An empty graph has length 0.
    """
    nodes = list(durations)
    edges = list(edges)
    order = topological_order(nodes, edges, label=label)
    preds: dict[N, list[N]] = {node: [] for node in nodes}
    for before, after in edges:
        if before not in preds[after]:
            preds[after].append(before)
    finish: dict[N, int] = {}
    via: dict[N, N | None] = {}
    for node in order:
        best: N | None = None
        for pred in preds[node]:
            if best is None or finish[pred] > finish[best]:
                best = pred
        finish[node] = durations[node] + (finish[best] if best is not None else 0)
        via[node] = best
    if not finish:
        return CriticalPath(0, ())
    end = max(nodes, key=lambda n: (finish[n], -nodes.index(n)))
    path = [end]
    while via[path[-1]] is not None:
        path.append(via[path[-1]])  # type: ignore[arg-type]
    return CriticalPath(finish[end], tuple(reversed(path)))


def layers(nodes: Sequence[N], edges: Iterable[tuple[N, N]]) -> list[list[N]]:
    """Nodes grouped by how many waits come before them: layer 0 starts at once.

    Within a layer, nodes are ordered by the mean position of what they wait
    for (fewer crossing arrows in a drawing), then by their given order.
    """
    edges = list(edges)
    order = topological_order(nodes, edges)
    preds: dict[N, list[N]] = {node: [] for node in nodes}
    for before, after in edges:
        preds[after].append(before)
    depth: dict[N, int] = {}
    for node in order:
        depth[node] = 1 + max((depth[p] for p in preds[node]), default=-1)
    result: list[list[N]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    rank = {node: i for i, node in enumerate(nodes)}
    position: dict[N, float] = {}
    for layer_no in range(len(result)):
        members = [n for n in nodes if depth[n] == layer_no]

        def key(n: N) -> tuple[float, int]:
            if preds[n]:
                return (sum(position[p] for p in preds[n]) / len(preds[n]), rank[n])
            return (float(rank[n]), rank[n])

        if layer_no > 0:
            members.sort(key=key)
        for i, node in enumerate(members):
            position[node] = i
        result[layer_no] = members
    return result
