"""The library's public API: each subpackage's ``__init__.py`` is its API, every public name is
documented, notebooks use only public names, and the architecture rules hold (no private notes,
flat numba signatures only where a comment says why, modules of readable size)."""
import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import scalinglaws

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "scalinglaws"
SUBPACKAGES = ["ntk", "randomfeatures", "deeplinear", "book"]
SHARED = ["compare", "datasets", "fits", "plotting", "sweep"]


def _modules():
    out = []
    for info in pkgutil.walk_packages(scalinglaws.__path__, "scalinglaws."):
        if info.name.endswith("__main__"):
            continue
        out.append(info.name)
    return sorted(out)


MODULES = _modules()


def test_layout_is_one_subpackage_per_model_plus_book_and_shared_modules():
    top = sorted(p.name for p in LIB.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert top == sorted(SUBPACKAGES)
    flat = sorted(p.stem for p in LIB.glob("*.py") if not p.stem.startswith("_"))
    assert flat == sorted(SHARED)


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_exists_and_is_documented(name):
    mod = importlib.import_module(name)
    assert mod.__doc__ and mod.__doc__.strip(), f"{name} has no module docstring"
    names = getattr(mod, "__all__", None)
    assert names is not None, f"{name} has no __all__"
    assert len(set(names)) == len(names), f"{name}.__all__ lists a name twice"
    for n in names:
        assert hasattr(mod, n), f"{name}.__all__ lists {n!r}, which does not exist"
        obj = getattr(mod, n)
        if inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
            assert inspect.getdoc(obj), f"{name}.{n} has no docstring"


@pytest.mark.parametrize("pkg", ["ntk", "randomfeatures", "deeplinear"])
def test_subpackage_init_re_exports_every_public_name_of_its_modules(pkg):
    package = importlib.import_module(f"scalinglaws.{pkg}")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"scalinglaws.{pkg}.{info.name}")
        missing = [n for n in mod.__all__ if n not in package.__all__]
        assert not missing, f"scalinglaws.{pkg}.{info.name} names {missing} that scalinglaws.{pkg} does not export"
        for n in mod.__all__:
            assert getattr(package, n) is getattr(mod, n)


def _code_cells(path: Path):
    text = path.read_text(encoding="utf-8")
    if "kernelspec:" not in text[:2000]:
        return []
    import jupytext
    nb = jupytext.read(path)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _library_uses(code: str):
    """(module, name) pairs of library names used by a code cell: ``from scalinglaws.x import y``
    and ``alias.attr`` for module aliases bound by ``from scalinglaws[.x] import m as alias``."""
    src = "\n".join(l for l in code.splitlines() if not l.lstrip().startswith(("%", "!")))
    tree = ast.parse(src)
    aliases, uses = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "scalinglaws":
            for a in node.names:
                full = f"{node.module}.{a.name}"
                try:
                    importlib.import_module(full)
                    aliases[a.asname or a.name] = full      # a module
                except ImportError:
                    uses.append((node.module, a.name))      # a function or class
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "scalinglaws":
                    aliases[a.asname or a.name] = a.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            uses.append((aliases[node.value.id], node.attr))
    return uses


NOTEBOOKS = sorted((ROOT / "chapters").glob("ch*/*.md")) + sorted(ROOT.glob("*.md"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebooks_use_only_public_names(path):
    for code in _code_cells(path):
        for module, name in _library_uses(code):
            assert not any(part.startswith("_") for part in module.split(".")), \
                f"{path.name} imports from the private module {module}"
            mod = importlib.import_module(module)
            assert name in getattr(mod, "__all__", ()), f"{path.name} uses {module}.{name}, which is not public"


def test_the_notebook_scan_sees_library_names():
    # the checker itself: a private name and a public one are told apart
    uses = _library_uses("from scalinglaws import deeplinear as dl\nx = dl.dmft_dln(1)\ny = dl._causal\n")
    assert ("scalinglaws.deeplinear", "dmft_dln") in uses and ("scalinglaws.deeplinear", "_causal") in uses
    assert "_causal" not in importlib.import_module("scalinglaws.deeplinear").__all__


def _functions(path: Path):
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.FunctionDef):
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            yield node, "\n".join(lines[max(0, first - 4):first - 1])


def test_long_signatures_only_for_numba_kernels_with_a_reason():
    offenders = []
    for path in sorted(LIB.rglob("*.py")):
        for node, above in _functions(path):
            npos = len(node.args.posonlyargs) + len(node.args.args)
            if npos > 12 and "flat signature" not in above:
                offenders.append(f"{path.relative_to(LIB)}:{node.lineno} {node.name} ({npos} positional)")
    assert not offenders, "functions with more than 12 positional parameters and no comment saying why: " + \
        "; ".join(offenders)


def test_modules_are_of_readable_size():
    long = [f"{p.relative_to(LIB)} ({n} lines)" for p in sorted(LIB.rglob("*.py"))
            if (n := p.read_text(encoding="utf-8").count("\n")) > 600]
    assert not long, "modules over 600 lines: " + ", ".join(long)


def test_importing_the_package_imports_no_subpackage():
    import subprocess
    import sys
    code = ("import sys, scalinglaws; bad = [m for m in sys.modules if m.startswith('scalinglaws.') "
            "and m.split('.')[1] in ('ntk', 'randomfeatures', 'deeplinear', 'book')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
