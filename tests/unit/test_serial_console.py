"""What a command printed, read from the guest's console between its markers."""
import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest.serial_console import framed_output

TYPED = "printf '\\n__VNL_B%s__\\n' abc; ping -c 2 x\n"
ECHO = "printf '\\n__VNL_E%s_%d__\\n' abc $?"


def test_output_between_the_markers():
    text = TYPED + '\n__VNL_Babc__\nPING x\n2 packets received\n' + ECHO + '\n\n__VNL_Eabc_0__\n# '
    assert framed_output(text, 'abc') == (0, 'PING x\n2 packets received')


def test_the_echo_of_the_next_line_right_after_the_begin_marker():
    """The terminal echoed the end marker's line before the begin marker's newline (seen under TCG)."""
    text = TYPED + '\n__VNL_Babc__' + ECHO + '\nPING x\n2 packets received\n\n__VNL_Eabc_0__\n# '
    assert framed_output(text, 'abc') == (0, 'PING x\n2 packets received')


def test_the_exit_status_travels_in_the_end_marker():
    assert framed_output('\n__VNL_Babc__\nno\n\n__VNL_Eabc_1__\n', 'abc') == (1, 'no')


def test_no_end_marker_is_an_error():
    with pytest.raises(VnetlabError, match='end marker'):
        framed_output('\n__VNL_Babc__\nhalf', 'abc')
