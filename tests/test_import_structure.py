"""The import structure (DESIGN.md principle 14): no import circles, not even lazy ones.

1. Every module of `signals` imports alone, first, in a clean interpreter with Django set up, so
   a circle shows up as an ImportError instead of hiding behind the order other modules happen to
   be imported in.
2. No first-party module is imported inside a function or method in any first-party package: a
   function-level import is how a circle hides. The ones other packages still have are listed in
   ALLOWED, which can only shrink (an entry that no longer occurs fails too).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("accounts", "alerts", "api", "backtests", "billing", "config", "lockaudit", "market", "news",
               "portfolios", "signals", "vault", "watchlists")

# (module, imported name) -> why it is still imported inside a function. Empty: none is, and an entry
# added here must say why the module cannot import it at its top.
ALLOWED: dict[tuple[str, str], str] = {}


def module_files(package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `package` but its migrations."""
    modules = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "migrations" in parts:
            continue
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def function_level_imports(source: str, *, module: str, is_package: bool = False) -> list[tuple[str, str, int]]:
    """(module, imported first-party name, line) of each import inside a function or method of `source`."""
    package = module if is_package else module.rpartition(".")[0]
    found = []

    def imported(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        base = node.module or ""
        if node.level:  # relative: from the package, one level up per extra dot
            anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
            base = ".".join([*anchor, *([base] if base else [])])
        return [f"{base}.{alias.name}" for alias in node.names]

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import | ast.ImportFrom):
                found.extend((module, name, child.lineno) for name in imported(child)
                             if name.split(".")[0] in FIRST_PARTY)
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(source), False)
    return found


# --- 1. every module of signals imports alone ----------------------------------------------------

# Run in a fresh interpreter: set Django up and import the third-party libraries the modules use
# (numpy, scikit-learn...: no circle of ours can hide in them, and importing them once keeps this
# fast), then fork one child per module, which imports that module first and alone (a fork starts
# from exactly the parent's state), all side by side; each child writes its traceback, or nothing,
# to a pipe.
IMPORT_EACH_ALONE = """
import importlib, json, os, sys, traceback
import django
django.setup()
job = json.loads(sys.argv[1])
for name in job["preload"]:
    importlib.import_module(name)
children = {}
for name in job["modules"]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(name)
            error = ""
        except BaseException:
            error = traceback.format_exc()
        with os.fdopen(write, "w") as pipe:
            pipe.write(error)
        os._exit(0)
    os.close(write)
    children[name] = (pid, read)
errors = {}
for name, (pid, read) in children.items():
    with os.fdopen(read) as pipe:
        errors[name] = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status and not errors[name]:
        errors[name] = f"the child importing it exited with status {status}"
print(json.dumps(errors))
"""
SIGNALS_MODULES = sorted(module_files("signals"))


def third_party_imports(paths) -> list[str]:
    """The modules outside the project that `paths` import at module level."""
    names = set()
    for path in paths:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names.add(node.module)
    return sorted(name for name in names if name.split(".")[0] not in (*FIRST_PARTY, "__future__"))


@pytest.fixture(scope="module")
def import_errors() -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    job = {"preload": third_party_imports(module_files("signals").values()), "modules": SIGNALS_MODULES}
    done = subprocess.run([sys.executable, "-c", IMPORT_EACH_ALONE, json.dumps(job)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"Django did not set up in a clean interpreter:\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", SIGNALS_MODULES)
def test_each_signals_module_imports_alone_in_a_clean_interpreter(import_errors, module):
    assert import_errors[module] == "", f"{module} does not import alone:\n{import_errors[module]}"


def test_the_signals_modules_include_the_engine_and_the_management_commands():
    assert {"signals.scheduling", "signals.run_books", "signals.engine.confluence",
            "signals.management.commands.ledger_verify"} <= set(SIGNALS_MODULES)
    assert not [name for name in SIGNALS_MODULES if ".migrations" in name]


# --- 2. no first-party import inside a function ------------------------------------------------

def test_no_first_party_module_is_imported_inside_a_function():
    found = {}
    for package in FIRST_PARTY:
        if not (ROOT / package).is_dir():  # `api` once it exists
            continue
        for module, path in module_files(package).items():
            for _, name, line in function_level_imports(path.read_text(), module=module,
                                                        is_package=path.name == "__init__.py"):
                found.setdefault((module, name), f"{path.relative_to(ROOT)}:{line}")

    new = sorted(f"{where} imports {name} inside a function" for (_, name), where in found.items()
                 if (_, name) not in ALLOWED)
    gone = sorted(f"{module}: {name}" for module, name in ALLOWED if (module, name) not in found)
    assert not new, "import it at module level (or split the module whose roles share it):\n" + "\n".join(new)
    assert not gone, "no longer imported inside a function: remove from ALLOWED:\n" + "\n".join(gone)


def test_no_signals_module_is_allowed_a_function_level_import():
    allowed_in_signals = [module for module, _ in ALLOWED if module.split(".")[0] == "signals"]
    assert allowed_in_signals == []


def test_the_check_reports_an_import_inside_a_function_or_a_method_and_nothing_else():
    source = (
        "import json\n"
        "from signals.models import Signal\n"
        "\n"
        "def signal_send():\n"
        "    import os\n"
        "    from signals.services import signal_create\n"
        "\n"
        "class Publisher:\n"
        "    def publish(self):\n"
        "        from . import selectors\n"
        "        import market.models\n"
        "\n"
        "    async def later(self):\n"
        "        def inner():\n"
        "            from config.epoch import utc_from_epoch\n"
    )

    found = function_level_imports(source, module="signals.publishing")

    assert found == [("signals.publishing", "signals.services.signal_create", 6),
                     ("signals.publishing", "signals.selectors", 10),
                     ("signals.publishing", "market.models", 11),
                     ("signals.publishing", "config.epoch.utc_from_epoch", 15)]
    assert function_level_imports("from .engine import analyse\n\ndef f():\n    from .engine import analyse\n",
                                  module="signals", is_package=True) == [("signals", "signals.engine.analyse", 4)]
