"""Europresse HTML exports -> documents (one per article), then a corpus.

Europresse (the press database of French universities) exports a result list as one HTML file in which each
article is an ``<article>`` element: a ``<header>`` with the newspaper (``span.DocPublicationName``), a line
with the section, the date and the length (``span.DocHeader``), the title (``.titreArticle``,
``p.titreArticleVisu``) and the author (``p.sm-margin-bottomNews`` or ``.docAuthors``); a ``<section>`` with the
text (``div.docOcurrContainer`` inside ``div.DocText``); a ``<footer>`` with the copyright and Europresse's
document number (``.publiC-lblNodoc``). Everything outside the articles (the search summary, the portal's
header and footer) and the footer of each article are boilerplate and left out, as are the « Cet article est
paru dans… », « Note(s) : » and « © … Tous droits réservés » lines.

The layout was learnt from public converters (CERES-Sorbonne's europarser, Europresse-to-IRaMuTeQ scripts and R
importers using ``rvest``); the parser is written with the standard library's ``html.parser``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd

from aictlab import schema as S
from aictlab.errors import CorpusError

#: Suffixes of Europresse exports (compared lowercased).
HTML_SUFFIXES = (".html", ".htm")

__all__ = ["HTML_SUFFIXES", "europresse_articles", "europresse_documents", "europresse_files"]

_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_DATE_FR = re.compile(r"\b(\d{1,2})(?:er)?\s+([^\W\d_]+)\s+(\d{4})\b")
_DATE_EN = re.compile(r"\b([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})\b")
_WEEKDAY = re.compile(
    r",?\s*\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)\b.*$",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"^(Cet article est paru dans|Note\(s\)\s*:|©|Tous droits réservés|This article appeared in|"
    r"Retour à la liste|Voir aussi)",
    re.IGNORECASE,
)
_BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "section", "header", "footer", "article"}
_VOID = {"br", "img", "meta", "link", "input", "hr", "col", "area", "base", "wbr", "source"}


class _Node:
    __slots__ = ("tag", "classes", "children", "parent")

    def __init__(self, tag: str, classes: set[str], parent: _Node | None):
        self.tag, self.classes, self.children, self.parent = tag, classes, [], parent

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[_Node]:
        out, stack = [], list(reversed(self.children))
        while stack:
            node = stack.pop()
            if isinstance(node, _Node):
                if (tag is None or node.tag == tag) and (cls is None or cls in node.classes):
                    out.append(node)
                stack.extend(reversed(node.children))
        return out

    def find(self, tag: str | None = None, cls: str | None = None) -> _Node | None:
        found = self.find_all(tag, cls)
        return found[0] if found else None

    def lines(self) -> list[str]:
        """Text lines: block elements break lines, inline text is joined and its white space collapsed."""
        parts: list[str] = []

        def walk(node):
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    if child.tag in _BLOCKS:
                        parts.append("\n")
                    walk(child)
                    if child.tag in _BLOCKS:
                        parts.append("\n")

        walk(self)
        return [ln for ln in (re.sub(r"\s+", " ", x).strip() for x in "".join(parts).split("\n")) if ln]

    def text(self) -> str:
        return " ".join(self.lines())


class _TreeBuilder(HTMLParser):
    """A forgiving DOM of the export (unclosed ``<p>`` and void tags tolerated)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", set(), None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        node = _Node(tag, classes, self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def _date(text: str) -> str | None:
    """ISO date of « mardi 5 mars 2019 » or « March 5, 2019 » in a header line, None if there is none."""
    for match in _DATE_FR.finditer(text):
        month = _MONTHS.get(match.group(2).lower())
        if month:
            return f"{int(match.group(3)):04d}-{month:02d}-{int(match.group(1)):02d}"
    for match in _DATE_EN.finditer(text):
        month = _MONTHS.get(match.group(1).lower())
        if month:
            return f"{int(match.group(3)):04d}-{month:02d}-{int(match.group(2)):02d}"
    return None


def _source(publication: str) -> str:
    """The newspaper's name without the issue number or edition (« Le Monde, no. 23012 » -> « Le Monde »)."""
    name = re.split(r",|\(|\s+no\.|\s+n°|\s+-\s+|;", publication, maxsplit=1)[0]
    return name.strip()


def europresse_articles(html: str, *, where: str = "Europresse file") -> list[dict[str, Any]]:
    """The articles of one Europresse export, as dicts (see :func:`europresse_documents` for the keys).

    Raises
    ------
    CorpusError
        No ``<article>`` with a newspaper name (not a Europresse export), or an article without a date or text;
        the message names the file and the article's rank and title.
    """
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    articles = [a for a in builder.root.find_all("article") if a.find("span", "DocPublicationName")]
    if not articles:
        raise CorpusError(
            f"{where}: not a Europresse export (no <article> with a DocPublicationName); in Europresse, select "
            "the articles and save them as HTML (« Exporter / Format HTML »)."
        )
    out = []
    for number, article in enumerate(articles, start=1):
        publication = article.find("span", "DocPublicationName").text()
        header_node = article.find("span", "DocHeader")
        header = header_node.text() if header_node else ""
        title_node = article.find(None, "titreArticleVisu") or article.find(None, "titreArticle")
        title = title_node.text() if title_node else ""
        here = f"{where}, article {number} ({title[:60]!r})"
        date = _date(header) or _date(
            article.find(None, "rdp__DocHeader").text() if article.find(None, "rdp__DocHeader") else ""
        )
        if date is None:
            raise CorpusError(
                f"{here}: no date in its header {header!r}; is this a Europresse article export?"
            )
        author_node = article.find(None, "docAuthors") or article.find("p", "sm-margin-bottomNews")
        body = article.find("div", "docOcurrContainer") or article.find("div", "DocText")
        lines = [ln for ln in (body.lines() if body else []) if not _BOILERPLATE.match(ln)]
        if not lines:
            raise CorpusError(
                f"{here}: the article has no text (an image or a PDF page?); leave it out of the export."
            )
        nodoc = article.find(None, "publiC-lblNodoc")
        out.append(
            {
                "title": title,
                "source": _source(publication),
                "publication": publication,
                S.DATE: date,
                "author": author_node.text() if author_node else "",
                "section": _WEEKDAY.sub("", header).strip(" ,") if header else "",
                "header": header,
                "europresse_id": nodoc.text() if nodoc else "",
                S.RAW_TEXT: "\n\n".join(lines),
            }
        )
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "europresse"


def europresse_files(path: str | Path) -> list[Path]:
    """The export files of ``path``: the file itself, or a folder's ``.html``/``.htm`` files (any case), in name
    order.

    Raises
    ------
    CorpusError
        A missing path, or a folder without HTML file.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in HTML_SUFFIXES)
        if not files:
            raise CorpusError(f"{path}: no .html file; put the Europresse HTML exports in this folder.")
        return files
    if path.is_file():
        return [path]
    raise CorpusError(f"{path}: no such Europresse file or folder.")


def europresse_documents(path: str | Path, *, title_in_text: bool = False) -> pd.DataFrame:
    """Read a Europresse HTML export (or a folder of them) as a documents table, one row per article.

    Parameters
    ----------
    path : str or Path
        An ``.html``/``.htm`` export (any case), or a folder whose ``*.htm*`` files are all exports (read in
        name order).
    title_in_text : bool, default=False
        Put the title as the first paragraph of ``raw_text`` (counted by every measure); by default it is only
        the ``title`` column.

    Returns
    -------
    DataFrame
        ``doc_id`` (``<file stem>_<rank>``), ``file``, ``date`` (ISO), ``year``, ``title``, ``source`` (the
        newspaper), ``publication`` (as Europresse writes it, with issue number), ``author``, ``section``,
        ``header``, ``europresse_id``, ``raw_text`` (paragraphs separated by blank lines). Ready for
        :func:`aictlab.corpus.read_europresse` (which builds the corpus); ``source`` and ``section`` are
        document variables.

    Raises
    ------
    CorpusError
        A missing path, a folder without HTML file, a file that is not a Europresse export, an article without
        date or text; the message names the file and the article.
    """
    from aictlab.io import decode_text

    rows = []
    files = europresse_files(path)
    for file in files:
        for rank, article in enumerate(
            europresse_articles(decode_text(file.read_bytes(), path=file), where=str(file)), 1
        ):
            rows.append({S.DOC_ID: f"{_slug(file.stem)}_{rank:04d}", S.FILE: file.name, **article})
    documents = pd.DataFrame(rows)
    if title_in_text:
        documents[S.RAW_TEXT] = [
            f"{t}\n\n{x}" if t else x for t, x in zip(documents["title"], documents[S.RAW_TEXT], strict=True)
        ]
    documents.insert(3, S.YEAR, documents[S.DATE].str[:4].astype(int))
    return documents
