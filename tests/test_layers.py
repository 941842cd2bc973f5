"""The layers point one way, read from the source's imports (no module is imported here).

channels/ (the networks) knows nothing of the desk; server/ and web/ reach realtime/ only where
create_app() wires it in; the desk asks adapters for a capability with isinstance against the
Protocols of channels/base.py, never by looking for an attribute.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIRING = ROOT / "server" / "app.py"


def sources(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """Every module a file imports, at any depth (in functions and TYPE_CHECKING blocks too)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def where(path: Path, line: int, module: str) -> str:
    return f"{path.relative_to(ROOT)}:{line} imports {module}"


def test_channels_import_nothing_of_the_desk() -> None:
    found = [where(path, line, module) for path in sources("channels")
             for line, module in imported(path)
             if any(within(module, desk) for desk in ("server", "realtime", "web"))]
    assert found == []


def test_server_and_web_reach_realtime_only_in_create_app() -> None:
    found = [where(path, line, module) for path in sources("server", "web") if path != WIRING
             for line, module in imported(path) if within(module, "realtime")]
    assert found == []


def capability_members() -> set[str]:
    """The names the capability Protocols of channels/base.py declare."""
    tree = ast.parse((ROOT / "channels" / "base.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        checkable = isinstance(node, ast.ClassDef) and any(
            isinstance(d, ast.Name) and d.id == "runtime_checkable" for d in node.decorator_list)
        if not checkable:
            continue
        assert isinstance(node, ast.ClassDef)
        for member in node.body:
            if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(member.name)
            elif isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name):
                names.add(member.target.id)
    return names


def test_capabilities_are_asked_with_isinstance() -> None:
    members = capability_members()
    assert {"webhook_path", "connect_fields", "watch", "parse_with_deliveries",
            "use_quota_ledger", "window_template", "check_fields", "connected"} <= members
    found = []
    for path in sources("channels", "server", "web", "realtime"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr") and len(node.args) >= 2):
                continue
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in members:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.id} "
                             f"{name.value!r}")
    assert found == []


def test_no_module_keeps_per_process_state_in_a_global() -> None:
    found = []
    for path in sources("channels", "server", "web", "realtime"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found += [f"{path.relative_to(ROOT)}:{node.lineno} global" for node in ast.walk(tree)
                  if isinstance(node, ast.Global)]
        for node in tree.body:  # module level only: a per-database dict is a global cache
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                    and value.func.id in ("WeakKeyDictionary", "WeakValueDictionary")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {value.func.id}")
    assert found == []
