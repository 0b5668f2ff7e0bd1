"""Comment bodies as safe HTML: everything escaped, then links and line breaks put back."""
import re

from markupsafe import Markup, escape

# Matched on already-escaped text, so a link can never carry a quote or a tag out with it.
_URL = re.compile(r"\bhttps?://[^\s<>&\"']+(?:&amp;[^\s<>&\"']+)*", re.IGNORECASE)


def comment_html(body: str) -> Markup:
    escaped = str(escape(body or ""))

    def link(match: re.Match) -> str:
        url = match.group(0).rstrip(".,;:!?)")
        rest = match.group(0)[len(url):]
        return f'<a href="{url}" rel="nofollow ugc noopener" target="_blank">{url}</a>{rest}'

    linked = _URL.sub(link, escaped)
    paragraphs = [part.replace("\n", "<br>") for part in re.split(r"\n{2,}", linked.replace("\r\n", "\n").strip())]
    return Markup("".join(f"<p>{part}</p>" for part in paragraphs if part))
