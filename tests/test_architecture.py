"""The shape of the code, checked like behaviour: module size, function complexity and the audited
write paths. These fail when a change makes a newcomer's reading harder or skips the audit log."""

import ast
import re
from pathlib import Path

import pytest
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parent.parent
APPS = ("can", "cla", "gender", "jpt", "monusco")
MAX_LINES = 400
MAX_COMPLEXITY = 12
# The demo seeders build a whole fictional mission in one pass; they are not read as domain code.
SEEDERS = {"demo.py", "seed_demo.py"}


def _sources(kind: str | None = None) -> list[Path]:
    files = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            if kind is not None and kind not in (path.stem, path.parent.name):
                continue
            files.append(path)
    return files


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_source_lists_are_not_empty():
    # Guards the tests below against passing on an empty walk.
    assert len(_sources("services")) >= 7
    assert len(_sources("selectors")) >= 5
    assert len(_sources("admin")) >= 5


@pytest.mark.parametrize("kind", ["services", "selectors", "admin"])
def test_no_service_selector_or_admin_module_is_over_400_lines(kind):
    long = {_name(p): n for p in _sources(kind) if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_no_function_outside_the_demo_seeders_is_too_complex():
    complex_ = {}
    for path in _sources():
        if path.name in SEEDERS:
            continue
        for block in cc_visit(path.read_text()):
            for item in [block, *getattr(block, "methods", [])]:
                if item.complexity > MAX_COMPLEXITY:
                    complex_[f"{_name(path)}:{item.lineno} {item.name}"] = item.complexity
    assert complex_ == {}


BULK_WRITE = re.compile(r"\.(update|bulk_create|bulk_update)\(")


def _bulk_writes(source: str) -> list[str]:
    """The calls of ``.update(``, ``bulk_create(`` or ``bulk_update(`` in a module, by line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        is_method_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if is_method_call and node.func.attr in {"update", "bulk_create", "bulk_update"}:
            found.append(f"{node.lineno}: .{node.func.attr}(")
    return found


def test_the_bulk_write_finder_sees_each_form():
    source = "qs.update(a=1)\nModel.objects.bulk_create(rows)\nqs.bulk_update(rows, ['a'])\nd = {} | {}\n"
    assert _bulk_writes(source) == ["1: .update(", "2: .bulk_create(", "3: .bulk_update("]
    assert BULK_WRITE.findall(source) == ["update", "bulk_create", "bulk_update"]


def test_service_modules_write_in_bulk_only_through_the_audited_helpers():
    """Bulk paths skip the model signals that write the audit log. A service writes through a model
    save, ``monusco.audit.audited_update`` / ``audited_bulk_create``, or ``insert_together`` with its
    audit rows. Dict and set merges are written ``|=`` so that this check needs no exceptions."""
    offenders = {}
    for path in _sources("services"):
        if found := _bulk_writes(path.read_text()):
            offenders[_name(path)] = found
    assert offenders == {}
