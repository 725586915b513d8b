"""Guest images: an aarch64 minimal guest on this x86_64 host under TCG (the mirror image of scenario C's
aarch64 host running an x86_64 guest; it builds its image on first use), and the download path (CirrOS
layout, checksum verification) against a local HTTP server on 127.0.0.1 serving an image made here; the NoCloud
seed it would get."""
import functools
import hashlib
import http.server
import json
import os
import subprocess
import textwrap
import threading

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(not os.path.exists('/usr/bin/qemu-system-aarch64'), reason='needs QEMU')


def test_aarch64_minimal_guest_under_tcg(run09, names, tmp_path):
    """The guest names its minimal image's directory (minimal_image): the first start builds the image there,
    the minimal_image module then finds it ready, a re-run changes nothing, and the image outlives the guest."""
    dest = str(tmp_path / 'minimal-aarch64')
    br = names('br')
    run09.ok('bridge', name=br)
    run09.ok('address', interface=br, addresses=['10.79.0.1/24'])
    guest = names('arm')
    spec = dict(name=guest, arch='aarch64', accel='tcg', memory='256M', minimal_image=dest,
                append='console=ttyAMA0 quiet vnetlab.ip=10.79.0.6/24 vnetlab.gw=10.79.0.1',
                nics=[{'bridge': br, 'tap': names('tap')}], wait_timeout=240, stop_timeout=1)
    try:
        started = run09.ok('qemu_guest', **spec)
        assert started['changed'] and any(a.startswith('build the minimal aarch64 image') for a in started['actions'])
        image = run09.ok('minimal_image', arch='aarch64', dest=dest)
        assert not image['changed'] and image['kernel_version'].endswith('arm64')
        assert image['console'] == 'ttyAMA0' and image['kernel'] in started['argv']
        # the default CPU: pointer authentication with QEMU's cheap algorithm
        assert 'virt,accel=tcg' in started['argv'] and 'max,pauth-impdef=on' in started['argv']
        assert run09.ok('guest_command', name=guest, command='uname -m')['stdout'].strip() == 'aarch64'
        run09.ok('ping', targets=['10.79.0.6'], count=2)
        again = run09.ok('qemu_guest', **spec)  # the files it was started with are recorded as built
        assert not again['changed'] and again['pid'] == started['pid'], again.get('warnings')
    finally:
        run09('qemu_guest', name=guest, state='absent', stop_timeout=1)
        run09.ok('bridge', name=br, state='absent')
    assert os.path.exists(os.path.join(dest, 'kernel'))  # a cache: kept when the guest goes


@pytest.fixture
def http_server(tmp_path):
    """Serves tmp_path/www on 127.0.0.1 (a mirror of download.cirros-cloud.net's layout)."""
    www = tmp_path / 'www'
    (www / '0.6.2').mkdir(parents=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield www, 'http://127.0.0.1:%d' % server.server_address[1]
    server.shutdown()


def run_role(tmp_path, variables):
    play = tmp_path / 'image.yml'
    play.write_text(textwrap.dedent('''
        - hosts: localhost
          gather_facts: false
          roles: [vnetlab.linux.guest_image]
          post_tasks:
            - ansible.builtin.copy:
                content: "{{ guest_image_result | to_json }}"
                dest: "%s"
                mode: "0644"
        ''' % (tmp_path / 'fact.json')))
    proc = subprocess.run(['ansible-playbook', str(play), '-e', json.dumps(variables)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    return proc, (json.loads((tmp_path / 'fact.json').read_text()) if proc.returncode == 0 else None)


def test_cirros_download_is_verified(http_server, tmp_path):
    www, url = http_server
    img = www / '0.6.2' / 'cirros-0.6.2-x86_64-disk.img'
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', str(img), '64M'], check=True)
    digest = hashlib.sha256(img.read_bytes()).hexdigest()
    (www / '0.6.2' / 'SHA256SUMS').write_text('%s  cirros-0.6.2-x86_64-disk.img\n' % digest)
    cache = tmp_path / 'cache'
    variables = {'guest_image_type': 'cirros', 'guest_image_cirros_base_url': url,
                 'guest_image_cache_dir': str(cache)}
    proc, fact = run_role(tmp_path, variables)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert fact['image'] == str(cache / 'cirros-0.6.2-x86_64-disk.img') and fact['ready_regex'] == 'login: ?$'
    proc, fact = run_role(tmp_path, variables)
    assert proc.returncode == 0 and 'changed=0' in proc.stdout.split('PLAY RECAP')[1]  # cached, not fetched again
    # a tampered mirror is refused
    (cache / 'cirros-0.6.2-x86_64-disk.img').unlink()
    (www / '0.6.2' / 'SHA256SUMS').write_text('%s  cirros-0.6.2-x86_64-disk.img\n' % ('0' * 64))
    proc, fact = run_role(tmp_path, variables)
    assert proc.returncode != 0 and 'checksum' in proc.stdout.lower()
    assert not (cache / 'cirros-0.6.2-x86_64-disk.img').exists()


def test_cloud_init_seed_and_overlay(run09, names, tmp_path):
    base = tmp_path / 'base.qcow2'
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', str(base), '64M'], check=True)
    before = hashlib.sha256(base.read_bytes()).hexdigest()
    guest = names('ci')
    try:
        run09.ok('qemu_guest', name=guest, accel='tcg', memory='128M', image=str(base), disk_size='128M',
                 cloud_init={'user_data': '#!/bin/sh\nip addr add 10.16.0.5/24 dev eth0\n'}, wait_for='qmp',
                 wait_timeout=30, stop_timeout=1)
        seed = '/var/lib/vnetlab/guests/%s/seed.iso' % guest
        with open(seed, 'rb') as f:
            f.seek(0x8028)
            assert f.read(32).decode().strip() == 'cidata'  # the ISO 9660 volume label NoCloud looks for
        listing = subprocess.run(['isoinfo', '-R', '-f', '-i', seed], capture_output=True, text=True,
                                 check=True).stdout.split()
        assert sorted(listing) == ['/meta-data', '/user-data']
        info = json.loads(subprocess.run(['qemu-img', 'info', '-U', '--output=json',
                                          '/var/lib/vnetlab/guests/%s/disk.qcow2' % guest],
                                         capture_output=True, text=True, check=True).stdout)
        assert info['backing-filename'] == str(base) and info['virtual-size'] == 128 * 1024 * 1024
    finally:
        run09('qemu_guest', name=guest, state='absent', stop_timeout=1)
    assert hashlib.sha256(base.read_bytes()).hexdigest() == before  # the base image is never written
