"""``dd.export_source``: the gradient as a module that runs with NumPy alone.

The registry walk exports one program per op (``tests/registry_programs.py``), runs all
the modules in ONE subprocess whose ``sys.path`` cannot see dualdiff (``python -I``; the
script asserts that ``import dualdiff`` fails there) on inputs drawn afresh, and compares
what they return with ``dd.value_and_grad`` on the same inputs. The ops the generator
cannot write as NumPy are listed below with the reason it gives; programs with them
must keep working under ``dd.compile`` by replay.
"""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from registry_programs import EXCEPTIONS, programs, rng_for

import dualdiff as dd
from dualdiff.source import NotExpressible

_RUNNER = textwrap.dedent(
    """
    import importlib, pickle, sys
    try:
        import dualdiff
    except ImportError:
        pass
    else:
        raise SystemExit("dualdiff is importable in the export's subprocess")
    jobs = pickle.load(open(sys.argv[1], "rb"))
    out = {}
    for name, args in jobs:
        module = importlib.import_module(name)
        try:
            out[name] = ("ok", module.value_and_grad(*args))
        except Exception as err:
            out[name] = ("error", f"{type(err).__name__}: {err}")
    pickle.dump(out, open(sys.argv[2], "wb"))
    """
)


def run_isolated(folder: Path, jobs: list[tuple[str, tuple[Any, ...]]]) -> dict[str, Any]:
    """Run ``value_and_grad`` of each module in ``folder`` in a Python that sees only the
    folder and the standard library plus NumPy (``-I``: no user site, no PYTHONPATH)."""
    (folder / "jobs.pkl").write_bytes(pickle.dumps(jobs))
    (folder / "runner.py").write_text(_RUNNER)
    site = folder / "site"  # holds nothing but the installed numpy
    site.mkdir(exist_ok=True)
    if not (site / "numpy").exists():
        (site / "numpy").symlink_to(Path(np.__file__).parent)
    code = (
        f"import sys; sys.path[:] = [{str(folder)!r}, {str(site)!r}] + "
        "[p for p in sys.path if 'site-packages' not in p and p]; "
        f"sys.argv[1:] = [{str(folder / 'jobs.pkl')!r}, {str(folder / 'out.pkl')!r}]; "
        f"exec(open({str(folder / 'runner.py')!r}).read())"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return pickle.loads((folder / "out.pkl").read_bytes())  # type: ignore[no-any-return]


def assert_same(got: Any, expected: Any, where: str) -> None:
    a, ta = dd.tree_flatten(got)
    b, tb = dd.tree_flatten(expected)
    assert ta == tb, f"{where}: structure {ta} != {tb}"
    for x, y in zip(a, b, strict=True):
        assert type(x) is type(y), f"{where}: {type(x).__name__} != {type(y).__name__}"
        assert np.shape(x) == np.shape(y), where
        assert getattr(x, "dtype", None) == getattr(y, "dtype", None), where
        tol = 1e-4 if getattr(x, "dtype", None) == np.float32 else 1e-9
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol, err_msg=where)


def _export_all(folder: Path, dtype: type) -> tuple[list[Any], dict[str, str]]:
    """Export every program; returns the jobs (with fresh inputs) and the refusals."""
    jobs, refused = [], {}
    for k, p in enumerate(programs(dtype)):
        args = p.draw(rng_for(p.id, "example"))
        try:
            text = dd.export_source(p.f, *args, argnums=p.argnums)
        except NotExpressible as err:
            refused[p.id] = (p.op, str(err))
            continue
        name = f"exported_{k}"
        (folder / f"{name}.py").write_text(text)
        jobs.append((name, p, tuple(p.redraw(args, rng_for(p.id, "new")))))
    return jobs, refused


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_registry_op_exports_and_runs_with_numpy_alone(tmp_path: Path, dtype: type) -> None:
    jobs, refused = _export_all(tmp_path, dtype)
    results = run_isolated(tmp_path, [(name, args) for name, _, args in jobs])
    for name, p, args in jobs:
        status, got = results[name]
        if status == "error" and got.startswith("BranchChanged"):
            # a rule branched on the values (sinc near 0 ...): code for the new branch
            namespace: dict[str, Any] = {}
            exec(dd.export_source(p.f, *args, argnums=p.argnums), namespace)
            status, got = "ok", namespace["value_and_grad"](*args)
        assert status == "ok", f"{p.id}: {got}"
        assert_same(got, dd.value_and_grad(p.f, p.argnums)(*args), p.id)
        if dtype is np.float32:
            assert all(np.result_type(g) == np.float32 for g in dd.tree_flatten(got[1])[0])
    exported = {p.op for _, p, _ in jobs}
    for pid, (op, reason) in refused.items():
        assert op in EXCEPTIONS, f"{pid} cannot be exported: {reason}"
        assert EXCEPTIONS[op] in reason, f"{pid}: {reason}"
    refused_ops = {op for op, _ in refused.values()}
    assert refused_ops <= set(EXCEPTIONS)
    stale = set(EXCEPTIONS) - refused_ops - {"interp"}
    assert not stale, f"listed as exceptions but exported: {sorted(stale)}"
    builtin = {n for n, r in dd.REGISTRY.items() if r.kind != "custom"}
    assert builtin <= exported | refused_ops, sorted(builtin - exported - refused_ops)


def test_the_listed_exceptions_fall_back_to_replay() -> None:
    """A program the generator refuses to export compiles to the replay (with the same
    reason), and its gradient on new inputs is dd.grad's."""
    fell_back = set()
    for p in programs():
        if p.op not in EXCEPTIONS:
            continue
        example = p.draw(rng_for(p.id, "example"))
        try:
            dd.export_source(p.f, *example, argnums=p.argnums)
            refused = False
        except NotExpressible:
            refused = True
        compiled = dd.compile(p.f, p.argnums)
        compiled(*example)
        args = p.redraw(example, rng_for(p.id, "new"))
        assert_same(compiled(*args), dd.value_and_grad(p.f, p.argnums)(*args), p.id)
        program = compiled._latest
        assert program is not None
        if refused:
            assert program.source is False, p.id
            assert EXCEPTIONS[p.op] in program.source_error, program.source_error
            fell_back.add(p.op)
    assert fell_back == set(EXCEPTIONS)


# --- the module itself ------------------------------------------------------------------------


def report_f(x1: Any, x2: Any) -> Any:
    return dd.log(x1) + x1 * x2 - dd.sin(x2)


def test_the_module_imports_only_math_and_numpy_and_names_the_wengert_list() -> None:
    text = dd.export_source(report_f, 2.0, 5.0, argnums=(0, 1))
    imports = [line for line in text.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["import math", "import numpy as np"]
    assert "v3 = math.log(v1)" in text and "v1_bar" in text and "v2_bar" in text
    assert "# log" in text and "sin vjp 0" in text
    assert "Constant folding:" in text and "Dead-code removal:" in text
    namespace: dict[str, Any] = {}
    exec(text, namespace)
    value, (g1, g2) = namespace["value_and_grad"](2.0, 5.0)
    assert g1 == 5.5 and abs(g2 - (2 - math.cos(5.0))) < 1e-15
    assert abs(value - (math.log(2.0) + 10 - math.sin(5.0))) < 1e-14


def test_math_that_python_refuses_falls_back_to_numpy_inside_the_module() -> None:
    namespace: dict[str, Any] = {}
    exec(dd.export_source(report_f, 2.0, 5.0, argnums=(0, 1)), namespace)
    with np.errstate(divide="ignore"):
        got = namespace["value_and_grad"](0.0, 1.0)
        expected = dd.value_and_grad(report_f, (0, 1))(0.0, 1.0)
    assert got[0] == expected[0] == -math.inf and got[1] == expected[1]


def test_a_changed_branch_raises_branch_changed(tmp_path: Path) -> None:
    def piecewise(x: Any) -> Any:
        return x**3 if x > 1.0 else dd.sin(x)

    path = tmp_path / "piecewise_grad.py"
    text = dd.export_source(piecewise, 2.0, path=str(path))
    assert path.read_text() == text
    namespace: dict[str, Any] = {}
    exec(text, namespace)
    assert namespace["value_and_grad"](3.0) == (27.0, 27.0)
    with pytest.raises(namespace["BranchChanged"]):
        namespace["value_and_grad"](0.5)


def test_other_arguments_raise_type_error_naming_the_signature() -> None:
    namespace: dict[str, Any] = {}
    exec(dd.export_source(lambda x: dd.sum(x * x), np.ones(3)), namespace)
    np.testing.assert_array_equal(namespace["value_and_grad"](np.arange(3.0))[1], [0, 2, 4])
    with pytest.raises(TypeError, match=r"float64 array \(3,\)"):
        namespace["value_and_grad"](np.ones(4))


def test_float32_stays_float32_and_the_mlp_step_exports() -> None:
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(s).astype(np.float32) for s in ((1, 10), (10,), (10, 1), (1,))]
    x = rng.standard_normal((100, 1)).astype(np.float32)
    y = np.sin(x)

    def loss(params: list[Any], x: Any, y: Any) -> Any:
        w1, b1, w2, b2 = params
        return dd.mean(dd.square(dd.relu(x @ w1 + b1) @ w2 + b2 - y))

    namespace: dict[str, Any] = {}
    exec(dd.export_source(loss, params, x, y), namespace)
    new = [p + np.float32(0.1) for p in params]
    value, grads = namespace["value_and_grad"](new, x, y)
    ref_value, ref_grads = dd.value_and_grad(loss)(new, x, y)
    assert value.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    for g, r in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)
    assert abs(value - ref_value) < 1e-5


def test_the_tour_prints_the_adjoint_program(capsys: pytest.CaptureFixture[str]) -> None:
    from dualdiff.teach.tour import Tour, chapter_reverse

    chapter_reverse(Tour(Path("."), draw=False, files=False))
    out = capsys.readouterr().out
    program = out[out.index("The adjoint program as code") :]
    for line in ("v3 = math.log(v1)", "t1 = math.cos(v2)", "v1_bar = v2 + t3"):
        assert line in program, program
