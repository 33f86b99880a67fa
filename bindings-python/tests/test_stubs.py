"""The shipped type stubs (`guildhall/__init__.pyi`) match the built module: the same
public names, record fields, methods, parameters and exception classes."""

import ast
import inspect
import pathlib

import guildhall

STUB = pathlib.Path(guildhall.__file__).with_name("__init__.pyi")


def stub_classes():
    tree = ast.parse(STUB.read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            fields, methods = [], {}
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    fields.append(item.target.id)
                elif isinstance(item, ast.FunctionDef):
                    methods[item.name] = item
            bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
            out[node.name] = {"fields": fields, "methods": methods, "bases": bases}
    return out


def stub_names():
    tree = ast.parse(STUB.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):  # type aliases (`JSON = Any`) are names too
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_")}


def test_stub_ships_with_py_typed():
    assert STUB.exists()
    assert STUB.with_name("py.typed").exists()


def test_same_public_names():
    module = set(guildhall.__all__) | {"__version__"}
    stub = stub_names() | {"__version__"}
    assert sorted(module - stub) == [], "in the module, missing from the stub"
    assert sorted(stub - module) == [], "in the stub, missing from the module"


def test_exception_classes():
    classes = stub_classes()
    stubbed = {n for n, c in classes.items() if c["bases"] == ["GuildhallError"]}
    assert stubbed == {cls.__name__ for cls in guildhall.ERROR_CLASSES.values()}


def test_record_fields():
    classes = stub_classes()
    records = [n for n, c in classes.items() if "_Record" in c["bases"]]
    assert records
    module_records = {n for n in guildhall.__all__ if hasattr(getattr(guildhall, n), "__guildhall_fields__")}
    assert set(records) == module_records
    for name in records:
        cls = getattr(guildhall, name)
        assert classes[name]["fields"] == list(cls.__guildhall_fields__), name
        for method in classes[name]["methods"]:
            assert hasattr(cls, method), f"{name}.{method}"


def params_of_stub(fn):
    a = fn.args
    out = []
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    for arg, d in zip(pos, defaults):
        out.append((arg.arg, "positional", d is not None))
    if a.vararg:
        out.append((a.vararg.arg, "var", False))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, "keyword", d is not None))
    return out


def params_of_module(fn):
    out = []
    for p in inspect.signature(fn).parameters.values():
        kind = {
            inspect.Parameter.POSITIONAL_ONLY: "positional",
            inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
            inspect.Parameter.KEYWORD_ONLY: "keyword",
            inspect.Parameter.VAR_POSITIONAL: "var",
        }[p.kind]
        out.append((p.name, kind, p.default is not inspect.Parameter.empty))
    return out


def test_client_methods_and_signatures():
    classes = stub_classes()
    for name in ("Client", "AsyncClient", "EventStream", "Subscription"):
        cls = getattr(guildhall, name)
        stub = classes[name]["methods"]
        public = {m for m in dir(cls) if not m.startswith("_")}
        stub_public = {m for m, f in stub.items() if not m.startswith("_")
                       and not any(isinstance(d, ast.Name) and d.id == "property" for d in f.decorator_list)}
        props = {m for m, f in stub.items() if any(isinstance(d, ast.Name) and d.id == "property" for d in f.decorator_list)}
        assert sorted(public - stub_public - props) == [], f"{name}: missing from the stub"
        assert sorted((stub_public | props) - public) == [], f"{name}: not in the module"
        for m in sorted(stub_public):
            fn = getattr(cls, m)
            module_params = params_of_module(fn)
            stub_params = params_of_stub(stub[m])
            is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in stub[m].decorator_list)
            if not is_static:
                assert stub_params[0][0] == "self", f"{name}.{m}"
                stub_params = stub_params[1:]
                if module_params and module_params[0][0] == "self":
                    module_params = module_params[1:]
            assert stub_params == module_params, f"{name}.{m}"


def test_both_clients_have_every_operation():
    for op in guildhall.OPERATIONS:
        sync = inspect.signature(getattr(guildhall.Client, op))
        asyn = inspect.signature(getattr(guildhall.AsyncClient, op))
        assert str(sync) == str(asyn), op
