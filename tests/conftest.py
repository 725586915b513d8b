"""Shared by every test directory: in the full suite (./run-tests sets VNETLAB_NO_SKIPS=1) a test that
skips fails instead, with its reason. What a test needs (a tool, an image, a kernel feature) is installed,
built or provided by the kernel lane first; a skip there would be a green that proves nothing on a fresh
machine. Only a stage without some of that (./run-tests quick) lets tests skip, saying why."""
import os

import pytest

NO_SKIPS = os.environ.get('VNETLAB_NO_SKIPS') == '1'


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIPS and report.skipped and not hasattr(report, 'wasxfail'):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = 'failed'
        report.longrepr = ('%s skipped, which the full suite does not allow (VNETLAB_NO_SKIPS=1): %s'
                           % (item.nodeid, reason))
