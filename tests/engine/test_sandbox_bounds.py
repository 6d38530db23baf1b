"""Every evaluation in the sandbox is bounded: steps, value sizes and time (issue 15 item 3, ASVS V12/V1.5 DoS).

Each attack below would hold the test (and a web request, the import or the timer worker) for seconds, forever or
until memory runs out without the bound; with it, each is refused at once with the bound named.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import ImportRefused, check_import, form_reader
from app.engine.sandbox import MAX_LENGTH, MAX_STEPS, BudgetExceeded, RestrictedEnvironment, SandboxError

ROOT = Path(__file__).resolve().parents[2]
BASE = (Path(__file__).parent / "fixtures" / "kecil.bpmn").read_text()
SCRIPT = '<bpmn:script>status = "Diajukan"'
TIMER = "hari_kerja(3, sejak=tanggal_diterima)</bpmn:timeDate>"
STEPS = f"batas langkah ({MAX_STEPS})"


@pytest.fixture
def env():
    return RestrictedEnvironment({"tambah": lambda a, b: a + b})


@pytest.mark.parametrize("script, bound", [
    ("while True:\n    pass", STEPS),
    ("n = 0\nwhile n >= 0:\n    n += 1", STEPS),
    ("for i in range(10**8):\n    pass", "range terlalu besar"),
    ("for i in range(10**6):\n    for j in range(10**6):\n        pass", STEPS),
    ('x = "a" * 10**9', "nilai terlalu besar"),
    ("x = [0] * 10**9", "nilai terlalu besar"),
    ("x = 10 * [0] * 10**8", "nilai terlalu besar"),
    ("x = [i for i in range(10**8)]", "range terlalu besar"),
    ("x = [i * j for i in range(10**4) for j in range(10**4)]", STEPS),
    ("x = sum(1 for i in range(10**6) for j in range(10**6))", STEPS),
    ("x = [0]\nwhile True:\n    x = x + x", "nilai terlalu besar"),
    ("x = 'ab'\nwhile True:\n    x += x", "nilai terlalu besar"),
    ("x = 'a'.ljust(10**9)", "nilai terlalu besar"),
    ("x = 10**10**8", "bilangan terlalu besar"),
    ("x = pow(10, 10**8)", "bilangan terlalu besar"),
    ("x = 1 << 10**9", "bilangan terlalu besar"),
    # a big value shared many times in a list is cheap to hold, but not to write out as text
    ("x = ','.join(['a' * 10**4] * 10**3)", "nilai terlalu besar"),
    ("x = ('a' * 10**4).replace('a', 'b' * 1000)", "nilai terlalu besar"),
    ("x = ('%s' * 1000) % (('a' * 10**4,) * 1000)", "nilai terlalu besar"),
    ("x = ('%(a)s' * 1000) % {'a': 'a' * 10**4}", "nilai terlalu besar"),
    ("x = str(['a' * 10**4] * 1000)", "nilai terlalu besar"),
    ("x = repr({'a': ['a' * 10**4] * 1000})", "nilai terlalu besar"),
    ("x = f\"{['a' * 10**4] * 1000}\"", "nilai terlalu besar"),
    ("x = []\nfor i in range(1000):\n    x.extend(['a'] * 10**4)", "nilai terlalu besar"),
    ("x = sum([[0] * 10**4] * 1000, [])", "nilai terlalu besar"),
    ("def f(n):\n    return 1 if n < 2 else f(n - 1) + f(n - 2)\nx = f(60)", STEPS),
    ("f = lambda n: 1 if n < 2 else f(n - 1) + f(n - 2)\nx = f(60)", STEPS),
    # catching the bound's error does not escape it: the script still fails when it ends
    ("try:\n    while True:\n        pass\nexcept Exception:\n    pass\nstatus = 'lolos'", STEPS),
    ("while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass", STEPS),
])
def test_a_script_past_a_bound_fails_with_the_bound_named(env, script, bound):
    context = {"status": "Diajukan"}
    with pytest.raises(BudgetExceeded, match=bound.replace("(", r"\(").replace(")", r"\)")):
        env.execute(script, context)
    assert issubclass(BudgetExceeded, SandboxError)  # a run-time step failing with it becomes an incident
    assert context["status"] == "Diajukan"  # the data is not changed by a script that failed


@pytest.mark.parametrize("expression, bound", [
    ("len([i for i in range(10**8)])", "range terlalu besar"),
    ("sum(1 for i in range(10**6) for j in range(10**6))", STEPS),
    ("len('a' * 10**9)", "nilai terlalu besar"),
    ("any(x > 10**9 for x in range(10**6) for y in range(10**6))", STEPS),
])
def test_an_expression_past_a_bound_fails_with_the_bound_named(env, expression, bound):
    with pytest.raises(BudgetExceeded, match=bound.replace("(", r"\(").replace(")", r"\)")):
        env.evaluate(expression, {})


def test_each_evaluation_has_its_own_budget(env):
    script = f"n = 0\nfor i in range({MAX_STEPS // 2}):\n    n += 1"
    for _ in range(3):  # together past the step budget, each alone well within it
        context = {}
        env.execute(script, context)
        assert context["n"] == MAX_STEPS // 2


@pytest.mark.parametrize("script, expected", [
    ("n = sum(range(10**6))", 499999500000),
    ("n = len(sorted(range(10**6), reverse=True))", 10**6),
    (f"n = len('a' * {MAX_LENGTH})", MAX_LENGTH),
    ("n = 0\nwhile n < 1000:\n    n += 1", 1000),
    ("def kali(a, b):\n    return a * b\nn = kali(6, 7)", 42),
    ("n = (lambda a: a ** 2)(12)", 144),
    ("n = 2 ** 64 + (1 << 10)", 2 ** 64 + 1024),
    ("n = len([1, 2] + [3] * 3)", 5),
    ("n = 'ab'.ljust(4, '-') + 'x'.zfill(3)", "ab--00x"),
    ("n = tambah(2, 3) * 2", 10),
    ("n = ', '.join(['a', 'b']) + 'x-%s' % 5 + '%(a)s' % {'a': 1} + f'{7:03d}'",
     "a, bx-51007"),
    ("n = str(5) + repr('a') + 'a-b'.replace('-', '') + str(10 % 3)", "5'a'ab1"),
    ("x = [1]\nx.extend([2, 3])\nn = sum([x, [4]], [])", [1, 2, 3, 4]),
    ("n = isinstance([], list) and isinstance({}, dict) and max([3, 1]) == 3", True),
])
def test_ordinary_scripts_stay_within_the_bounds(env, script, expected):
    context = {}
    env.execute(script, context)
    assert context["n"] == expected


def check(xml: str):
    return check_import(xml.encode(), form_reader(ROOT / "forms"))


def test_an_import_whose_script_loops_forever_is_refused_at_the_simulation_naming_the_script():
    xml = BASE.replace(SCRIPT, '<bpmn:script>status = "Diajukan"\nwhile True:\n    pass', 1)
    assert xml != BASE
    with pytest.raises(ImportRefused) as caught:
        check(xml)
    refused = caught.value
    assert refused.stage == "simulate"
    [problem] = refused.problems
    assert problem.element_id == "Activity_Catat" and STEPS in problem.message


def test_an_import_whose_script_builds_a_huge_list_is_refused_at_the_simulation():
    xml = BASE.replace(SCRIPT, '<bpmn:script>status = "Diajukan"\nsemua = [0] * 10**9', 1)
    with pytest.raises(ImportRefused) as caught:
        check(xml)
    assert caught.value.stage == "simulate"
    assert [p.element_id for p in caught.value.problems] == ["Activity_Catat"]
    assert "nilai terlalu besar" in caught.value.problems[0].message


def test_an_import_whose_timer_expression_loops_is_refused_naming_the_timer():
    xml = BASE.replace(TIMER, "hari_kerja(3 + sum(0 for i in range(10**6) for j in range(10**6)), "
                              "sejak=tanggal_diterima)</bpmn:timeDate>", 1)
    assert xml != BASE
    with pytest.raises(ImportRefused) as caught:
        check(xml)
    problems = [p for p in caught.value.problems if p.element_id == "Timer_Batas"]
    assert problems and STEPS in problems[0].message, caught.value.problems
