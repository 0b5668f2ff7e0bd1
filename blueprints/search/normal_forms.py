"""The forms a shopper may type for a word, written into the search index beside the text itself and
made from each query the same way: English stems (Snowball), words joined across hyphens and spaces
(`cast iron` → `castiron`, `500 ml` → `500ml`), and for Chinese the pinyin and initials of the words
jieba finds (`龙井茶` → `longjingcha`, `ljc`). Matching stays a substring match, so a query's stem
finds every inflection of a word, and a document's stem is stored only where it is not already a
substring of the word (`battery` → `batteri`).

pypinyin and jieba each take 50–80 MB once loaded, so they are imported when a document is indexed,
never when the app starts or a query is read; a query is cut into words the index already holds."""
import functools
import re
import threading

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK}]+")
LATIN_WORD = re.compile(r"[a-z0-9]+(?:[-'’][a-z0-9]+)*")
SCRIPT_PIECE = re.compile(f"[{CJK}]+|[^{CJK}]+")
HYPHENS = re.compile(r"[-‐‑–—_/·・]+")
PINYIN_WORDS = 3    # a romanised form spans at most this many words (`xihulongjing`)...
INITIALS_WORDS = 4  # ...and initials this many (`xhljc`)
LONGEST_WORD = 8    # the longest Chinese word looked up when cutting a query


_per_thread = threading.local()


def stem(word: str) -> str:
    # PyStemmer's stemmers are not thread-safe: one per thread.
    if not hasattr(_per_thread, "stemmer"):
        import Stemmer

        _per_thread.stemmer = Stemmer.Stemmer("english")
    return _per_thread.stemmer.stemWord(word)


def _latin_forms(words: list[str], *, join_neighbours: bool) -> list[str]:
    forms = []
    for word in words:
        parts = [part for part in HYPHENS.split(word) if part]
        if len(parts) > 1:
            forms.append("".join(parts))
        for part in parts:
            stemmed = stem(part)
            if stemmed not in part:
                forms.append(stemmed)
    for first, second in zip(words, words[1:]):
        # Titles: any two neighbours (`castiron`); elsewhere a number and its unit (`500ml`).
        if join_neighbours or (first.isdigit() and second.isalpha()):
            forms.append(HYPHENS.sub("", first + second))
    return forms


@functools.cache
def _segmenter():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # not a line on stderr for each process that loads its dictionary
    return jieba


def _chinese_words(run: str) -> list[str]:
    return _segmenter().lcut(run, HMM=False)


def _romanised_forms(run: str) -> tuple[list[str], list[str]]:
    """The pinyin and initials of each stretch of words starting at a word of `run`, and the words."""
    from pypinyin import Style, lazy_pinyin

    words = _chinese_words(run)
    syllables = [lazy_pinyin(word, style=Style.NORMAL) for word in words]
    initials = [[syllable[0] for syllable in word] for word in syllables]
    forms = []
    for start in range(len(words)):
        forms.append("".join("".join(word) for word in syllables[start:start + PINYIN_WORDS]))
        letters = "".join("".join(word) for word in initials[start:start + INITIALS_WORDS])
        if len(letters) > 1:
            forms.append(letters)
    return forms, [word for word in words if len(word) > 1]


def document_forms(title_texts: list[str], other_texts: list[str]) -> tuple[str, str, set[str]]:
    """The normal forms of a document's titles and of its other text, and the words to remember for
    cutting queries and suggesting spellings."""
    title_forms, other_forms, vocabulary = [], [], set()
    for text in filter(None, title_texts):
        text = text.lower()
        words = LATIN_WORD.findall(text)
        title_forms += _latin_forms(words, join_neighbours=True)
        vocabulary.update(part for word in words for part in HYPHENS.split(word) if len(part) > 2
                          and not part.isdigit())
        for run in CJK_RUN.findall(text):
            forms, chinese_words = _romanised_forms(run)
            title_forms += forms
            vocabulary.update(chinese_words)
    for text in filter(None, other_texts):
        other_forms += _latin_forms(LATIN_WORD.findall(text.lower()), join_neighbours=False)
    return (" ".join(dict.fromkeys(title_forms)), " ".join(dict.fromkeys(other_forms)),
            {word for word in vocabulary if len(word) <= 64})


# Queries

def query_pieces(term: str) -> list[str]:
    """A query word split where a shopper might have put a space: at hyphens and between scripts
    (`cast-iron` → cast, iron; `保温杯500ml` → 保温杯, 500ml)."""
    return [piece for part in HYPHENS.split(term) for piece in SCRIPT_PIECE.findall(part) if piece.strip()]


def chinese_substrings(run: str) -> list[str]:
    return [run[start:end] for start in range(len(run))
            for end in range(start + 2, min(len(run), start + LONGEST_WORD) + 1)]


def cut_into_known_words(run: str, known: set[str]) -> list[str]:
    """`run` cut at the longest known word at each point (forward maximum matching); a character no
    known word starts with stays with the word before it."""
    words: list[str] = []
    start = 0
    while start < len(run):
        end = next((end for end in range(min(len(run), start + LONGEST_WORD), start + 1, -1)
                    if run[start:end] in known), start + 1)
        if end == start + 1 and words:
            words[-1] += run[start]
        else:
            words.append(run[start:end])
        start = end
    return words


def alternatives(piece: str) -> list[str]:
    """What a latin query piece may match: its stem, which every inflection holds (pinyin and initials
    are matched as they are: the stem of `longjing` is inside `longjingcha`)."""
    stemmed = stem(piece)
    found = [stemmed if len(stemmed) >= 3 or len(piece) < 3 else piece]
    if found[0] not in piece:  # `battery` → `batteri`: a document indexed before its stems were still has the word
        found.append(piece)
    return found
