"""The tree's layering: no import cycles in `experiments/`, the library never imports the
experiments, the experiments use only the library's public API, and no file grows past
what one reading takes."""

import ast
import os

import pytest

import recurrent

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_LINES = 300  # experiments/: files a newcomer reads in one go.


def modules(package: str) -> dict[str, str]:
    """Dotted module name -> path for every .py file under `package`."""
    found = {}
    for directory, _, files in os.walk(os.path.join(ROOT, package)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                dotted = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                found[dotted.removesuffix(".__init__")] = path
    return found


def imports(path: str) -> set[str]:
    """Every module `path` imports (for `from a import b`, both `a` and `a.b`)."""
    names = set()
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


EXPERIMENTS = modules("experiments")


def test_experiments_have_no_import_cycles():
    graph = {name: {m for m in imports(path) if m in EXPERIMENTS and m != name}
             for name, path in EXPERIMENTS.items()}
    # A package's __init__ re-exporting its own modules is not a cycle through them.
    graph = {name: {m for m in deps if not name.startswith(m + ".")}
             for name, deps in graph.items()}
    state, cycles = {}, []

    def visit(name, stack):
        state[name] = "open"
        for dep in sorted(graph[name]):
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_library_never_imports_experiments():
    for name, path in modules("recurrent").items():
        assert not any(m.split(".")[0] == "experiments" for m in imports(path)), name


#: The one exception: an ablation swaps a private part of the library for the plain way.
PRIVATE_IMPORTS = {"experiments.benchmark.ablation": {"recurrent.fused"}}


def test_experiments_use_only_the_public_api_of_recurrent():
    public = set(recurrent.__all__)
    for name, path in EXPERIMENTS.items():
        for module in imports(path):
            parts = module.split(".")
            if (parts[0] != "recurrent" or len(parts) == 1
                    or module in PRIVATE_IMPORTS.get(name, ())):
                continue
            assert len(parts) == 2 and parts[1] in public, (
                f"{name} imports {module}, which recurrent/__init__.py does not export")


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiments_files_stay_short(name):
    with open(EXPERIMENTS[name]) as f:
        lines = sum(1 for _ in f)
    assert lines <= MAX_LINES, f"{EXPERIMENTS[name]} has {lines} lines (at most {MAX_LINES})"


def test_no_module_imports_a_private_name_of_another():
    for name, path in EXPERIMENTS.items():
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{name} imports {private} from {node.module}"
