"""The book's chapters, in one table: number, label, notebook, title and graded exercises.

Every other list of chapters is derived from :data:`BOOK`: the grader's registry
(`dlfund.grading.registry`: which exercise module grades which chapter, and the titles
`progress()` shows) and the interview bank's labels (`dlfund.interview.schema.CHAPTERS`).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    number: int  # None for a page outside the numbered chapters (the quiz)
    label: str  # the MyST label `(label)=` above the notebook's title
    doc: str  # the notebook, without its suffix
    title: str
    exercises: str = None  # module of dlfund.grading.exercises that grades the chapter, if any

    @property
    def heading(self):
        """'Chapter 4: Optimization algorithms' (the title alone for an unnumbered page)."""
        return f"Chapter {self.number}: {self.title}" if self.number is not None else self.title


BOOK = (
    Chapter(1, "ch-intro", "book/01_what_is_deep_learning", "What is deep learning"),
    Chapter(2, "ch-foundations", "book/02_foundations", "Foundations of neural networks", "ch02_foundations"),
    Chapter(3, "ch-training", "book/03_training", "How to train a neural network", "ch03_training"),
    Chapter(4, "ch-optimizers", "book/04_optimizers", "Optimization algorithms", "ch04_optimizers"),
    Chapter(
        5, "ch-regularization", "book/05_regularization", "Regularization and generalization", "ch05_regularization"
    ),
    Chapter(6, "ch-vanishing", "book/06_vanishing_gradients", "The vanishing gradient problem", "ch06_vanishing"),
    Chapter(7, "ch-exploding", "book/07_exploding_gradients", "The exploding gradient problem", "ch07_exploding"),
    Chapter(8, "ch-rnn", "book/08_rnn_lstm", "Sequence modelling with RNNs and LSTMs", "ch08_rnn"),
    Chapter(9, "ch-interview", "book/09_interview", "Interview preparation"),
    Chapter(None, "ch-quiz", "book/09b_quiz", "Quiz"),
)


def graded():
    """{chapter number: exercise module name} for the chapters with graded exercises."""
    return {c.number: c.exercises for c in BOOK if c.exercises}


def titles():
    """{chapter number: title} for the numbered chapters."""
    return {c.number: c.title for c in BOOK if c.number is not None}
