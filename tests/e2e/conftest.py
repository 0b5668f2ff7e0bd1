"""A live server on a fresh database and Debian's Chromium driven by Playwright."""
import json
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import require

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without these, Chromium reaches for Google's servers, which this network refuses.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # Playwright waits 5 s for an expectation by default; a sign-in (argon2) on a CI machine whose two cores
    # are shared with the rest of the suite was seen to take longer. A page that never comes still fails.
    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def axe_violations():
    """Run axe-core in the page and return its violations, each as 'rule: target'."""
    require(AXE.exists(), f"axe-core is not installed at {AXE} (npm ci)")
    source = AXE.read_text()

    def check(page) -> list[str]:
        page.add_script_tag(content=source)
        violations = page.evaluate("async () => (await axe.run(document)).violations")
        return [f"{v['id']}: {json.dumps([n['target'] for n in v['nodes']])}" for v in violations]

    return check
