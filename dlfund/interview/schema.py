"""The shape of an interview question and the rules every question in the bank obeys.

A question is a JSON object with these fields (required ones marked *):

* ``id``*          unique slug, lowercase words joined by ``-`` (``cnn-output-size``)
* ``topic``*       a key of :data:`TOPICS`
* ``difficulty``*  ``easy``, ``medium`` or ``hard``
* ``kind``*        ``open`` (read and self-assess), ``choice`` or ``numeric`` (gradable)
* ``question``*    Markdown (MyST math with ``$...$``)
* ``answer``*      Markdown, written in our own words
* ``choices``, ``correct``   for ``choice``: 2-6 distinct options and the index of the right one
* ``value``, ``tolerance``   for ``numeric``: the answer and the accepted absolute error
* ``book``         chapter label that demonstrates the answer (a key of :data:`CHAPTERS`)
* ``book_section`` a finer label ``(sec-...)=`` inside that chapter's notebook
* ``dlfund``       dotted names of ``dlfund`` functions that demonstrate it
* ``errata``       ERRATA item ids (``E21``) whose pitfall the answer corrects
* ``check``        code that recomputes every number, shape or formula the answer states:
  ``{"code": [lines], "expect": ..., "rtol": ..., "atol": ...}``. The code assigns
  ``result``; the test suite runs it and compares ``result`` with ``expect`` (for
  ``numeric`` questions ``expect`` defaults to ``value``). The code may also ``assert``.
* ``no_check``     for an answer that contains digits but states no checkable number
  (a year, a name such as "L2"): the reason, in a few words.
* ``rubric``       the points an interviewer listens for (2-6 short strings); required for ``open``
* ``follow_up``    the question the interviewer asks next (a string ending in ``?``); required
  for ``open``
* ``beyond_course`` ``true`` for a question no chapter teaches (it has no ``book`` label); the
  field is required exactly then, so the data says which questions go beyond the course
* ``exercise``     for a coding question (kind ``open``): the name of a graded exercise
  (``dlfund.grading``) whose checker grades the candidate's function
* ``solution``     with ``exercise``: code (list of lines) defining the exercise's function; the
  test suite runs it through ``dlfund.grading.check``, which replaces a ``check`` here

:func:`validate_question` and :func:`validate_bank` return a list of problems (empty when
all is well); :func:`validate_links` also resolves book labels and ``dlfund`` names.
"""

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..chapters import BOOK


@dataclass(frozen=True)
class Topic:
    key: str
    title: str
    chapter: str = None  # chapter label whose notebook covers the topic, if any
    blurb: str = ""


TOPICS = {
    t.key: t
    for t in [
        Topic(
            "intro",
            "What is deep learning",
            "ch-intro",
            "Where deep learning sits in AI, what makes it deep, and what it is good at.",
        ),
        Topic(
            "foundations",
            "Neurons, layers and activations",
            "ch-foundations",
            "The neuron, weight shapes, layers and the activation functions between them.",
        ),
        Topic(
            "training",
            "Forward pass, losses and backpropagation",
            "ch-training",
            "How a network computes its output and its gradients, and which loss fits which task.",
        ),
        Topic(
            "optimizers",
            "Optimization algorithms",
            "ch-optimizers",
            "Gradient descent and its descendants: mini-batches, momentum, RMSProp, Adam, AdamW.",
        ),
        Topic(
            "regularization",
            "Regularization and generalization",
            "ch-regularization",
            "Overfitting, dropout, weight penalties and the other ways to generalise better.",
        ),
        Topic(
            "vanishing",
            "Vanishing gradients",
            "ch-vanishing",
            "Why gradients shrink through depth, and the initialisations and architectures that help.",
        ),
        Topic(
            "exploding", "Exploding gradients", "ch-exploding", "Why gradients blow up, how to notice it, and clipping."
        ),
        Topic(
            "rnn",
            "Recurrent networks and LSTMs",
            "ch-rnn",
            "Recurrence, backpropagation through time, LSTM gates and tensor shapes.",
        ),
        Topic(
            "gru",
            "Gated recurrent units",
            "ch-rnn",
            "The GRU's two gates, its parameter count and how it compares with the LSTM.",
        ),
        Topic(
            "cnn",
            "Convolutional networks",
            None,
            "Kernels, stride, padding, pooling, output sizes and parameter counts.",
        ),
        Topic(
            "normalization",
            "Batch and layer normalization",
            "ch-regularization",
            "What each normalisation averages over, and when to prefer which.",
        ),
        Topic(
            "embeddings", "Embeddings", None, "Dense vectors for discrete tokens: lookup tables, similarity and sizes."
        ),
        Topic(
            "attention",
            "Attention and multi-head attention",
            None,
            "Scaled dot-product attention, masks, heads and their shapes and costs.",
        ),
        Topic(
            "transformers",
            "Transformers",
            None,
            "The Transformer block, positional information, encoders and decoders.",
        ),
        Topic(
            "autoencoders",
            "Autoencoders",
            None,
            "Learning to reconstruct through a bottleneck, and what the code is good for.",
        ),
        Topic(
            "vae",
            "Variational autoencoders",
            None,
            "The ELBO, the KL term in closed form and the reparameterisation trick.",
        ),
        Topic(
            "gan",
            "Generative adversarial networks",
            None,
            "The generator-discriminator game, its losses and how it fails.",
        ),
        Topic(
            "debugging",
            "Debugging training in practice",
            None,
            "What to check, in which order, when a network does not learn.",
        ),
        Topic(
            "evaluation",
            "Evaluation metrics and model selection",
            None,
            "Precision and recall, ROC and PR curves, calibration, imbalanced classes and honest validation.",
        ),
    ]
}

# Chapter label -> (document path without suffix, heading), from the book's chapter table.
# Labels are written `(label)=` above the chapter's title in its notebook.
CHAPTERS = {c.label: (c.doc, c.heading) for c in BOOK}

DIFFICULTIES = ("easy", "medium", "hard")
KINDS = ("open", "choice", "numeric")
N_ERRATA = 41  # ERRATA.md items E1..E41

REQUIRED = ("id", "topic", "difficulty", "kind", "question", "answer")
OPTIONAL = (
    "choices",
    "correct",
    "value",
    "tolerance",
    "book",
    "book_section",
    "dlfund",
    "errata",
    "check",
    "no_check",
    "rubric",
    "follow_up",
    "beyond_course",
    "exercise",
    "solution",
)
RUBRIC_SIZE = (2, 6)
CHECK_FIELDS = ("code", "expect", "rtol", "atol")

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LABEL_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DOTTED_RE = re.compile(r"^dlfund(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")
MATH_RE = re.compile(r"\$([^$]+)\$")


def code_text(code):
    """Check code as one string (it may be stored as a list of lines)."""
    return "\n".join(code) if isinstance(code, list) else code


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def states_checkable_content(q):
    """True when the answer states a number, a shape or a formula, so it needs a `check`.

    Heuristic on purpose strict: any digit in the answer (or in the correct choice) counts,
    and so does inline math containing ``=``. Numeric questions always state a number.
    """
    if q.get("kind") == "numeric":
        return True
    texts = [q.get("answer", "")]
    if "exercise" in q:  # the solution, run through the exercise's checker, is the check
        return False
    if q.get("kind") == "choice":
        choices, correct = q.get("choices") or [], q.get("correct")
        if isinstance(correct, int) and 0 <= correct < len(choices):
            texts.append(str(choices[correct]))
    for text in texts:
        if re.search(r"\d", text):
            return True
        if any("=" in m for m in MATH_RE.findall(text)):
            return True
    return False


def validate_question(q):
    """Return the problems of one question dict (empty list if it is well formed)."""
    where = f"question {q.get('id', '?')!r}" if isinstance(q, dict) else "question"
    if not isinstance(q, dict):
        return [f"{where}: expected an object, got {type(q).__name__}"]
    messages = _field_problems(q)
    if not messages:
        for rule in (
            _value_problems,
            _choice_problems,
            _numeric_problems,
            _link_problems,
            _interview_problems,
            _check_problems,
            _no_check_problems,
        ):
            messages += rule(q)
    return [f"{where}: {msg}" for msg in messages]


def _field_problems(q):
    """Required fields present as non-empty strings, no unknown field."""
    problems = []
    for key in REQUIRED:
        if key not in q:
            problems.append(f"missing required field {key!r}")
        elif not isinstance(q[key], str) or not q[key].strip():
            problems.append(f"field {key!r} must be a non-empty string")
    unknown = set(q) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        problems.append(f"unknown field(s) {sorted(unknown)}")
    return problems


def _value_problems(q):
    """id, topic, difficulty and kind take one of their allowed values."""
    problems = []
    if not ID_RE.match(q["id"]):
        problems.append("id must be lowercase words and digits joined by '-'")
    if q["topic"] not in TOPICS:
        problems.append(f"unknown topic {q['topic']!r}; known: {list(TOPICS)}")
    if q["difficulty"] not in DIFFICULTIES:
        problems.append(f"difficulty must be one of {DIFFICULTIES}, got {q['difficulty']!r}")
    if q["kind"] not in KINDS:
        problems.append(f"kind must be one of {KINDS}, got {q['kind']!r}")
    return problems


def _choice_problems(q):
    """'choices'/'correct': present and consistent exactly for a choice question."""
    if q["kind"] != "choice":
        return ["'choices'/'correct' are only for kind 'choice'"] if "choices" in q or "correct" in q else []
    choices, correct = q.get("choices"), q.get("correct")
    if not isinstance(choices, list) or not 2 <= len(choices) <= 6:
        return ["a choice question needs 'choices': a list of 2 to 6 strings"]
    if not all(isinstance(c, str) and c.strip() for c in choices):
        return ["every choice must be a non-empty string"]
    if len(set(choices)) != len(choices):
        return ["choices must be distinct"]
    if not isinstance(correct, int) or isinstance(correct, bool) or not 0 <= correct < len(choices):
        return [f"'correct' must be an index into the {len(choices)} choices, got {correct!r}"]
    return []


def _numeric_problems(q):
    """'value'/'tolerance': present and numbers exactly for a numeric question."""
    if q["kind"] != "numeric":
        return ["'value'/'tolerance' are only for kind 'numeric'"] if "value" in q or "tolerance" in q else []
    problems = []
    if not _is_number(q.get("value")):
        problems.append("a numeric question needs a number 'value'")
    tol = q.get("tolerance")
    if not _is_number(tol) or tol < 0:
        problems.append("a numeric question needs a 'tolerance' >= 0")
    return problems


def _link_problems(q):
    """The book label and section, dlfund names and errata ids are well formed."""
    problems = []
    if "book" in q and q["book"] not in CHAPTERS:
        problems.append(f"unknown book chapter label {q['book']!r}; known: {list(CHAPTERS)}")
    if "book_section" in q:
        if "book" not in q:
            problems.append("'book_section' needs 'book' (the chapter that holds the label)")
        if not isinstance(q["book_section"], str) or not LABEL_RE.match(q["book_section"]):
            problems.append(f"book_section must be a label like 'sec-adam', got {q['book_section']!r}")
    if "dlfund" in q:
        names = q["dlfund"]
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and DOTTED_RE.match(n) for n in names)
        ):
            problems.append("'dlfund' must be a non-empty list of dotted names starting with 'dlfund.'")
    if "errata" in q:
        items = q["errata"]
        ok = (
            isinstance(items, list)
            and items
            and all(isinstance(e, str) and re.fullmatch(r"E\d+", e) and 1 <= int(e[1:]) <= N_ERRATA for e in items)
        )
        if not ok:
            problems.append(f"'errata' must be a list of ids E1..E{N_ERRATA}, got {items!r}")
    return problems


def _check_code_ok(code):
    if isinstance(code, list):
        return bool(code) and all(isinstance(line, str) for line in code)
    return isinstance(code, str) and bool(code.strip())


def _check_problems(q):
    """The 'check' object: known fields, code assigning 'result', an expectation, tolerances >= 0."""
    check = q.get("check")
    if check is None:
        return []
    if not isinstance(check, dict):
        return ["'check' must be an object"]
    problems = []
    extra = set(check) - set(CHECK_FIELDS)
    if extra:
        problems.append(f"unknown check field(s) {sorted(extra)}")
    code = check.get("code")
    if not _check_code_ok(code):
        problems.append("check.code must be a non-empty string or list of lines")
    elif not re.search(r"^\s*result\s*=", code_text(code), flags=re.M):
        problems.append("check.code must assign 'result'")
    if "expect" not in check and q["kind"] != "numeric":
        problems.append("check.expect is required unless the question is numeric (then it defaults to 'value')")
    for tol in ("rtol", "atol"):
        if tol in check and (not _is_number(check[tol]) or check[tol] < 0):
            problems.append(f"check.{tol} must be a number >= 0")
    return problems


def _no_check_problems(q):
    """'no_check' only with a reason and never beside a check; checkable content needs one or the other."""
    problems = []
    check = q.get("check")
    if "no_check" in q:
        if check is not None:
            problems.append("a question with a 'check' must not also claim 'no_check'")
        if q["kind"] == "numeric":
            problems.append("a numeric question always needs a check")
        if not isinstance(q["no_check"], str) or len(q["no_check"].strip()) < 8:
            problems.append("'no_check' must give the reason in words")
    if check is None and states_checkable_content(q) and "no_check" not in q:
        problems.append(
            "the answer states a number, shape or formula: add a 'check' "
            "(or 'no_check' with the reason if the digits are only names or years)"
        )
    return problems


def _interview_problems(q):
    """Rubric, follow-up, scope and coding-question rules (messages without the question prefix)."""
    problems = []
    kind = q["kind"]
    rubric = q.get("rubric")
    if rubric is not None:
        lo, hi = RUBRIC_SIZE
        if (
            not isinstance(rubric, list)
            or not lo <= len(rubric) <= hi
            or not all(isinstance(r, str) and len(r.strip()) >= 8 for r in rubric)
        ):
            problems.append(f"'rubric' must be a list of {lo} to {hi} points (strings of a few words)")
    elif kind == "open":
        problems.append("an open question needs a 'rubric': the points an interviewer listens for")
    follow = q.get("follow_up")
    if follow is not None:
        if not isinstance(follow, str) or len(follow.strip()) < 12 or not follow.rstrip().endswith("?"):
            problems.append("'follow_up' must be the interviewer's next question (a sentence ending in '?')")
    elif kind == "open":
        problems.append("an open question needs a 'follow_up': the question an interviewer asks next")
    if "beyond_course" in q and q["beyond_course"] is not True:
        problems.append(f"'beyond_course' is either true or absent, got {q['beyond_course']!r}")
    elif ("book" in q) == ("beyond_course" in q):
        problems.append(
            "a question without a 'book' chapter must say 'beyond_course': true (and one with a chapter must not)"
        )
    if "exercise" in q or "solution" in q:
        if kind != "open":
            problems.append("'exercise'/'solution' are for coding questions of kind 'open'")
        if not isinstance(q.get("exercise"), str) or not ID_RE.match(q["exercise"].replace("_", "-")):
            problems.append("a coding question needs 'exercise': the name of a graded exercise")
        solution = q.get("solution")
        if not isinstance(solution, list) or not solution or not all(isinstance(x, str) for x in solution):
            problems.append("a coding question needs 'solution': a list of code lines defining the function")
        if "check" in q:
            problems.append("a coding question is checked by running its 'solution' through the grader: drop 'check'")
    return problems


def validate_bank(questions):
    """Problems of a whole bank: every question valid, ids unique."""
    problems = []
    seen = {}
    for q in questions:
        problems.extend(validate_question(q))
        qid = q.get("id") if isinstance(q, dict) else None
        if qid in seen:
            problems.append(f"duplicate id {qid!r}")
        seen[qid] = True
    return problems


def resolve_dlfund(name):
    """Import the object a dotted ``dlfund....`` name refers to; raise ImportError if absent."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attr in parts[split:]:
            if not hasattr(obj, attr):
                raise ImportError(
                    f"{name}: {'.'.join(parts[:split])} has no attribute path {'.'.join(parts[split:])!r}"
                )
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"{name}: no importable module")


def notebook_labels(path):
    """The MyST labels ``(label)=`` defined in the markdown cells of a notebook (or a .md file)."""
    import json

    path = Path(path)
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = "\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb.get("cells", [])
            if c.get("cell_type") == "markdown"
        )
    else:
        text = path.read_text(encoding="utf-8")
    return set(re.findall(r"^\(([^()\s]+)\)=\s*$", text, flags=re.M))


def chapter_file(label, book_root):
    """Existing notebook (or .md) for a chapter label under the repository root, or None."""
    doc = CHAPTERS[label][0]
    for suffix in (".ipynb", ".md"):
        p = Path(book_root) / (doc + suffix)
        if p.exists():
            return p
    return None


def exercise_problems(q):
    """A coding question names a registered exercise whose function its solution defines."""
    from dlfund.grading import get_exercise

    try:
        ex = get_exercise(q["exercise"])
    except (KeyError, ValueError) as exc:
        return [f"unknown exercise {q['exercise']!r}: {exc}"]
    if not re.search(rf"^def {re.escape(ex.func_name)}\(", code_text(q.get("solution", [])), flags=re.M):
        return [f"the solution must define {ex.func_name}(...), the function exercise {ex.name!r} grades"]
    return []


def validate_links(questions, repo_root, require_files=False):
    """Problems with the links of the questions.

    * every ``dlfund`` name must import;
    * a ``book`` label's notebook, when it exists under ``repo_root``, must define the label
      (with ``require_files=True`` a missing notebook is a problem too);
    * a ``book_section`` label must be defined in its chapter's notebook, which must exist;
    * a coding question's ``exercise`` must be registered and its solution define the function;
    * every ``errata`` item must have its ``(pitfall-eN)=`` label in ``book/appendix_pitfalls.ipynb``.
    """
    problems = []
    label_cache = {}

    def labels_of(chapter):
        if chapter not in label_cache:
            f = chapter_file(chapter, repo_root)
            label_cache[chapter] = None if f is None else notebook_labels(f)
        return label_cache[chapter]

    appendix = Path(repo_root) / "book" / "appendix_pitfalls.ipynb"
    pitfall_labels = notebook_labels(appendix) if appendix.exists() else None
    for q in questions:
        for item in q.get("errata", []):
            if pitfall_labels is not None and f"pitfall-{item.lower()}" not in pitfall_labels:
                problems.append(
                    f"question {q['id']!r}: book/appendix_pitfalls.ipynb does not define label "
                    f"(pitfall-{item.lower()})="
                )
        if "exercise" in q:
            problems.extend(f"question {q['id']!r}: {msg}" for msg in exercise_problems(q))
        for name in q.get("dlfund", []):
            try:
                resolve_dlfund(name)
            except ImportError as exc:
                problems.append(f"question {q['id']!r}: dlfund link does not import: {exc}")
        chapter = q.get("book")
        if chapter is None:
            continue
        labels = labels_of(chapter)
        if labels is None:
            if require_files or "book_section" in q:
                problems.append(
                    f"question {q['id']!r}: chapter file for {chapter!r} ({CHAPTERS[chapter][0]}) does not exist"
                )
            continue
        if chapter not in labels:
            problems.append(f"question {q['id']!r}: {CHAPTERS[chapter][0]} does not define label ({chapter})=")
        section = q.get("book_section")
        if section is not None and section not in labels:
            problems.append(f"question {q['id']!r}: {CHAPTERS[chapter][0]} does not define label ({section})=")
    return problems
