"""Turn the bank's Markdown (with ``$...$`` LaTeX) into plain text or light HTML.

The terminal flash cards and the quiz widgets cannot run MyST, so they use these small,
predictable conversions: LaTeX commands become Unicode (``\\sigma`` -> σ, ``x^2`` -> x²,
``\\frac{a}{b}`` -> (a)/(b)), Markdown emphasis and code marks are dropped (plain text) or
mapped to tags (HTML), links keep their text.
"""

import html
import re

_SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "eta": "η",
    "theta": "θ",
    "lambda": "λ",
    "mu": "μ",
    "sigma": "σ",
    "omega": "ω",
    "pi": "π",
    "rho": "ρ",
    "tau": "τ",
    "Sigma": "Σ",
    "sum": "Σ",
    "partial": "∂",
    "odot": "⊙",
    "cdot": "·",
    "times": "×",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "approx": "≈",
    "infty": "∞",
    "pm": "±",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "ne": "≠",
    "neq": "≠",
    "in": "∈",
    "subset": "⊂",
    "nabla": "∇",
    "top": "ᵀ",
    "lVert": "‖",
    "rVert": "‖",
    "|": "‖",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "ln": "ln",
    "log": "log",
    "exp": "exp",
    "tanh": "tanh",
    "min": "min",
    "max": "max",
    "sin": "sin",
    "cos": "cos",
    "mid": "|",
    "ldots": "…",
    "dots": "…",
    "{": "{",
    "}": "}",
    "%": "%",
}
_SPACING = {",": " ", ";": " ", ":": " ", "!": "", "quad": "  ", "qquad": "   ", " ": " "}
_SUP = str.maketrans("0123456789+-=()niT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀ")
_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP_OK = set("0123456789+-=()niT")
_SUB_OK = set("0123456789+-=()aehijklmnoprstuvx")

_OPENING = ("lVert", "lfloor", "lceil")
_CLOSING = ("rVert", "rfloor", "rceil")
_FUNCTIONS = ("ln", "log", "exp", "tanh", "sin", "cos", "min", "max")
_TEXTLIKE = ("text", "mathrm", "mathbf", "mathit", "operatorname", "textrm", "mathcal", "mathbb", "boldsymbol")

MATH_SEGMENT = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)


def _group(text, start):
    """Return (content, end) of the brace group starting at text[start] == '{'."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    return text[start + 1 :], len(text)


def _argument(text, i):
    """One LaTeX argument at position i: a brace group or a single character."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i < len(text) and text[i] == "{":
        return _group(text, i)
    if i < len(text) and text[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.?)", text[i:])
        end = i + len(m.group(0))
        if m.group(1) in _TEXTLIKE and end < len(text) and text[end] == "{":
            _, end = _group(text, end)
        return text[i:end], end
    return text[i : i + 1], i + 1


def latex_to_unicode(tex):  # noqa: C901 - a flat table of LaTeX commands and their Unicode
    """Readable Unicode for a LaTeX math fragment (best effort, never raises)."""
    out = []
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.?)", tex[i:])
            name = m.group(1)
            if not name:  # a lone trailing backslash
                out.append("\\")
                i += 1
                continue
            i += len(m.group(0))
            if name in ("frac", "dfrac", "tfrac"):
                num, i = _argument(tex, i)
                den, i = _argument(tex, i)
                num, den = latex_to_unicode(num), latex_to_unicode(den)
                if (num, den) == ("1", "2"):
                    out.append("½")
                    continue
                wrap = lambda s: s if re.fullmatch(r"[\w.·²³ᵀ]+", s) else f"({s})"
                out.append(f"{wrap(num)}/{wrap(den)}")
            elif name == "sqrt":
                arg, i = _argument(tex, i)
                arg = latex_to_unicode(arg)
                out.append(f"√{arg}" if re.fullmatch(r"[\w.]+", arg) else f"√({arg})")
            elif name in _TEXTLIKE:
                arg, i = _argument(tex, i)
                out.append(latex_to_unicode(arg))
            elif name in ("left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr", "displaystyle"):
                continue
            elif name in _SPACING:
                out.append(_SPACING[name])
            elif name in _FUNCTIONS:
                rest = tex[i:].lstrip(" ")
                out.append(name + ("" if not rest or rest[0] in "({[^_" else " "))
            elif name in _OPENING:
                out.append(_SYMBOLS[name])
                while i < len(tex) and tex[i] == " ":
                    i += 1
            elif name in _CLOSING:
                if out:
                    out[-1] = out[-1].rstrip(" ")
                out.append(_SYMBOLS[name])
            elif name in _SYMBOLS:
                out.append(_SYMBOLS[name])
            else:
                out.append(name)
        elif c in "^_":
            arg, i = _argument(tex, i + 1)
            arg = latex_to_unicode(arg)
            ok, table = (_SUP_OK, _SUP) if c == "^" else (_SUB_OK, _SUB)
            if arg == "ᵀ":
                out.append("ᵀ")
            elif arg and set(arg) <= ok:
                out.append(arg.translate(table))
            else:
                out.append(f"{c}({arg})" if len(arg) > 1 else f"{c}{arg}")
        elif c in "{}":
            i += 1
        else:
            out.append(c)
            i += 1
    return re.sub(r" {2,}", " ", "".join(out))


def _convert_math(text, fn):
    return MATH_SEGMENT.sub(lambda m: fn(m.group(1) if m.group(1) is not None else m.group(2)), text)


def format_number(x):
    """Numbers as a reader writes them: 1,050,624 / 0.25 / -0.303 / 4.5e-05 (up to 10 significant digits)."""
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return f"{int(x):,}"
    return f"{x:.10g}"


def to_plain(markdown):
    """Plain text for a terminal: math as Unicode, no Markdown marks, links as their text."""
    text = markdown.replace("{,}", ",")
    parts = re.split(r"(`[^`]*`)", text)  # keep code spans verbatim
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(part[1:-1])
            continue
        part = _convert_math(part, latex_to_unicode)
        part = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", part)
        part = re.sub(r"\*\*(.+?)\*\*", r"\1", part)
        part = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", part)
        out.append(part)
    return "".join(out)


def to_html(markdown):
    """Light HTML for widgets (HTMLMath renders the ``$...$`` it leaves in place)."""
    parts = re.split(r"(`[^`]*`|\$\$.+?\$\$|\$.+?\$)", markdown, flags=re.S)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        elif part.startswith("$"):
            out.append(html.escape(part, quote=False))
        else:
            part = html.escape(part, quote=False)
            part = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r'<a href="\2">\1</a>', part)
            part = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", part)
            part = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", part)
            part = re.sub(r"\n\s*\n", "</p><p>", part)
            out.append(part)
    return "<p>" + "".join(out) + "</p>"
