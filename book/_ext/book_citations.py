"""One citation style: the bibliography labels its entries the way the text cites them.

The text cites author-year ("Kingma and Ba, 2015", ``bibtex_reference_style: author_year``);
pybtex's default labels on the references page are alphanumeric ("[KB15]"). The style
``dlfund`` registered here is pybtex's ``unsrt`` (which links each entry's ``url``/``doi``)
with author-year labels and entries sorted by author and year.
"""

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def _last_name(person):
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def author_year_label(entry):
    """'Kingma and Ba, 2015', 'He et al., 2016' or 'Hochreiter and Schmidhuber, 1997'."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_last_name(p) for p in people]
    if not names:
        who = entry.fields.get("title", entry.key)
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year_label(entry)


class BookStyle(UnsrtStyle):
    default_label_style = "dlfund-author-year"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "dlfund-author-year", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "dlfund", BookStyle)
