"""
The shim and the patch series share the stand-in logic: the shim's
stand_ins.py is the series' django/db/migrations/stand_ins.py, byte for byte,
and the ProjectState methods the shim adds or replaces, and the classes it
defines for ProjectState, are those of the series'
django/db/migrations/state.py. scripts/export-patches keeps the copy in step.
"""

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

import _tooling  # noqa: E402

SHIM_PACKAGE = _tooling.SHIM_STAND_INS.parent
STAND_INS = _tooling.SERIES_STAND_INS
STATE = "django/db/migrations/state.py"
SHARED_STATE_METHODS = [
    "stand_ins",
    "clear_stand_ins",
    "reclaim_stand_ins",
    "models_for_schema_editor",
    "reusable_apps",
]
# Stock methods that the series changes and the shim replaces.
REPLACED_STATE_METHODS = ["__init__", "rename_model", "clone", "apps"]
SHARED_STATE_CLASSES = ["CopyOnLookupModelStates", "SharedRender"]
CONTENTTYPES_MANAGEMENT = "django/contrib/contenttypes/management/__init__.py"
# The methods the series adds to RenameContentType, which the shim's subclass
# of it defines, and the series' pre_migrate receiver, which the shim connects
# while migrate runs. (The shim's _rename() wraps the installed Django's,
# which differs between versions.)
SHARED_RENAME_CONTENT_TYPE_METHODS = [
    "database_forwards",
    "database_backwards",
    "_content_type_state",
]
SHARED_CONTENTTYPES_FUNCTIONS = ["inject_rename_contenttypes_operations"]


def series_file(path, tmp_path):
    """
    The file as the whole series leaves it: the release's file, if it has
    one, with every patch applied.
    """
    release = _tooling.ensure_release_repo(_tooling.DEFAULT_VERSION)
    shown = subprocess.run(
        ["git", "--git-dir", str(release), "show", f"HEAD:{path}"],
        capture_output=True,
    )
    if shown.returncode == 0:
        (tmp_path / path).parent.mkdir(parents=True)
        (tmp_path / path).write_bytes(shown.stdout)
    for _, patch in _tooling.list_patches(_tooling.PATCHES_DIR):
        subprocess.run(
            ["git", "apply", f"--include={path}", str(patch)],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
    return (tmp_path / path).read_bytes()


def body_dump(function):
    """The function's body and arguments, its docstring's indentation aside."""
    body = list(function.body)
    if (docstring := ast.get_docstring(function)) is not None:
        body[0] = ast.Expr(ast.Constant(docstring))
    return ast.dump(ast.Module(body=body, type_ignores=[])) + ast.dump(function.args)


def module_functions(source):
    return {
        node.name: node
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
    }


def test_stand_ins_is_the_series_file(tmp_path):
    shim_copy = _tooling.SHIM_STAND_INS.read_bytes()
    assert shim_copy == series_file(STAND_INS, tmp_path), (
        "shim/src/modelstate_migrate/stand_ins.py differs from the series' "
        f"{STAND_INS}: edit the checkout and run scripts/export-patches, which "
        "copies it."
    )


def series_state_definitions(tmp_path):
    """The classes of the series' state.py and ProjectState's methods."""
    tree = ast.parse(series_file(STATE, tmp_path))
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    methods = {
        node.name: node
        for node in classes["ProjectState"].body
        if isinstance(node, ast.FunctionDef)
    }
    return classes, methods


def test_project_state_methods_are_the_series_methods(tmp_path):
    _, series = series_state_definitions(tmp_path)
    shim = module_functions((SHIM_PACKAGE / "state.py").read_text())
    for name in SHARED_STATE_METHODS:
        assert name in series, f"the series no longer adds ProjectState.{name}()"
        assert body_dump(shim[name]) == body_dump(series[name]), (
            f"modelstate_migrate/state.py's {name}() differs from the series'"
            f" ProjectState.{name}()"
        )


def shim_state_definitions():
    return {
        node.name: node
        for node in ast.parse((SHIM_PACKAGE / "state.py").read_text()).body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


def test_replaced_methods_and_classes_are_the_series_ones(tmp_path):
    classes, series_methods = series_state_definitions(tmp_path)
    shim = shim_state_definitions()
    for name in REPLACED_STATE_METHODS:
        assert body_dump(shim[name]) == body_dump(series_methods[name]), (
            f"modelstate_migrate/state.py's {name}() differs from the series'"
            f" ProjectState.{name}()"
        )
    for name in SHARED_STATE_CLASSES:
        assert ast.dump(shim[name]) == ast.dump(
            classes[name]
        ), f"modelstate_migrate/state.py's {name} differs from the series'"


def class_methods(source, class_name):
    class_node = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef) and node.name == class_name
    )
    return {
        node.name: node for node in class_node.body if isinstance(node, ast.FunctionDef)
    }


def test_contenttypes_code_is_the_series_code(tmp_path):
    series_source = series_file(CONTENTTYPES_MANAGEMENT, tmp_path)
    shim_source = (SHIM_PACKAGE / "contenttypes.py").read_text()
    series = class_methods(series_source, "RenameContentType")
    shim = class_methods(shim_source, "RenameContentType")
    for name in SHARED_RENAME_CONTENT_TYPE_METHODS:
        assert name in series, f"the series no longer adds RenameContentType.{name}()"
        assert ast.dump(shim[name]) == ast.dump(series[name]), (
            f"modelstate_migrate/contenttypes.py's RenameContentType.{name}() "
            "differs from the series' one"
        )
    series = module_functions(series_source)
    shim = module_functions(shim_source)
    for name in SHARED_CONTENTTYPES_FUNCTIONS:
        assert ast.dump(shim[name]) == ast.dump(series[name]), (
            f"modelstate_migrate/contenttypes.py's {name}() differs from the "
            "series' one"
        )
