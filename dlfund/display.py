"""Show package code inside the book and notebooks, so the text can never drift from `dlfund`."""

import inspect


def show_source(obj):
    """Display the source of a dlfund function or class as a highlighted code block.

    In Jupyter (and the built book) it renders as Markdown; elsewhere it returns the text.
    """
    src = inspect.getsource(obj)
    module = inspect.getmodule(obj).__name__
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        if get_ipython() is not None:
            display(Markdown(f"`{module}.{obj.__qualname__}`\n\n```python\n{src}```"))
            return None
    except ImportError:  # pragma: no cover - IPython is always present with Jupyter
        pass
    return src
