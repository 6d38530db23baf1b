"""The restricted environment runs ordinary expressions and refuses escapes."""
import pytest

from app.engine.sandbox import RestrictedEnvironment, SandboxError


@pytest.fixture
def env():
    return RestrictedEnvironment({"tambah": lambda a, b: a + b})


@pytest.mark.parametrize("expression, expected", [
    ("1 + 2 * 3", 7),
    ("status == 'Ditolak'", True),
    ("[x * 2 for x in angka]", [2, 4, 6]),
    ("data['a']['b']", 5),
    ("tambah(2, 3)", 5),
    ("{'a': 1}['a']", 1),
    ("len(angka) + max(angka)", 6),
])
def test_ordinary_expressions_run(env, expression, expected):
    context = {"status": "Ditolak", "angka": [1, 2, 3], "data": {"a": {"b": 5}}}
    assert env.evaluate(expression, context) == expected


@pytest.mark.parametrize("expression", [
    "().__class__.__base__.__subclasses__()",
    "__import__('os').system('true')",
    "open('/etc/passwd').read()",
    "eval('1')",
    "getattr(status, '__class__')",
    "status.__class__",
])
def test_escapes_are_refused(env, expression):
    with pytest.raises((SandboxError, NameError, AttributeError, TypeError)):
        env.evaluate(expression, {"status": "x"})


def test_script_assigns_into_task_data_and_keeps_helpers_out(env):
    context = {"n": 2}
    env.execute("hasil = tambah(n, 1)\nn += 1\nlabel = {'a': 'A'}['a']", context)
    assert context == {"n": 3, "hasil": 3, "label": "A"}


@pytest.mark.parametrize("script", ["import os", "from os import path", "x = open('/etc/passwd')",
                                    "x = ().__class__", "def f():\n    return __builtins__\ny = f()"])
def test_scripts_that_escape_are_refused(env, script):
    with pytest.raises((SandboxError, NameError)):
        env.execute(script, {})


def test_data_cannot_shadow_a_helper(env):
    with pytest.raises(SandboxError):
        env.execute("x = 1", {"tambah": 1})
