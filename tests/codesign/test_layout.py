"""The co-design room keeps to itself: it never imports orders (orders sits above it and asks it about
pledges), and its views leave validating, committing and rolling back to the shared form helpers."""
import ast
from pathlib import Path

ROOM = Path(__file__).resolve().parents[2] / "blueprints" / "codesign"


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def imports(tree: ast.Module) -> set[str]:
    """Every module imported, and every name imported from one, as `module.name`."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_codesign_never_imports_orders():
    for path in ROOM.rglob("*.py"):
        reaching = {name for name in imports(parsed(path)) if name.split(".")[:2] == ["blueprints", "orders"]}
        assert not reaching, f"{path.relative_to(ROOM)} imports {reaching}"


def test_views_handle_forms_one_way():
    for name in ("views.py", "manage.py"):
        tree = parsed(ROOM / name)
        handlers = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler)]
        transactions = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute) and node.func.attr in {"commit", "rollback"}]
        assert (handlers, transactions) == ([], []), f"{name}: try/except or commit at lines {handlers + transactions}"
        assert "blueprints.web.show_field_errors" not in imports(tree), name
