"""The Debian cloud-init test image (tests/fixtures/debian_image.py) as a session fixture: built on first
use (a few minutes, packages from Debian's mirror), then reused from /var/cache/vnetlab-test/images.
Tests that use it skip only where it cannot be built (no mmdebstrap or QEMU); CI installs both."""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures'))
import debian_image  # noqa: E402


def report(config, line):
    """A line on the terminal even while pytest captures output (timings worth seeing in CI's log)."""
    capture = config.pluginmanager.getplugin('capturemanager')
    with capture.global_and_fixture_disabled():
        sys.stdout.write('\n%s\n' % line)
        sys.stdout.flush()


@pytest.fixture(scope='session')
def cloud_image(request):
    """An Image of the amd64 cloud-init guest: .disk, .kernel, .initrd, .append, .user, .manifest."""
    for tool in ('mmdebstrap', 'mke2fs', 'qemu-img', 'qemu-system-x86_64'):
        if not shutil.which(tool):
            pytest.skip('the Debian test image needs %s (./run-tests installs it)' % tool)
    image, seconds = debian_image.ensure(debian_image.guest_recipe('amd64'))
    how = 'reused from the cache' if seconds is None else 'built in %.0fs' % seconds
    report(request.config, 'Debian test image %s: %s (%d MiB)' % (how, image.path, image.manifest['disk_mib']))
    return image
