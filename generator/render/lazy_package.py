"""A module of many classes as a package of small modules, each imported when one of its classes is
first used: the models, and the server's request classes.

A large API declares thousands of schemas and operations; building all their pydantic classes costs
seconds, and a call needs only the few it reads. So the one module is cut along its references:
each group of definitions that refer to one another in a cycle (most often a single class) becomes
one module, which imports the modules of what it refers to. These groups form no cycle between
them, so every module imports cleanly, in any order. The package's ``__init__`` names every class
for type checkers and imports a class's module on first access (PEP 562).
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterator

from generator import naming

_LONGEST = 100  # characters of a module name


def split_into_package(code: str, header: str, about: str) -> dict[str, str]:
    """The files of the package, by name (``__init__.py``, ``pet.py``, ...), from ``code``; ``about``
    is the first line of the package's docstring."""
    tree = ast.parse(code)
    lines = code.splitlines(keepends=True)
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    statements = [node for node in tree.body if node not in imports and not _is_docstring(node)]
    defined = {name: index for index, node in enumerate(statements) for name in _defined_names(node)}
    uses = [_used_names(node) for node in statements]
    edges = [sorted({defined[name] for name in used if name in defined} - {index}) for index, used in enumerate(uses)]
    groups = _strongly_connected(edges)

    module_of: dict[int, str] = {}
    taken = set(defined) | {"__init__"}
    for group in groups:
        first = min(group)
        names = _defined_names(statements[first]) or ["definitions"]
        module = naming.numbered(_module_name(names[0]), taken, "_")
        taken.add(module)
        for index in group:
            module_of[index] = module

    files: dict[str, str] = {}
    for group in groups:
        module = module_of[group[0]]
        own = sorted(group)
        used = set().union(*(uses[index] for index in own))
        elsewhere = {name: module_of[defined[name]] for name in used if name in defined}
        siblings = sorted({(other, name) for name, other in elsewhere.items() if other != module})
        body = "\n\n".join(_source(statements[index], lines) for index in own)
        head = [_future_import(imports), *_kept_imports(imports, used)]
        head += [f"from .{other} import {name}" for other, name in siblings]
        files[f"{module}.py"] = header + "\n" + "\n".join(line for line in head if line) + "\n\n\n" + body + "\n"
    files["__init__.py"] = _package_init(header, about, {name: module_of[index] for name, index in defined.items()})
    return dict(sorted(files.items()))


def _module_name(name: str) -> str:
    """The snake-case name, shortened when long: a file name, with its ``.pyc`` beside it, must fit
    in 255 bytes, and nested schemas get class names of hundreds of characters. A hash of the whole
    name keeps shortened ones apart."""
    snake = naming.snake_name(name)
    if len(snake) <= _LONGEST:
        return snake
    return f"{snake[: _LONGEST - 9].rstrip('_')}_{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def _package_init(header: str, about: str, module_of: dict[str, str]) -> str:
    names = sorted(module_of)
    checked = "\n".join(f"    from .{module_of[name]} import {name} as {name}" for name in names)
    listed = "\n".join(f'    "{name}",' for name in names)
    table = "\n".join(f'    "{name}": "{module_of[name]}",' for name in names)
    return f'''{header}
"""{about}

Each is imported from its own module when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
{checked or "    pass"}

__all__ = [
{listed}
]

# name -> its module in this package
_MODULES: dict[str, str] = {{
{table}
}}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
    value = getattr(importlib.import_module(f".{{module}}", __name__), name)
    globals()[name] = value  # the next access does not come here
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
'''


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.ClassDef | ast.FunctionDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [target.id for target in node.targets if isinstance(target, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _used_names(node: ast.AST) -> set[str]:
    """Every name a statement reads, in annotations written as strings too."""
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.add(child.id)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value.isidentifier():
            names.add(child.value)  # a forward reference ("Pet"); a plain word that names nothing is harmless
    return names


def _strongly_connected(edges: list[list[int]]) -> list[list[int]]:
    """Tarjan's groups of ``edges``' nodes, each one after the groups it refers to, iteratively."""
    index_of: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    groups: list[list[int]] = []
    for root in range(len(edges)):
        if root in index_of:
            continue
        work: list[tuple[int, Iterator[int]]] = [(root, iter(edges[root]))]
        index_of[root] = low[root] = len(index_of)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index_of:
                    index_of[child] = low[child] = len(index_of)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
    return groups


def _source(node: ast.stmt, lines: list[str]) -> str:
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno, *(decorator.lineno for decorator in decorators)])
    assert node.end_lineno is not None
    return "".join(lines[first - 1 : node.end_lineno]).rstrip("\n")


def _future_import(imports: list[ast.Import | ast.ImportFrom]) -> str:
    future = any(isinstance(node, ast.ImportFrom) and node.module == "__future__" for node in imports)
    return "from __future__ import annotations\n" if future else ""


def _kept_imports(imports: list[ast.Import | ast.ImportFrom], used: set[str]) -> list[str]:
    """The imports of the whole module that ``used`` needs; relative ones reach one package up."""
    kept = []
    for node in imports:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        aliases = [alias for alias in node.names if (alias.asname or alias.name).split(".")[0] in used]
        if not aliases:
            continue
        spelled = ", ".join(f"{alias.name} as {alias.asname}" if alias.asname else alias.name for alias in aliases)
        if isinstance(node, ast.Import):
            kept.append(f"import {spelled}")
        else:
            level = "." * (node.level + 1 if node.level else 0)
            kept.append(f"from {level}{node.module or ''} import {spelled}")
    return kept
