"""The import graph of mfa_api, read with ast: no cycle, and no import back up the layers that
docs/architecture.md draws (the factory → api → services → store → the base; security under
everything)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mfa_api"

# Highest first; a module may import its own layer and those below it, never one above.
LAYERS = {
    "factory": 6,  # mfa_api/__init__.py, mfa_api/wsgi.py: build the app from every part
    "api": 5,  # the faces, the commands, the pages, the OpenAPI builder
    "services": 4,  # the domain, and the parts the views are handed (parts.py, outbox.py)
    "store": 3,  # repositories: the only SQL
    "base": 2,  # db, config, errors, breaker, mailer, sms, redis, metrics…
    "security": 1,  # pure functions: nothing of the project
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    inner = module.split(".")[1:]
    if not inner or inner == ["wsgi"]:
        return "factory"
    if inner[0] in ("api", "pages"):
        return "api"
    if inner[0] in ("services", "parts", "outbox"):
        return "services"
    if inner[0] in ("store", "security"):
        return inner[0]
    return "base"


def _type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(tree: ast.AST):
    """Every import statement, those inside functions included (a lazy import is still an
    arrow), but not those under `if TYPE_CHECKING:` (never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def import_graph() -> dict[str, set[str]]:
    """Each module of mfa_api and the modules of mfa_api it imports."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        arrows = set()
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = package[: len(package) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                candidates = [f"{module}.{alias.name}" for alias in node.names]
                targets = [c if c in modules else module for c in candidates]
            arrows |= {t for t in targets if t in modules and t != name}
        graph[name] = arrows
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_is_read():
    graph = import_graph()
    assert "mfa_api.api.twofa" in graph["mfa_api"]  # a lazy import, inside create_app
    assert "mfa_api.db" in graph["mfa_api.store.users"]


def test_no_import_cycle():
    assert _cycle(import_graph()) is None


def test_the_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_runs_up_the_layers():
    upward = [
        f"{source} ({_layer(source)}) -> {target} ({_layer(target)})"
        for source, targets in import_graph().items()
        for target in targets
        if LAYERS[_layer(target)] > LAYERS[_layer(source)]
    ]
    assert upward == []


def _tier(module: str) -> str | None:
    """A module's tier inside services/ (flows, factors, defence, or the shared pieces beside
    them), or None outside services/."""
    inner = module.split(".")[1:]
    if not inner or inner[0] != "services":
        return None
    if len(inner) > 1 and inner[1] in ("flows", "factors", "defence"):
        return inner[1]
    return "shared"


def test_the_domain_tiers_import_downward_only():
    """Only a flow uses a flow; the defence and the shared pieces use neither a flow nor a
    factor."""
    forbidden = {"flows": set(), "factors": {"flows"}, "defence": {"flows", "factors"}}
    forbidden["shared"] = {"flows", "factors"}
    wrong = [
        f"{source} ({_tier(source)}) -> {target} ({_tier(target)})"
        for source, targets in import_graph().items()
        if _tier(source) is not None
        for target in targets
        if _tier(target) in forbidden[_tier(source)]
    ]
    assert wrong == []
