"""What a command printed, read from the guest's console between its markers."""
import subprocess

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest.serial_console import framed_output, typed_line

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


@pytest.mark.parametrize('command, rc, output', [
    ("echo 'it''s' \"$((1+1))\"", 0, 'its 2'),
    ("echo it\\'s", 0, "it's"),
    ('false', 1, ''),
    ('echo kept # a comment', 0, 'kept'),
    ('true &', 0, ''),
    # a syntax error or an exit is the command's status, and the end marker still comes, in an
    # interactive shell as on a console (which would abort the line, or log out, without the subshell)
    ('if then', 2, None),
    ('exit 3', 3, ''),
    ('echo one\necho two', 0, 'one\ntwo'),
])
def test_the_typed_line_through_a_real_shell(command, rc, output):
    """One line, ended by the only carriage return: the shell reads it all before the command runs."""
    line = typed_line(command, 'abc')
    assert line.endswith('\r') and line.count('\r') == 1
    done = subprocess.run(['sh', '-i', '-c', line[:-1]], capture_output=True, text=True, timeout=10, check=False)
    got_rc, got = framed_output(done.stdout, 'abc')
    assert got_rc == rc
    if output is not None:
        assert got == output
