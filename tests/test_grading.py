"""The grader: references pass, every catalogued mistake is recognised by its own hint code,
and every kind of broken learner function gets the right feedback without raising."""

import os
import sys
import textwrap
import time

import numpy as np
import pytest

from dlfund import activations, layers
from dlfund.grading import CheckResult, GradingError, all_exercises, check
from dlfund.grading.report import html_report
from dlfund.grading.sandbox import protected_call

EXERCISES = all_exercises()
IDS = [e.name for e in EXERCISES]


@pytest.fixture(autouse=True)
def _own_progress_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DLFUND_HOME", str(tmp_path / "dlfund-home"))


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_reference_passes_in_strict_mode_over_many_seeds(ex):
    result = check(ex.name, ex.reference, strict=True, seeds=range(12), show=False)
    assert result.ok and result.score == 1.0 and result.total >= 12


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_every_catalogued_mistake_fails_with_its_own_hint_code(ex):
    """Exactly one code per mistake: if two mistakes behaved alike on every case, both codes
    would be reported, so this also tells every pair of mistakes of the exercise apart."""
    assert len(ex.mistakes) >= 3
    codes = [m.code for m in ex.mistakes]
    assert len(set(codes)) == len(codes)
    for m in ex.mistakes:
        result = check(ex.name, m.fn, show=False)
        assert not result.ok, f"{m.code} passes {ex.name}"
        assert result.mistake_codes == [m.code], f"{m.code}: matched {result.mistake_codes}"
        assert f"[{m.code}]" in result.report()


def test_mistakes_are_told_apart_across_the_catalogue():
    # the same hint code never names two different mistakes
    seen = {}
    for ex in EXERCISES:
        for m in ex.mistakes:
            assert seen.setdefault(m.code, ex.name) == ex.name, m.code


# -- feedback for broken functions, in the order the report promises ------------------------------


def _codes(result):
    return result.problem_codes


def test_stub_is_reported_as_not_implemented_without_raising(capsys):
    def sigmoid(z):
        raise NotImplementedError("sigmoid: write your code here")

    result = check("sigmoid", sigmoid)
    assert result.status == "not_implemented" and result.score == 0.0
    assert "not implemented yet" in capsys.readouterr().out


def test_a_function_calling_an_unfinished_helper_names_the_helper():
    def helper(z):
        raise NotImplementedError

    def relu(z):
        return helper(z)

    result = check("relu", relu, show=False)
    assert "relu calls helper, which is not implemented yet" in result.report()


def test_returned_none_asks_whether_you_forgot_to_return():
    def relu(z):
        np.maximum(z, 0)

    result = check("relu", relu, show=False)
    assert _codes(result)[0] == "RETURNED_NONE"
    assert "did you forget to return?" in result.report()


def test_exception_shows_the_learners_own_line(tmp_path):
    src = tmp_path / "learner_code.py"
    src.write_text(
        textwrap.dedent("""
        import numpy as np

        def softmax(z):
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1)[:, None, None].reshape(3)
    """)
    )
    sys.path.insert(0, str(tmp_path))
    try:
        import learner_code
    finally:
        sys.path.remove(str(tmp_path))
    result = check("softmax", learner_code.softmax, show=False)
    report = result.report()
    assert _codes(result)[0] == "EXCEPTION"
    assert "line 6: return e / e.sum(axis=1)[:, None, None].reshape(3)" in report
    assert "dlfund/grading" not in report  # the grader's own frames are filtered out


def test_system_exit_is_caught_and_reported():
    def relu(z):
        sys.exit(1)

    result = check("relu", relu, show=False)
    assert "SystemExit" in result.report() and "sys.exit" in result.report()


def test_keyboard_interrupt_still_interrupts():
    def relu(z):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check("relu", relu, show=False)


def test_wrong_structure_names_the_expected_outputs():
    def dense_backward(dZ, cache):
        A_prev, W = cache
        return dZ @ W.T, A_prev.T @ dZ

    result = check("dense_backward", dense_backward, show=False)
    assert _codes(result)[0] == "STRUCTURE"
    assert "expected 3 values (dA_prev, dW, db), received 2" in result.report()


def test_missing_dict_keys_are_listed():
    def update_parameters_with_gd(parameters, grads, learning_rate):
        return {k: v - learning_rate * grads["d" + k] for k, v in parameters.items() if k != "b2"}

    result = check("update_parameters_with_gd", update_parameters_with_gd, show=False)
    assert "missing keys ['b2']" in result.report() and "DICT_KEYS" in _codes(result)


def test_transposed_shape_gets_a_transpose_hint():
    def dense_forward(A_prev, W, b):
        return (W.T @ A_prev.T + b[:, None]), (A_prev, W)

    result = check("dense_forward", dense_forward, show=False)
    assert _codes(result)[0] == "TRANSPOSED"
    assert "transpose" in result.report()


def test_broadcasting_blow_up_gets_a_broadcasting_hint():
    def mse_grad(y_hat, y):
        return 2 * (y_hat - y.ravel()) / y.size  # (m, 1) - (m,) -> (m, m)

    result = check("mse_grad", mse_grad, show=False)
    assert "BROADCAST" in _codes(result) or "KEEPDIMS" in _codes(result)
    assert "broadcast" in result.report()


def test_nan_is_located():
    def sigmoid(z):
        return np.exp(z) / (1 + np.exp(z))

    result = check("sigmoid", sigmoid, show=False)
    report = result.report()
    assert "NONFINITE" in _codes(result)
    assert "NaN or inf, first at output[0, 6]" in report  # z = 800 is the last entry of the stability case


def test_input_modified_in_place_is_reported():
    def relu(z):
        z[z < 0] = 0
        return z

    result = check("relu", relu, show=False)
    assert "INPLACE" in _codes(result)
    assert "modified its input(s) z in place" in result.report()


def test_wrong_values_name_the_worst_entry_and_a_constant_factor():
    def dense_backward(dZ, cache):
        A_prev, W = cache
        return dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0) * dZ.shape[0]

    result = check("dense_backward", dense_backward, show=False)
    report = result.report()
    assert "CONSTANT_FACTOR" in _codes(result)
    assert "worst at db[" in report and "expected" in report and "relative error" in report
    assert "a factor m (= " in report


def test_flipped_sign_is_named():
    def mse_grad(y_hat, y):
        return 2 * (y - y_hat) / y.size

    assert "SIGN_FLIP" in _codes(check("mse_grad", mse_grad, show=False))


def test_gradient_exercise_names_the_wrong_entries_from_a_numerical_gradient():
    def dense_backward(dZ, cache):
        dA, dW, db = layers.dense_backward(dZ, cache)
        dW = dW.copy()
        dW[:, 1] *= -1  # one column wrong
        return dA, dW, db

    report = check("dense_backward", dense_backward, show=False).report()
    assert "only column(s) [1] are wrong" in report
    assert "compared with the numerical gradient" in report and "dW[0, 1]" in report


def test_float32_upcast_is_a_note_not_a_failure():
    def relu(z):
        return np.maximum(z, 0).astype(np.float64)

    result = check("relu", relu, show=False)
    assert result.ok
    assert any("float32" in n for n in result.graded.notes)


def test_endless_loop_is_stopped_by_the_timer():
    def relu(z):
        while True:
            try:
                pass
            except Exception:  # the timeout is a BaseException: this does not swallow it
                pass

    start = time.perf_counter()
    result = check("relu", relu, show=False, timeout=0.3)
    assert time.perf_counter() - start < 3
    assert result.status == "timeout" and _codes(result)[0] == "TIMEOUT"


def test_thread_based_timeout_outside_the_main_thread():
    import threading

    box = {}

    def relu(z):
        time.sleep(5)

    t = threading.Thread(target=lambda: box.setdefault("r", check("relu", relu, show=False, timeout=0.3)))
    start = time.perf_counter()
    t.start()
    t.join(10)
    assert time.perf_counter() - start < 3
    assert box["r"].status == "timeout"


def test_printing_is_captured_and_bounded(capsys):
    def relu(z):
        for i in range(20000):
            print("debug", i)
        return np.maximum(z, 0)

    result = check("relu", relu, show=False)
    assert result.ok
    assert capsys.readouterr().out == ""  # nothing leaked to the notebook
    assert any("printed" in n for n in result.graded.notes)


def test_protected_call_runs_on_copies():
    z = np.array([[-1.0, 2.0]])
    out = protected_call(lambda a: a.__setitem__((0, 0), 5.0) or a, (z,), arg_names=["z"])
    assert z[0, 0] == -1.0 and out.mutated == ["z"]


def test_strict_mode_raises_for_ci():
    with pytest.raises(GradingError, match="SIGMOID_SIGN"):
        check("sigmoid", lambda z: 1 / (1 + np.exp(z)), strict=True, show=False)


def test_result_object_and_html_report():
    def softmax(z):  # normalises columns instead of rows
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    result = check("softmax", softmax, show=False)
    assert isinstance(result, CheckResult) and 0 <= result.score < 1
    assert f"{result.passed}/{result.total}" in repr(result)
    html = html_report(result.graded)
    assert html.startswith('<div class="dlfund-check"') and "Known mistake [SOFTMAX_AXIS0]" in html


def test_unknown_exercise_suggests_a_name():
    with pytest.raises(KeyError, match="did you mean 'softmax'"):
        check("sofmax", activations.softmax)


def test_check_records_progress(tmp_path, monkeypatch):
    from dlfund.grading.progress import load_record

    check("relu", activations.relu, show=False)
    check("sigmoid", lambda z: z, show=False)
    rec = load_record()["exercises"]
    assert rec["relu"]["passed"] and rec["relu"]["first_passed"]
    assert not rec["sigmoid"]["passed"] and rec["sigmoid"]["attempts"] == 1
    assert os.path.exists(os.environ["DLFUND_HOME"] + "/progress.json")


def test_a_chapter_module_that_cannot_be_imported_stops_grading_loudly(monkeypatch, tmp_path):
    """A broken chapter module raises ImportError naming the chapter (it used to drop out silently)."""
    from dlfund.grading import exercises, registry

    (tmp_path / "ch99_broken.py").write_text("import dlfund.no_such_module\n")
    monkeypatch.setattr(exercises, "__path__", [*exercises.__path__, str(tmp_path)])
    monkeypatch.setattr(registry, "CHAPTER_MODULES", {**registry.CHAPTER_MODULES, 99: "ch99_broken"})
    monkeypatch.setattr(registry, "_LOADED", False)
    monkeypatch.delitem(sys.modules, "dlfund.grading.exercises.ch99_broken", raising=False)
    with pytest.raises(ImportError, match=r"chapter 99 .*ch99_broken.*no_such_module"):
        registry.all_exercises()
    with pytest.raises(ImportError, match="chapter 99"):  # and again on the next use: never half-loaded
        registry.chapters()


def test_chapter_table_is_the_one_source_for_grading_and_interview():
    """Registry modules, progress titles and interview labels all come from dlfund.chapters.BOOK."""
    from dlfund.chapters import BOOK
    from dlfund.grading.registry import CHAPTER_MODULES, CHAPTER_TITLES, chapters
    from dlfund.interview.schema import CHAPTERS

    assert sorted(chapters()) == sorted(CHAPTER_MODULES) == [c.number for c in BOOK if c.exercises]
    assert CHAPTERS["ch-optimizers"] == ("book/04_optimizers", "Chapter 4: " + CHAPTER_TITLES[4])
    assert CHAPTERS["ch-quiz"][1] == "Quiz"
    assert len({c.label for c in BOOK}) == len(BOOK) and len({c.doc for c in BOOK}) == len(BOOK)


def test_every_chapter_registers_all_its_exercises():
    """A chapter module that fails to import (an API change in dlfund) would silently drop its
    exercises: this pins the full list."""
    from dlfund.grading.registry import chapters

    expected = {
        2: [
            "sigmoid",
            "sigmoid_derivative",
            "tanh_derivative",
            "relu",
            "relu_derivative",
            "leaky_relu",
            "leaky_relu_derivative",
            "softmax",
        ],
        3: [
            "dense_forward",
            "dense_backward",
            "mse_loss",
            "mse_grad",
            "binary_cross_entropy",
            "binary_cross_entropy_grad",
            "two_layer_forward",
            "two_layer_backward",
            "update_parameters_with_gd",
            "training_step",
        ],
        4: [
            "random_mini_batches",
            "initialize_velocity",
            "momentum",
            "rmsprop",
            "initialize_adam",
            "adam",
            "adamw",
            "warmup_cosine_lr",
        ],
        5: [
            "dropout_forward",
            "dropout_backward",
            "l2_penalty",
            "l2_penalty_grad",
            "batchnorm_forward",
            "batchnorm_backward",
        ],
        6: ["xavier_uniform", "xavier_normal", "he_normal", "residual_block_forward", "residual_block_backward"],
        7: ["clip_grad_norm", "clip_grad_value"],
        8: ["rnn_cell_forward", "rnn_forward", "rnn_backward", "lstm_cell_forward", "lstm_cell_backward"],
    }
    assert {ch: [e.name for e in exs] for ch, exs in chapters().items()} == expected
    assert sum(map(len, expected.values())) >= 30
