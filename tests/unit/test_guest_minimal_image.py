"""A guest that boots vnetlab's minimal image by its directory (minimal_image): what it implies for the
guest's options, which cached image counts as ready (and so is not built again), and the input refused."""
import json

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import images, qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import guest


def params(**overrides):
    p = dict((k, v.get('default')) for k, v in guest.OPTIONS.items())
    p.update(name='vm0', **overrides)
    return p


def test_it_sets_the_kernel_initrd_console_and_ready_line():
    d = guest.KIND.desired(params(minimal_image='/cache/minimal-aarch64', arch='aarch64'))
    assert (d['kernel'], d['initrd']) == ('/cache/minimal-aarch64/kernel', '/cache/minimal-aarch64/initrd.img')
    assert d['append'] == 'console=ttyAMA0 quiet'
    assert d['wait_for'] == images.READY_MARK


def test_given_options_win_over_its_defaults():
    d = guest.KIND.desired(params(minimal_image='/cache/m', append='console=ttyS0 vnetlab.ip=10.0.0.5/24',
                                  wait_for='none'))
    assert d['append'] == 'console=ttyS0 vnetlab.ip=10.0.0.5/24' and d['wait_for'] == 'none'


def test_without_it_the_guest_waits_for_qmp():
    assert guest.KIND.desired(params(kernel='/k'))['wait_for'] == 'qmp'


@pytest.mark.parametrize('other', ['image', 'kernel', 'initrd', 'firmware'])
def test_it_excludes_the_other_boot_files(other):
    with pytest.raises(ParamError) as e:
        guest.KIND.desired(params(minimal_image='/cache/m', **{other: '/x'}))
    assert e.value.param == 'minimal_image' and other in str(e.value)


def test_a_relative_directory_is_refused():
    with pytest.raises(ParamError) as e:
        guest.KIND.desired(params(minimal_image='images/m'))
    assert 'absolute path' in str(e.value) and '/var/cache/vnetlab/images/minimal-x86_64' in str(e.value)


def write_image(dest, arch='x86_64', package=None, files=True, **manifest):
    dest.mkdir(parents=True, exist_ok=True)
    package = package or images.default_kernel_package(arch)
    kernel, initrd = images.image_files(str(dest))
    if files:
        for path in (kernel, initrd):
            open(path, 'w').close()
    record = dict(arch=arch, kernel_package=package, fingerprint=images.fingerprint(arch, package), kernel=kernel,
                  initrd=initrd)
    record.update(manifest)
    (dest / images.MANIFEST).write_text(json.dumps(record))


def test_a_complete_image_of_this_builder_is_ready(tmp_path):
    write_image(tmp_path / 'm')
    assert images.ready_manifest(str(tmp_path / 'm'), 'x86_64')['arch'] == 'x86_64'


def test_an_image_built_from_another_kernel_package_is_ready_too(tmp_path):
    """minimal_image builds with the default package only when nothing usable is there: an image made by the
    minimal_image module from a kernel package of the user's choice is booted as it is."""
    write_image(tmp_path / 'm', package='linux-image-amd64')
    assert images.ready_manifest(str(tmp_path / 'm'), 'x86_64') is not None
    assert images.ready_manifest(str(tmp_path / 'm'), 'x86_64', images.default_kernel_package('x86_64')) is None


@pytest.mark.parametrize('case', ['no manifest', 'other arch', 'stale builder', 'files missing'])
def test_an_image_that_is_not_ready_is_built(tmp_path, case):
    dest = tmp_path / 'm'
    if case == 'no manifest':
        dest.mkdir()
    elif case == 'other arch':
        write_image(dest, arch='aarch64')
    elif case == 'stale builder':
        write_image(dest, fingerprint='0123456789abcdef')
    else:
        write_image(dest, files=False)
    assert images.ready_manifest(str(dest), 'x86_64') is None


def test_the_directory_is_normalised_and_may_not_hold_a_comma():
    d = guest.KIND.desired(params(minimal_image='/cache//m/'))
    assert d['minimal_image'] == '/cache/m' and d['kernel'] == '/cache/m/kernel'  # one lock name per directory
    with pytest.raises(ParamError) as e:
        guest.KIND.desired(params(minimal_image='/cache/a,b'))
    assert e.value.param == 'minimal_image'


def test_an_empty_wait_for_still_means_no_wait():
    assert guest.KIND.desired(params(minimal_image='/cache/m', wait_for=''))['wait_for'] == ''


def test_an_image_of_another_arch_is_never_built_over(monkeypatch, tmp_path):
    monkeypatch.setattr(qemu, 'RUN_DIR', str(tmp_path / 'run'))
    monkeypatch.setattr(qemu, 'STATE_DIR', str(tmp_path / 'lib'))
    write_image(tmp_path / 'images' / 'm', arch='aarch64')
    d = guest.KIND.desired(params(minimal_image=str(tmp_path / 'images' / 'm'), accel='tcg'))
    with pytest.raises(ParamError) as e:
        guest.KIND.read_local(d, None)
    assert 'holds the minimal image of aarch64 guests' in str(e.value) and 'minimal-x86_64' in str(e.value)


def test_a_missing_image_is_planned_for_building_not_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(qemu, 'RUN_DIR', str(tmp_path / 'run'))
    monkeypatch.setattr(qemu, 'STATE_DIR', str(tmp_path / 'lib'))
    d = guest.KIND.desired(params(minimal_image=str(tmp_path / 'm'), accel='tcg'))
    local = guest.KIND.read_local(d, None)
    assert local['build'] and local['cfg']['kernel_id'] is None  # recorded once the build has run
