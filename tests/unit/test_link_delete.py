"""Deleting a link that the kernel removes on its own meanwhile (a veth end whose peer's namespace was
just removed: the kernel deletes the pair asynchronously) is done, not a failure; any other error is."""
import errno

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import NetlinkError
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import links


class Ipr:
    """The two requests delete_link makes: the lookup finds the link, the delete answers `code`."""

    def __init__(self, code):
        self.code, self.deleted = code, []

    def link_lookup(self, ifname):
        return [7]

    def link(self, command, index):
        self.deleted.append((command, index))
        if self.code:
            raise NetlinkError(self.code, 'from the kernel')


class Visit:
    def __init__(self, code):
        self.ipr = Ipr(code)


def test_a_link_gone_between_lookup_and_delete_is_deleted():
    visit = Visit(errno.ENODEV)
    links.delete_link('vt0hb')(visit)
    assert visit.ipr.deleted == [('del', 7)]


@pytest.mark.parametrize('code', [errno.EPERM, errno.EBUSY])
def test_other_errors_of_the_delete_are_raised(code):
    with pytest.raises(NetlinkError):
        links.delete_link('vt0hb')(Visit(code))
