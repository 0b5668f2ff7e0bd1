"""The house's rooms: each domain's rules (models, services, queries, listeners...) import only domains below
it, so there is no import cycle between domains; pages (views) sit on top and may compose several domains, but
no rule imports a page. A new cycle fails here with the imports that make it."""
import ast
from collections import defaultdict
from pathlib import Path

BLUEPRINTS = Path(__file__).resolve().parent.parent / "blueprints"
# Modules that attach pages or commands to a blueprint: the top layer, which composes the rooms below.
PAGE_MODULES = {"views", "manage", "commands"}


def is_page_module(path: Path) -> bool:
    return path.stem in PAGE_MODULES or path.stem.endswith("_views")


def imports_of(path: Path) -> set[str]:
    """Every blueprints.* module imported anywhere in the file, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("blueprints.")}


def domain_modules():
    """(domain, path) for every module inside a domain package."""
    for path in sorted(BLUEPRINTS.glob("*/**/*.py")):
        yield path.relative_to(BLUEPRINTS).parts[0], path


def is_domain(name: str) -> bool:
    return (BLUEPRINTS / name / "__init__.py").exists()


def rules_graph() -> dict[str, dict[str, list[str]]]:
    """{domain: {other domain it imports: [the modules that do]}}, pages left out."""
    graph = defaultdict(lambda: defaultdict(list))
    for domain, path in domain_modules():
        if is_page_module(path):
            continue
        for name in imports_of(path):
            other = name.split(".")[1]
            if other != domain and is_domain(other):
                graph[domain][other].append(str(path.relative_to(BLUEPRINTS)))
    return graph


def cycles(graph) -> list[list[str]]:
    """The strongly connected groups of more than one domain (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, {}):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in list(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycle_between_domains():
    graph = rules_graph()
    found = cycles(graph)
    detail = [f"{a} -> {b} ({', '.join(graph[a][b])})" for group in found for a in group for b in graph[a] if b in group]
    assert not found, "import cycles between domains: " + "; ".join(detail)


def test_no_rule_imports_a_page():
    offending = [f"{path.relative_to(BLUEPRINTS)} imports {name}"
                 for _domain, path in domain_modules() if not is_page_module(path)
                 for name in imports_of(path) if is_page_module(Path(name.replace(".", "/")))]
    assert not offending, offending


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"orders": {"shops": ["x"]}, "shops": {"catalog": ["y"]}, "catalog": {"orders": ["z"]}}) == [
        ["catalog", "orders", "shops"]]
    assert cycles({"orders": {"shops": ["x"]}, "shops": {"catalog": ["y"]}}) == []


def test_only_orders_reads_the_order_tables():
    """Other rooms ask orders.queries instead of joining on Order and OrderLine themselves."""
    offending = [f"{path.relative_to(BLUEPRINTS)} imports {name}"
                 for domain, path in domain_modules() if domain not in ("orders", "demo")
                 for name in imports_of(path) if name == "blueprints.orders.models"]
    assert not offending, offending
