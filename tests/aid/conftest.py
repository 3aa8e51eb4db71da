"""Browser fixtures of tests/web (a live server and Debian's chromium), shared with the aid picture tests."""

from tests.web.conftest import (  # noqa: F401  (pytest finds fixtures and hooks by name)
    browser,
    live_server,
    page,
    phone,
    playwright,
    pytest_collection_modifyitems,
    server,
)
