# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for homelab.swarm.swarm_host_facts.

The module reads files and runs commands on the host. run_module() runs its main() against a FakeHost:
the files it opens, the directories it tests and lists, os.stat, os.uname, platform.release, pwd and grp,
the executables get_bin_path() finds and the result of each command run_command() is asked to run (any
other command fails the test). The command outputs are written after those of a Debian bookworm node
(docker.io 20.10.24, nftables 1.0.6, ufw 0.36.2, iproute2 6.1).
"""

from __future__ import annotations

import io
import json
import os
import types

from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.homelab.swarm.plugins.module_utils import docker_cli
from ansible_collections.homelab.swarm.plugins.modules import swarm_host_facts
from ansible_collections.homelab.swarm.tests.unit.plugins.modules.utils import DOCKER, ExitJson, FailJson, FakeTime, fail_json


IP = '/usr/sbin/ip'
MODPROBE = '/usr/sbin/modprobe'
UFW = '/usr/sbin/ufw'
FIREWALL_CMD = '/usr/bin/firewall-cmd'
NFT = '/usr/sbin/nft'
SYSTEMCTL = '/usr/bin/systemctl'
DPKG_QUERY = '/usr/bin/dpkg-query'
BINS = {'docker': DOCKER, 'ip': IP, 'modprobe': MODPROBE, 'ufw': UFW, 'firewall-cmd': FIREWALL_CMD, 'nft': NFT,
        'systemctl': SYSTEMCTL, 'dpkg-query': DPKG_QUERY}

RELEASE = '6.1.0-28-amd64'
UNAME = os.uname_result(('Linux', 'manager1.lab.example', RELEASE, '#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1', 'x86_64'))

DEFAULT_PACKAGES = ['docker*', 'containerd*', 'runc', 'python3-docker', 'python3-jsondiff', 'python3-yaml']
# The module passes a backslash and an n: dpkg-query makes them a newline.
DPKG_FORMAT = '${Package} ${db:Status-Status} ${Version}\\n'
DPKG = [DPKG_QUERY, '-W', '-f', DPKG_FORMAT] + DEFAULT_PACKAGES
DOCKER_INFO = [DOCKER, 'info', '--format', '{{json .Swarm}}']
IMAGE_LS = [DOCKER, 'image', 'ls', '--no-trunc', '--format', '{{json .}}']
IP_ROUTE = [IP, '-4', 'route', 'get', '8.8.8.8']
IP_ADDR = [IP, '-4', '-o', 'addr', 'show']
UFW_STATUS = [UFW, 'status']
FIREWALLD_STATE = [FIREWALL_CMD, '--state']
NFT_RULESET = [NFT, '--json', 'list', 'ruleset']
C_LOCALE = {'environ_update': {'LC_ALL': 'C'}}

DEBIAN_12 = '''PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
'''

UBUNTU_2404 = '''PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=noble
LOGO=ubuntu-logo
'''

ROCKY_9 = '''NAME="Rocky Linux"
VERSION="9.4 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.4"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Rocky Linux 9.4 (Blue Onyx)"
REDHAT_SUPPORT_PRODUCT="Rocky Linux"
REDHAT_SUPPORT_PRODUCT_VERSION="9.4"
'''

ROUTE_VIA = '8.8.8.8 via 172.24.0.1 dev eth0 src 172.24.0.2 uid 0 \n    cache \n'
ROUTE_DIRECT = '8.8.8.8 dev wg0 src 10.8.0.2 uid 0 \n    cache \n'
ROUTE_NO_SRC = '8.8.8.8 dev eth0 uid 0 \n    cache \n'

IP_ADDR_OUTPUT = '\n'.join([
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '2: eth0    inet 172.24.0.2/16 brd 172.24.255.255 scope global eth0\\       valid_lft forever preferred_lft forever',
    '2: eth0    inet 172.24.0.9/16 brd 172.24.255.255 scope global secondary eth0\\       valid_lft forever preferred_lft forever',
    '3: docker0    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0\\       valid_lft forever preferred_lft forever',
    '5: docker_gwbridge    inet 172.18.0.1/16 brd 172.18.255.255 scope global docker_gwbridge\\       valid_lft forever preferred_lft forever',
    '7: br-3f2a1b9c0d4e    inet 172.19.0.1/16 brd 172.19.255.255 scope global br-3f2a1b9c0d4e\\       valid_lft forever preferred_lft forever',
    '9: veth1@if5    inet 10.0.0.2/24 brd 10.0.0.255 scope global veth1\\       valid_lft forever preferred_lft forever',
    '11: ppp0    inet 10.64.64.64 peer 10.64.64.65/32 scope global ppp0\\       valid_lft forever preferred_lft forever',
    '',
])

INTERFACES = {
    'lo': {'ipv4': {'address': '127.0.0.1', 'prefix': '8'}},
    'eth0': {'ipv4': {'address': '172.24.0.2', 'prefix': '16'}},
    'docker0': {'ipv4': {'address': '172.17.0.1', 'prefix': '16'}},
    'docker_gwbridge': {'ipv4': {'address': '172.18.0.1', 'prefix': '16'}},
    'br_3f2a1b9c0d4e': {'ipv4': {'address': '172.19.0.1', 'prefix': '16'}},
    'veth1': {'ipv4': {'address': '10.0.0.2', 'prefix': '24'}},
    'ppp0': {'ipv4': {'address': '10.64.64.64', 'prefix': '32'}},
}

DPKG_OUTPUT = '\n'.join([
    'containerd installed 1.6.20~ds1-1+b1',
    # A package dpkg knows but is not installed has no version: the line ends with the space before it.
    'docker-compose not-installed ',
    'docker.io installed 20.10.24+dfsg1-1+deb12u1',
    'runc installed 1.1.5+ds1-1+deb12u1',
    'python3-docker installed 5.0.3-1',
    'python3-yaml config-files 6.0-3',
    '',
])
DPKG_STDERR = 'dpkg-query: no packages found matching python3-jsondiff\n'
PACKAGES = {
    'containerd': '1.6.20~ds1-1+b1',
    'docker.io': '20.10.24+dfsg1-1+deb12u1',
    'runc': '1.1.5+ds1-1+deb12u1',
    'python3-docker': '5.0.3-1',
}

SWARM = {
    'NodeID': 'x2kq9x0o6a6n0cfgl2l1v1c8w',
    'NodeAddr': '172.24.0.2',
    'LocalNodeState': 'active',
    'ControlAvailable': True,
    'Error': '',
    'RemoteManagers': [{'NodeID': 'x2kq9x0o6a6n0cfgl2l1v1c8w', 'Addr': '172.24.0.2:2377'}],
    'Nodes': 4,
    'Managers': 3,
}
INACTIVE_SWARM = {'NodeID': '', 'NodeAddr': '', 'LocalNodeState': 'inactive', 'ControlAvailable': False, 'Error': '',
                  'RemoteManagers': None}

DAEMON_JSON = '/etc/docker/daemon.json'
DAEMON_JSON_CONTENT = b'{\n  "log-driver": "local",\n  "live-restore": false\n}\n'
DAEMON_JSON_SHA1 = 'a895a037934c7ef0ed0befb381018465c413a8be'

BUSYBOX_ID = 'sha256:1b3ad0cc1fc6f3f80f8e8b8f6f3b8a4e1de3e5fb9b24b1a7e0c5f2f3b5b2c6d1'
REGISTRY_ID = 'sha256:75ef5b734af47dc41ff2fb442f287ee08c7da31dddb3759616a8f693f0f346a0'
DANGLING_ID = 'sha256:0c4a3ee5b8f2d1d9d3e8a0f6b7c2e1d4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0'


def image_row(image_id, repository, tag):
    """One line of docker image ls --no-trunc --format '{{json .}}' (Go escapes < and >)."""
    return json.dumps({'Containers': 'N/A', 'CreatedAt': '2026-11-28 10:01:02 +0000 UTC', 'CreatedSince': '2 days ago',
                       'Digest': '<none>', 'ID': image_id, 'Repository': repository, 'SharedSize': 'N/A',
                       'Size': '4.26MB', 'Tag': tag, 'UniqueSize': 'N/A', 'VirtualSize': '4.261MB'},
                      sort_keys=True).replace('<', '\\u003c').replace('>', '\\u003e')


IMAGE_LS_OUTPUT = '\n'.join([
    image_row(BUSYBOX_ID, 'hsw-busybox', '1'),
    image_row(REGISTRY_ID, 'registry', '2'),
    image_row(BUSYBOX_ID, 'hsw-busybox', 'latest'),
    image_row(DANGLING_ID, '<none>', '<none>'),
    image_row(REGISTRY_ID, 'localhost:5000/registry', '<none>'),
    '',
])
IMAGES = [
    {'Id': BUSYBOX_ID, 'RepoTags': ['hsw-busybox:1', 'hsw-busybox:latest']},
    {'Id': REGISTRY_ID, 'RepoTags': ['registry:2']},
    {'Id': DANGLING_ID, 'RepoTags': []},
]

NFT_JSON = {'nftables': [
    {'metainfo': {'version': '1.0.6', 'release_name': 'Lester Gooch #5', 'json_schema_version': 1}},
    {'table': {'family': 'inet', 'name': 'filter', 'handle': 1}},
    {'chain': {'family': 'inet', 'table': 'filter', 'name': 'input', 'handle': 1, 'type': 'filter', 'hook': 'input',
               'prio': 0, 'policy': 'accept'}},
]}

UFW_ACTIVE = '''Status: active

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW       Anywhere
2377/tcp                   ALLOW       172.24.0.0/16
'''

PROC_MODULES = '''nf_conntrack 176128 3 xt_conntrack,nf_nat,xt_MASQUERADE, Live 0x0000000000000000
veth 36864 0 - Live 0x0000000000000000
'''
MODULES_BUILTIN = '''kernel/fs/ext4/ext4.ko
kernel/net/bridge/br_netfilter.ko
kernel/net/netfilter/xt_ipvs.ko
'''


def stat_result(mode=0o100644, uid=0, gid=0, size=0):
    return os.stat_result((mode, 1, 1, 1, uid, gid, size, 0, 0, 0))


class FakeHost:
    """What the module sees of the host; see the module docstring. Commands are keyed by their argv.

    A command's result is one (rc, stdout, stderr), or a list of them given in turn (the last one repeats).
    """

    def __init__(self, files=None, dirs=(), listdirs=None, stats=None, bins=None, commands=None, users=None, groups=None):
        self.files = dict(files or {})
        self.dirs = set(dirs)
        self.listdirs = dict(listdirs or {})
        self.stats = dict(stats or {})
        self.bins = dict(BINS if bins is None else bins)
        self.commands = dict((tuple(cmd), result) for cmd, result in (commands or []))
        self.users = {0: 'root'} if users is None else users
        self.groups = {0: 'root', 998: 'docker'} if groups is None else groups
        self.lookups = []
        self.run = mock.MagicMock(side_effect=self._run)
        self.os = types.SimpleNamespace(path=types.SimpleNamespace(isdir=self.isdir, exists=self.exists), listdir=self.listdir, stat=self.stat,
                                        uname=lambda: UNAME)
        self.platform = types.SimpleNamespace(release=lambda: RELEASE)
        self.pwd = types.SimpleNamespace(getpwuid=lambda uid: self._entry(self.users, uid))
        self.grp = types.SimpleNamespace(getgrgid=lambda gid: self._entry(self.groups, gid))

    @staticmethod
    def _missing(path):
        return FileNotFoundError(2, 'No such file or directory', path)

    @staticmethod
    def _entry(names, number):
        if number not in names:
            raise KeyError('id not found: %d' % number)
        return (names[number], 'x', number)

    def open(self, path, mode='r', *args, **kwargs):
        if path not in self.files:
            raise self._missing(path)
        data = self.files[path]
        if 'b' in mode:
            return io.BytesIO(data if isinstance(data, bytes) else data.encode())
        return io.StringIO(data.decode() if isinstance(data, bytes) else data)

    def isdir(self, path):
        return path in self.dirs

    def exists(self, path):
        return path in self.dirs or path in self.files

    def listdir(self, path):
        if path not in self.listdirs:
            raise self._missing(path)
        return list(self.listdirs[path])

    def stat(self, path):
        if path not in self.stats:
            raise self._missing(path)
        return self.stats[path]

    def _run(self, cmd, **kwargs):
        key = tuple(cmd)
        if key not in self.commands:
            raise AssertionError('unexpected command: %r' % (cmd,))
        result = self.commands[key]
        if isinstance(result, list):
            return result.pop(0) if len(result) > 1 else result[0]
        return result

    def get_bin_path(self, arg, required=False, opt_dirs=None):
        self.lookups.append((arg, opt_dirs))
        return self.bins.get(arg)


def exit_json(self, **kwargs):
    # Unlike utils.exit_json, no default for changed: the tests see what the module says.
    raise ExitJson(kwargs)


def run_module(args, host, clock=None):
    """Run swarm_host_facts.main() on host with the module args; returns (kind, result), kind 'exit' or 'fail'."""

    def run_command(self, cmd, **kwargs):
        return host.run(cmd, **kwargs)

    def get_bin_path(self, arg, required=False, opt_dirs=None):
        return host.get_bin_path(arg, required=required, opt_dirs=opt_dirs)

    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json), \
            mock.patch.object(basic.AnsibleModule, 'run_command', run_command), \
            mock.patch.object(basic.AnsibleModule, 'get_bin_path', get_bin_path), \
            mock.patch.object(swarm_host_facts, 'open', host.open, create=True), \
            mock.patch.object(swarm_host_facts, 'os', host.os), \
            mock.patch.object(swarm_host_facts, 'platform', host.platform), \
            mock.patch.object(swarm_host_facts, 'pwd', host.pwd), \
            mock.patch.object(swarm_host_facts, 'grp', host.grp), \
            mock.patch.object(docker_cli, 'time', clock or FakeTime()):
        try:
            swarm_host_facts.main()
        except ExitJson as exc:
            return 'exit', exc.args[0]
        except FailJson as exc:
            return 'fail', exc.args[0]
    raise AssertionError('main() returned without exit_json or fail_json')


def commands_run(host):
    return [list(c.args[0]) for c in host.run.call_args_list]


def assert_parts(result, **parts):
    """The parts not given are None, and no ansible_facts unless facts is given."""
    for name in ('kernel_modules', 'firewall', 'docker', 'images', 'waited'):
        assert result[name] == parts.get(name), name
    if 'ansible_facts' in parts:
        assert result['ansible_facts'] == parts['ansible_facts']
    else:
        assert 'ansible_facts' not in result


# ---------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------

def test_builtin_modules_of_modules_builtin():
    text = '\n'.join([
        'kernel/net/ipv4/ip_vs.ko',
        'kernel/net/bridge/br_netfilter.ko.xz',
        'kernel/fs/overlayfs/overlay.ko.zst',
        'kernel/net/netfilter/nf_conntrack.ko.gz',
        'kernel/net/netfilter/xt-ipvs.ko',
        'kernel/drivers/net/wireguard/wireguard',
        '',
        '   ',
    ])
    assert swarm_host_facts.builtin_modules(text) == {'ip_vs', 'br_netfilter', 'overlay', 'nf_conntrack', 'xt_ipvs', 'wireguard'}


def test_builtin_modules_strips_only_one_suffix_at_the_end():
    assert swarm_host_facts.builtin_modules('kernel/a/foo.ko.bak\nkernel/b/bar.kox\n') == {'foo.ko.bak', 'bar.kox'}


def test_builtin_modules_of_proc_modules():
    text = ('ip_vs_rr 12288 1 - Live 0x0000000000000000\n'
            'ip_vs 212992 3 ip_vs_rr, Live 0x0000000000000000\n'
            'nf-nat 61440 3 ip_vs,xt_nat,xt_MASQUERADE, Live 0x0000000000000000\n')
    assert swarm_host_facts.builtin_modules(text) == {'ip_vs_rr', 'ip_vs', 'nf_nat'}


@pytest.mark.parametrize('text', [None, '', '\n\n'])
def test_builtin_modules_of_nothing(text):
    assert swarm_host_facts.builtin_modules(text) == set()


def test_os_release_unquotes_and_skips_comments():
    text = '\n'.join([
        '# Written by the image build',
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
        '   # an indented comment',
        '#ID=notdebian',
        "NAME='Debian GNU/Linux'",
        'VERSION_CODENAME=bookworm',
        '',
        'not a key value line',
        'HOME_URL="https://www.debian.org/?a=b"',
        'EMPTY=',
        '=no key',
        '  ID=debian  ',
    ])
    assert swarm_host_facts.os_release(text) == {
        'PRETTY_NAME': 'Debian GNU/Linux 12 (bookworm)',
        'NAME': 'Debian GNU/Linux',
        'VERSION_CODENAME': 'bookworm',
        'HOME_URL': 'https://www.debian.org/?a=b',
        'EMPTY': '',
        'ID': 'debian',
    }


@pytest.mark.parametrize('text', [None, ''])
def test_os_release_of_nothing(text):
    assert swarm_host_facts.os_release(text) == {}


def test_distribution_facts_debian_12_takes_the_point_release():
    facts = swarm_host_facts.distribution_facts(swarm_host_facts.os_release(DEBIAN_12), '12.15\n')
    assert facts == {
        'distribution': 'Debian',
        'distribution_version': '12.15',
        'distribution_major_version': '12',
        'distribution_release': 'bookworm',
        'os_family': 'Debian',
    }


@pytest.mark.parametrize('debian_version', [None, '', 'trixie/sid\n'])
def test_distribution_facts_debian_without_a_numeric_debian_version(debian_version):
    facts = swarm_host_facts.distribution_facts(swarm_host_facts.os_release(DEBIAN_12), debian_version)
    assert (facts['distribution_version'], facts['distribution_major_version']) == ('12', '12')


@pytest.mark.parametrize('debian_version', [None, 'trixie/sid\n', '13.0\n'])
def test_distribution_facts_ubuntu_24_04(debian_version):
    # Ubuntu's /etc/debian_version names the Debian it is based on, never its own version.
    facts = swarm_host_facts.distribution_facts(swarm_host_facts.os_release(UBUNTU_2404), debian_version)
    assert facts == {
        'distribution': 'Ubuntu',
        'distribution_version': '24.04',
        'distribution_major_version': '24',
        'distribution_release': 'noble',
        'os_family': 'Debian',
    }


def test_distribution_facts_ubuntu_codename_fallback():
    release = swarm_host_facts.os_release(UBUNTU_2404)
    del release['VERSION_CODENAME']
    assert swarm_host_facts.distribution_facts(release, None)['distribution_release'] == 'noble'


def test_distribution_facts_redhat_like():
    facts = swarm_host_facts.distribution_facts(swarm_host_facts.os_release(ROCKY_9), None)
    assert facts == {
        'distribution': 'Rocky Linux',
        'distribution_version': '9.4',
        'distribution_major_version': '9',
        'distribution_release': '',
        'os_family': 'RedHat',
    }


@pytest.mark.parametrize('release, family', [
    ({'ID': 'fedora', 'NAME': 'Fedora Linux'}, 'RedHat'),
    ({'ID': 'centos', 'ID_LIKE': 'rhel fedora', 'NAME': 'CentOS Stream'}, 'RedHat'),
    ({'ID': 'linuxmint', 'ID_LIKE': 'ubuntu debian', 'NAME': 'Linux Mint'}, 'Debian'),
    ({'ID': 'opensuse-leap', 'ID_LIKE': 'suse opensuse', 'NAME': 'openSUSE Leap'}, 'Suse'),
    ({'ID': 'arch', 'NAME': 'Arch Linux'}, 'Archlinux'),
    ({'ID': 'alpine', 'NAME': 'Alpine Linux'}, 'Alpine'),
    # ID_LIKE words are matched whole: "rhelish" is not rhel.
    ({'ID': 'gentoo', 'ID_LIKE': 'rhelish', 'NAME': 'Gentoo'}, 'Gentoo'),
])
def test_distribution_facts_os_family(release, family):
    assert swarm_host_facts.distribution_facts(release, None)['os_family'] == family


def test_distribution_facts_without_os_release():
    assert swarm_host_facts.distribution_facts({}, None) == {
        'distribution': 'Unknown',
        'distribution_version': '',
        'distribution_major_version': '',
        'distribution_release': '',
        'os_family': 'Unknown',
    }
    assert swarm_host_facts.distribution_facts({'ID': 'void'}, None)['distribution'] == 'Void'


@pytest.mark.parametrize('output, route', [
    (ROUTE_VIA, {'address': '172.24.0.2', 'interface': 'eth0', 'gateway': '172.24.0.1'}),
    (ROUTE_DIRECT, {'address': '10.8.0.2', 'interface': 'wg0'}),
    (ROUTE_NO_SRC, {}),
    ('', {}),
    (None, {}),
    # A key as the last word has no value.
    ('8.8.8.8 dev eth0 src', {}),
])
def test_default_route(output, route):
    assert swarm_host_facts.default_route(output) == route


def test_interface_addresses():
    assert swarm_host_facts.interface_addresses(IP_ADDR_OUTPUT) == INTERFACES


def test_interface_addresses_ignores_other_lines():
    output = ('2: eth0    inet6 fe80::42:acff:fe18:2/64 scope link \\       valid_lft forever preferred_lft forever\n'
              'garbage\n'
              '3: eth1    inet\n')
    assert swarm_host_facts.interface_addresses(output) == {}
    assert swarm_host_facts.interface_addresses(None) == {}


def test_installed_packages_keeps_only_installed():
    assert swarm_host_facts.installed_packages(DPKG_OUTPUT) == PACKAGES


@pytest.mark.parametrize('output', [None, '', '\n'])
def test_installed_packages_of_nothing(output):
    assert swarm_host_facts.installed_packages(output) == {}


@pytest.mark.parametrize('output, state', [
    (UFW_ACTIVE.strip(), 'active'),
    ('Status: inactive', 'inactive'),
    ('ERROR: You need to be root to run this script', 'unknown'),
    ('', 'unknown'),
])
def test_ufw_state(output, state):
    assert swarm_host_facts.ufw_state(output) == state


def test_engine_images_groups_rows_by_id_in_order():
    assert swarm_host_facts.engine_images(IMAGE_LS_OUTPUT) == IMAGES


def test_engine_images_of_nothing():
    assert swarm_host_facts.engine_images('') == []
    assert swarm_host_facts.engine_images(None) == []
    assert swarm_host_facts.engine_images('\n  \n') == []


def test_engine_images_rejects_what_is_not_json():
    # The 20.10 CLI prints the literal word json for --format json.
    with pytest.raises(ValueError):
        swarm_host_facts.engine_images('json\n')


def test_engine_images_rejects_json_that_is_not_an_object():
    with pytest.raises(ValueError):
        swarm_host_facts.engine_images('[]\n')


# ---------------------------------------------------------------------------
# main(): docker
# ---------------------------------------------------------------------------

def docker_host(**kwargs):
    settings = dict(
        files={DAEMON_JSON: DAEMON_JSON_CONTENT},
        stats={DAEMON_JSON: stat_result(0o100644, 0, 0, len(DAEMON_JSON_CONTENT))},
        listdirs={'/etc/rc2.d': ['README', 'K01nfs-common', 'S01docker', 'S01ssh']},
        commands=[(DPKG, (1, DPKG_OUTPUT, DPKG_STDERR)), (DOCKER_INFO, (0, json.dumps(SWARM) + '\n', ''))],
    )
    settings.update(kwargs)
    return FakeHost(**settings)


def test_module_docker_under_sysvinit():
    host = docker_host()
    kind, result = run_module({'gather': ['docker']}, host)
    assert kind == 'exit'
    assert result['changed'] is False
    assert_parts(result, docker={
        'packages': PACKAGES,
        'daemon_json': {'sha1': DAEMON_JSON_SHA1, 'owner': 'root', 'group': 'root', 'mode': '644'},
        'boot': 'enabled',
        'swarm': SWARM,
    })
    assert commands_run(host) == [DPKG, DOCKER_INFO]
    assert host.run.call_args_list[1].kwargs == C_LOCALE
    # No part but docker: no other binary is looked up.
    assert [name for name, opt_dirs in host.lookups] == ['docker', 'dpkg-query']


@pytest.mark.parametrize('listdirs, boot', [
    ({'/etc/rc5.d': ['S02docker']}, 'enabled'),
    ({'/etc/rc2.d': ['K01docker', 'S01dockerd', 'S01docker-compose', 'Sxxdocker'], '/etc/rc3.d': []}, 'disabled'),
    ({}, 'disabled'),
])
def test_module_docker_boot_under_sysvinit(listdirs, boot):
    kind, result = run_module({'gather': ['docker']}, docker_host(listdirs=listdirs))
    assert result['docker']['boot'] == boot


@pytest.mark.parametrize('output, boot', [
    ('enabled\n', 'enabled'),
    ('disabled\n', 'disabled'),
    ('masked\n', 'masked'),
    ('', ''),
])
def test_module_docker_boot_under_systemd(output, boot):
    rc = 0 if output == 'enabled\n' else 1
    stderr = 'Failed to get unit file state for docker.service: No such file or directory\n' if not output else ''
    host = docker_host(dirs=['/run/systemd/system'], listdirs={'/etc/rc2.d': ['S01docker']},
                       commands=[(DPKG, (0, DPKG_OUTPUT, '')), ([SYSTEMCTL, 'is-enabled', 'docker'], (rc, output, stderr)),
                                 (DOCKER_INFO, (0, json.dumps(SWARM), ''))])
    kind, result = run_module({'gather': ['docker']}, host)
    assert kind == 'exit'
    # Under systemd the rc?.d links are not read.
    assert result['docker']['boot'] == boot
    assert commands_run(host) == [DPKG, [SYSTEMCTL, 'is-enabled', 'docker'], DOCKER_INFO]


def test_module_docker_under_systemd_without_systemctl():
    bins = dict(BINS, systemctl=None)
    host = docker_host(dirs=['/run/systemd/system'], bins=bins)
    kind, result = run_module({'gather': ['docker']}, host)
    assert result['docker']['boot'] == ''
    assert commands_run(host) == [DPKG, DOCKER_INFO]


def test_module_docker_options_packages_daemon_json_and_host():
    packages = ['docker.io', 'runc']
    dpkg = [DPKG_QUERY, '-W', '-f', DPKG_FORMAT] + packages
    info = ['/opt/docker/bin/docker', '--host', 'unix:///run/user/1000/docker.sock', 'info', '--format', '{{json .Swarm}}']
    path = '/srv/docker/daemon.json'
    host = docker_host(files={path: b'{}\n'}, stats={path: stat_result(0o100600, 1000, 4242, 3)},
                       bins=dict(BINS, docker=None, **{'/opt/docker/bin/docker': '/opt/docker/bin/docker'}),
                       commands=[(dpkg, (0, 'docker.io installed 20.10.24+dfsg1-1+deb12u1\nrunc installed 1.1.5+ds1-1+deb12u1\n', '')),
                                 (info, (0, json.dumps(INACTIVE_SWARM), ''))],
                       users={0: 'root'}, groups={0: 'root'})
    kind, result = run_module({'gather': ['docker'], 'docker_packages': packages, 'daemon_json': path,
                               'docker_cli': '/opt/docker/bin/docker', 'docker_host': 'unix:///run/user/1000/docker.sock'}, host)
    assert kind == 'exit'
    assert commands_run(host) == [dpkg, info]
    assert result['docker']['packages'] == {'docker.io': '20.10.24+dfsg1-1+deb12u1', 'runc': '1.1.5+ds1-1+deb12u1'}
    # Unknown ids are given as numbers, as ls -ln would.
    assert result['docker']['daemon_json'] == {'sha1': '5f36b2ea290645ee34d943220a14b54ee5ea5be5',
                                               'owner': '1000', 'group': '4242', 'mode': '600'}
    assert result['docker']['swarm'] == INACTIVE_SWARM


def test_module_docker_without_daemon_json_or_cli():
    host = docker_host(files={}, stats={}, bins=dict(BINS, docker=None))
    kind, result = run_module({'gather': ['docker']}, host)
    assert kind == 'exit'
    assert result['docker'] == {'packages': PACKAGES, 'daemon_json': None, 'boot': 'enabled', 'swarm': None}
    # Without the CLI, nothing is known of the engine: docker info is not run.
    assert commands_run(host) == [DPKG]


def test_module_docker_without_dpkg():
    """A host without dpkg (one the preflight then refuses by its distribution) has no known package."""
    host = docker_host(bins=dict(BINS, **{'dpkg-query': None}), commands=[(DOCKER_INFO, (0, json.dumps(SWARM) + '\n', ''))])
    kind, result = run_module({'gather': ['docker']}, host)
    assert kind == 'exit'
    assert result['docker']['packages'] == {}
    assert result['docker']['swarm'] == SWARM
    assert commands_run(host) == [DOCKER_INFO]


def test_module_docker_engine_not_answering():
    stderr = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n'
    host = docker_host(commands=[(DPKG, (0, DPKG_OUTPUT, '')), (DOCKER_INFO, (1, '', stderr))])
    kind, result = run_module({'gather': ['docker']}, host)
    assert kind == 'exit'
    assert result['docker']['swarm'] is None
    assert result['docker']['packages'] == PACKAGES


def test_module_docker_info_not_json_fails():
    host = docker_host(commands=[(DPKG, (0, DPKG_OUTPUT, '')), (DOCKER_INFO, (0, 'json\n', ''))])
    kind, result = run_module({'gather': ['docker']}, host)
    assert kind == 'fail'
    assert result['msg'] == 'Cannot parse the swarm state from docker info: json\n'


# ---------------------------------------------------------------------------
# main(): wait_for
# ---------------------------------------------------------------------------

NOT_ANSWERING = (1, '', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n')
PENDING_SWARM = dict(INACTIVE_SWARM, LocalNodeState='pending')
LOCKED_SWARM = dict(INACTIVE_SWARM, LocalNodeState='locked')
WORKER_SWARM = dict(SWARM, ControlAvailable=False)


def waiting_host(*answers):
    """docker_host() whose docker info gives the answers in turn: a dict is the swarm state, a tuple the raw result."""
    results = [answer if isinstance(answer, tuple) else (0, json.dumps(answer) + '\n', '') for answer in answers]
    return docker_host(commands=[(DPKG, (0, DPKG_OUTPUT, '')), (DOCKER_INFO, results)])


@pytest.mark.parametrize('wanted, answers, swarm', [
    ('answer', [NOT_ANSWERING, NOT_ANSWERING, INACTIVE_SWARM], INACTIVE_SWARM),
    ('settled', [NOT_ANSWERING, PENDING_SWARM, LOCKED_SWARM], LOCKED_SWARM),
    ('active', [NOT_ANSWERING, LOCKED_SWARM, SWARM], SWARM),
    ('control', [PENDING_SWARM, WORKER_SWARM, SWARM], SWARM),
    ('worker', [SWARM, SWARM, WORKER_SWARM], WORKER_SWARM),
])
def test_module_wait_for_reads_until_the_state_is_reached(wanted, answers, swarm):
    host = waiting_host(*answers)
    clock = FakeTime()
    kind, result = run_module({'gather': ['docker'], 'wait_for': wanted}, host, clock)
    assert kind == 'exit'
    assert result['changed'] is False
    assert result['docker']['swarm'] == swarm
    assert result['docker']['packages'] == PACKAGES
    assert result['waited'] == {'for': wanted, 'seconds': 4, 'attempts': 3}
    assert clock.sleeps == [2, 2]
    # The engine is read until it is ready, then the rest once.
    assert commands_run(host) == [DOCKER_INFO, DOCKER_INFO, DOCKER_INFO, DPKG]


def test_module_wait_for_met_at_once_does_not_sleep():
    host = waiting_host(SWARM)
    clock = FakeTime()
    kind, result = run_module({'gather': ['docker'], 'wait_for': 'control'}, host, clock)
    assert kind == 'exit'
    assert result['waited'] == {'for': 'control', 'seconds': 0, 'attempts': 1}
    assert clock.sleeps == []
    assert commands_run(host) == [DOCKER_INFO, DPKG]


@pytest.mark.parametrize('wanted, answer, attempts, problem', [
    ('answer', NOT_ANSWERING, 4, 'the engine does not answer: Cannot connect to the Docker daemon at '
                                 'unix:///var/run/docker.sock. Is the docker daemon running?'),
    ('answer', (125, '', ''), 4, 'the engine does not answer: docker info exited with rc 125'),
    ('settled', PENDING_SWARM, 4, 'its swarm state is still pending'),
    ('active', INACTIVE_SWARM, 4, 'its swarm state is inactive'),
    ('active', dict(INACTIVE_SWARM, LocalNodeState='error', Error='manager stopped: raft: no elected cluster leader'), 4,
     'its swarm state is error (manager stopped: raft: no elected cluster leader)'),
    ('control', WORKER_SWARM, 4, 'it is active in the swarm, but not a manager with its control plane up'),
    ('worker', SWARM, 4, 'it is active in the swarm, but still a manager'),
    ('worker', INACTIVE_SWARM, 4, 'its swarm state is inactive'),
])
def test_module_wait_for_fails_after_the_timeout_naming_the_last_state(wanted, answer, attempts, problem):
    host = waiting_host(answer)
    clock = FakeTime()
    kind, result = run_module({'gather': ['docker'], 'wait_for': wanted, 'wait_timeout': 6}, host, clock)
    assert kind == 'fail'
    assert result['msg'] == 'The engine did not reach wait_for=%s within 6s (%d attempts): %s' % (wanted, attempts, problem)
    assert result['waited'] == {'for': wanted, 'seconds': 6, 'attempts': attempts}
    assert result['docker'] == {'swarm': None if isinstance(answer, tuple) else answer}
    # Read when the timeout expires too, not one interval before; the packages are never read.
    assert clock.sleeps == [2, 2, 2]
    assert commands_run(host) == [DOCKER_INFO] * attempts


def test_module_wait_for_with_no_timeout_reads_once():
    host = waiting_host(PENDING_SWARM)
    kind, result = run_module({'gather': ['docker'], 'wait_for': 'settled', 'wait_timeout': 0}, host)
    assert kind == 'fail'
    assert result['msg'] == 'The engine did not reach wait_for=settled within 0s (1 attempt): its swarm state is still pending'


def test_module_wait_for_honours_poll_interval():
    host = waiting_host(NOT_ANSWERING, SWARM)
    clock = FakeTime()
    kind, result = run_module({'gather': ['docker'], 'wait_for': 'active', 'poll_interval': 5}, host, clock)
    assert kind == 'exit'
    assert clock.sleeps == [5]
    assert result['waited'] == {'for': 'active', 'seconds': 5, 'attempts': 2}


@pytest.mark.parametrize('args, msg', [
    ({'gather': ['images'], 'wait_for': 'answer'}, 'wait_for=answer needs docker in gather'),
    ({'gather': ['docker'], 'wait_for': 'answer', 'poll_interval': 0}, 'poll_interval must be 1 or more, got 0'),
    ({'gather': ['docker'], 'wait_for': 'answer', 'wait_timeout': -1}, 'wait_timeout must be 0 or more, got -1'),
])
def test_module_wait_for_bad_options_fail_before_any_read(args, msg):
    host = waiting_host(SWARM)
    kind, result = run_module(args, host)
    assert kind == 'fail'
    assert result['msg'] == msg
    assert host.run.call_count == 0


def test_module_wait_for_without_the_docker_cli_fails():
    host = docker_host(bins=dict(BINS, docker=None))
    kind, result = run_module({'gather': ['docker'], 'wait_for': 'answer'}, host)
    assert kind == 'fail'
    assert result['msg'] == 'wait_for=answer needs the docker CLI, and docker was not found'
    assert host.run.call_count == 0


# ---------------------------------------------------------------------------
# main(): wait_for=stacks_stopped and wait_for=firewalld
# ---------------------------------------------------------------------------

STACK_PS = [DOCKER, 'ps', '--filter', 'label=com.docker.stack.namespace', '--format',
            '{{.ID}}\t{{.Label "com.docker.stack.namespace"}}\t{{.Names}}']
HOMELAB_RUNNING = ('0d5f3c1e9a2b\thomelab\thomelab_web.2.t8y0c1mmu3ra4l2m3wdn9kkbv\n'
                   '7a1e4b2c6d3f\tops\tops_prometheus.1.k2l4ql7bx1q0o9gpy9v3sx2ms\n'
                   '9c0b8a7d6e5f\thomelab\thomelab_redis.1.w3n0c8x6m5z4v2b1q9p7o6i5u\n')
OPS_ONLY = '7a1e4b2c6d3f\tops\tops_prometheus.1.k2l4ql7bx1q0o9gpy9v3sx2ms\n'


def test_stack_containers_problem_names_each_stack_and_its_containers():
    problem = swarm_host_facts.stack_containers_problem(HOMELAB_RUNNING, ['homelab', 'ops'])
    assert problem == ('2 containers of stack homelab still run: homelab_redis.1.w3n0c8x6m5z4v2b1q9p7o6i5u, '
                       'homelab_web.2.t8y0c1mmu3ra4l2m3wdn9kkbv; '
                       '1 container of stack ops still runs: ops_prometheus.1.k2l4ql7bx1q0o9gpy9v3sx2ms')


def test_stack_containers_problem_ignores_other_stacks_and_odd_lines():
    assert swarm_host_facts.stack_containers_problem(OPS_ONLY + 'not a docker ps line\n\n', ['homelab']) is None
    assert swarm_host_facts.stack_containers_problem('', ['homelab']) is None


def test_stack_containers_problem_cuts_a_long_list():
    output = ''.join('%012d\thomelab\thomelab_web.%d.x\n' % (n, n) for n in range(1, 8))
    assert swarm_host_facts.stack_containers_problem(output, ['homelab']) == (
        '7 containers of stack homelab still run: homelab_web.1.x, homelab_web.2.x, homelab_web.3.x, '
        'homelab_web.4.x, homelab_web.5.x, ...')


def test_module_wait_for_stacks_stopped_reads_until_they_are_gone():
    host = docker_host(commands=[(DPKG, (0, DPKG_OUTPUT, '')), (DOCKER_INFO, (0, json.dumps(SWARM) + '\n', '')),
                                 (STACK_PS, [(0, HOMELAB_RUNNING, ''), (0, HOMELAB_RUNNING, ''), (0, OPS_ONLY, '')])])
    clock = FakeTime()
    kind, result = run_module({'gather': ['docker'], 'wait_for': 'stacks_stopped', 'stacks': ['homelab']}, host, clock)
    assert kind == 'exit'
    assert result['waited'] == {'for': 'stacks_stopped', 'seconds': 4, 'attempts': 3}
    assert clock.sleeps == [2, 2]
    assert result['docker']['swarm'] == SWARM
    assert commands_run(host) == [STACK_PS, STACK_PS, STACK_PS, DPKG, DOCKER_INFO]


def test_module_wait_for_stacks_stopped_fails_naming_what_still_runs():
    host = docker_host(commands=[(STACK_PS, (0, HOMELAB_RUNNING, ''))])
    clock = FakeTime()
    kind, result = run_module({'gather': ['docker'], 'wait_for': 'stacks_stopped', 'stacks': ['homelab'],
                               'wait_timeout': 4}, host, clock)
    assert kind == 'fail'
    assert result['msg'] == (
        'The node did not reach wait_for=stacks_stopped within 4s (3 attempts): 2 containers of stack homelab still run: '
        'homelab_redis.1.w3n0c8x6m5z4v2b1q9p7o6i5u, homelab_web.2.t8y0c1mmu3ra4l2m3wdn9kkbv')
    assert result['waited'] == {'for': 'stacks_stopped', 'seconds': 4, 'attempts': 3}
    assert commands_run(host) == [STACK_PS] * 3


def test_module_wait_for_stacks_stopped_names_an_engine_that_does_not_answer():
    host = docker_host(commands=[(STACK_PS, NOT_ANSWERING)])
    kind, result = run_module({'gather': ['docker'], 'wait_for': 'stacks_stopped', 'stacks': ['homelab'],
                               'wait_timeout': 0}, host)
    assert kind == 'fail'
    assert result['msg'] == (
        'The node did not reach wait_for=stacks_stopped within 0s (1 attempt): the engine does not answer: Cannot connect '
        'to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?')


def test_module_wait_for_firewalld_reads_until_it_runs():
    host = FakeHost(bins=dict(BINS, nft=None), commands=[
        (FIREWALLD_STATE, [(252, 'not running\n', ''), (0, 'running\n', '')]), (UFW_STATUS, (1, '', ''))])
    clock = FakeTime()
    kind, result = run_module({'gather': ['firewall'], 'wait_for': 'firewalld'}, host, clock)
    assert kind == 'exit'
    assert result['waited'] == {'for': 'firewalld', 'seconds': 2, 'attempts': 2}
    assert result['firewall']['firewalld'] == 'running'
    assert clock.sleeps == [2]
    # The wait, then the firewall part once; the docker CLI is not looked for.
    assert commands_run(host) == [FIREWALLD_STATE, FIREWALLD_STATE, UFW_STATUS, FIREWALLD_STATE]
    assert 'docker' not in [name for name, opt_dirs in host.lookups]


def test_module_wait_for_firewalld_fails_with_its_last_answer():
    host = FakeHost(bins=BINS, commands=[(FIREWALLD_STATE, (252, 'not running\n', ''))])
    kind, result = run_module({'gather': ['firewall'], 'wait_for': 'firewalld', 'wait_timeout': 2}, host)
    assert kind == 'fail'
    assert result['msg'] == 'The firewall did not reach wait_for=firewalld within 2s (2 attempts): firewall-cmd --state says not running'
    assert result['waited'] == {'for': 'firewalld', 'seconds': 2, 'attempts': 2}


def test_module_wait_for_firewalld_without_firewall_cmd_fails():
    host = FakeHost(bins=dict(BINS, **{'firewall-cmd': None}))
    kind, result = run_module({'gather': ['firewall'], 'wait_for': 'firewalld'}, host)
    assert kind == 'fail'
    assert result['msg'] == 'wait_for=firewalld needs firewall-cmd, and it was not found'
    assert host.run.call_count == 0


@pytest.mark.parametrize('args, msg', [
    ({'gather': ['docker'], 'wait_for': 'firewalld'}, 'wait_for=firewalld needs firewall in gather'),
    ({'gather': ['firewall'], 'wait_for': 'stacks_stopped', 'stacks': ['homelab']}, 'wait_for=stacks_stopped needs docker in gather'),
    ({'gather': ['docker'], 'wait_for': 'stacks_stopped'}, 'wait_for=stacks_stopped needs the stacks to wait for, in stacks'),
])
def test_module_wait_for_stacks_and_firewalld_bad_options_fail_before_any_read(args, msg):
    host = docker_host()
    kind, result = run_module(args, host)
    assert kind == 'fail'
    assert result['msg'] == msg
    assert host.run.call_count == 0


# ---------------------------------------------------------------------------
# main(): images
# ---------------------------------------------------------------------------

def test_module_images_without_docker_cli():
    host = FakeHost(bins=dict(BINS, docker=None))
    kind, result = run_module({'gather': ['images']}, host)
    assert kind == 'exit'
    assert result['changed'] is False
    assert_parts(result)
    assert host.run.call_count == 0
    assert host.lookups == [('docker', None)]


def test_module_images():
    host = FakeHost(commands=[(IMAGE_LS, (0, IMAGE_LS_OUTPUT, ''))])
    kind, result = run_module({'gather': ['images']}, host)
    assert kind == 'exit'
    assert result['changed'] is False
    assert_parts(result, images=IMAGES)
    assert commands_run(host) == [IMAGE_LS]
    assert host.run.call_args.kwargs == C_LOCALE


def test_module_images_with_docker_host():
    image_ls = [DOCKER, '--host', 'tcp://manager1:2376', 'image', 'ls', '--no-trunc', '--format', '{{json .}}']
    host = FakeHost(commands=[(image_ls, (0, '', ''))])
    kind, result = run_module({'gather': ['images'], 'docker_host': 'tcp://manager1:2376'}, host)
    assert kind == 'exit'
    # An engine without images: an empty list, not None.
    assert result['images'] == []
    assert commands_run(host) == [image_ls]


def test_module_images_engine_not_answering():
    host = FakeHost(commands=[(IMAGE_LS, (1, '', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n'))])
    kind, result = run_module({'gather': ['images']}, host)
    assert kind == 'exit'
    assert result['images'] is None


def test_module_images_not_json_fails():
    host = FakeHost(commands=[(IMAGE_LS, (0, 'json\n', ''))])
    kind, result = run_module({'gather': ['images']}, host)
    assert kind == 'fail'
    assert result['msg'] == 'Cannot parse the output of docker image ls: json\n'


# ---------------------------------------------------------------------------
# main(): firewall
# ---------------------------------------------------------------------------

def test_module_firewall_ufw_active_and_nft_ruleset():
    host = FakeHost(bins=dict(BINS, **{'firewall-cmd': None}),
                    commands=[(UFW_STATUS, (0, UFW_ACTIVE, '')), (NFT_RULESET, (0, json.dumps(NFT_JSON) + '\n', ''))])
    kind, result = run_module({'gather': ['firewall']}, host)
    assert kind == 'exit'
    assert result['changed'] is False
    assert_parts(result, firewall={'ufw': 'active', 'firewalld': 'absent', 'nft': 'present', 'nft_ruleset': NFT_JSON['nftables']})
    assert commands_run(host) == [UFW_STATUS, NFT_RULESET]
    assert [c.kwargs for c in host.run.call_args_list] == [C_LOCALE, C_LOCALE]
    # Looked up in the sbin directories too, which are not in the PATH of an unprivileged user.
    assert ('ufw', ['/usr/sbin', '/sbin']) in host.lookups
    assert ('nft', ['/usr/sbin', '/sbin']) in host.lookups


@pytest.mark.parametrize('rc, stdout, stderr, detail', [
    (1, '', 'netlink: Error: cache initialization failed: Operation not permitted\n',
     'netlink: Error: cache initialization failed: Operation not permitted'),
    (1, 'Error: JSON support not compiled-in\n', '', 'Error: JSON support not compiled-in'),
])
def test_module_firewall_nft_failing_fails(rc, stdout, stderr, detail):
    host = FakeHost(bins=dict(BINS, ufw=None, **{'firewall-cmd': None}), commands=[(NFT_RULESET, (rc, stdout, stderr))])
    kind, result = run_module({'gather': ['firewall']}, host)
    assert kind == 'fail'
    assert result['msg'] == 'nft --json list ruleset failed with rc 1: %s' % detail


@pytest.mark.parametrize('output', ['not json\n', '[]\n'])
def test_module_firewall_nft_output_not_an_object_fails(output):
    host = FakeHost(bins=dict(BINS, ufw=None, **{'firewall-cmd': None}), commands=[(NFT_RULESET, (0, output, ''))])
    kind, result = run_module({'gather': ['firewall']}, host)
    assert kind == 'fail'
    assert result['msg'] == 'Cannot parse the output of nft --json list ruleset: %s' % output


def test_module_firewall_nft_ruleset_not_read_when_not_asked():
    host = FakeHost(bins=dict(BINS, ufw=None, **{'firewall-cmd': None}))
    kind, result = run_module({'gather': ['firewall'], 'nft_ruleset': False}, host)
    assert kind == 'exit'
    assert result['firewall'] == {'ufw': 'absent', 'firewalld': 'absent', 'nft': 'present', 'nft_ruleset': None}
    assert host.run.call_count == 0


@pytest.mark.parametrize('ufw, firewalld, expected', [
    ((0, 'Status: inactive\n', ''), (0, 'running\n', ''), {'ufw': 'inactive', 'firewalld': 'running'}),
    ((1, '', 'ERROR: You need to be root to run this script\n'), (252, 'not running\n', ''),
     {'ufw': 'unknown', 'firewalld': 'not running'}),
    ((0, '', ''), (252, '', 'not running\n'), {'ufw': 'unknown', 'firewalld': 'not running'}),
])
def test_module_firewall_ufw_and_firewalld_states(ufw, firewalld, expected):
    host = FakeHost(bins=dict(BINS, nft=None), commands=[(UFW_STATUS, ufw), (FIREWALLD_STATE, firewalld)])
    kind, result = run_module({'gather': ['firewall']}, host)
    assert kind == 'exit'
    assert result['firewall'] == dict(expected, nft='absent', nft_ruleset=None)
    assert commands_run(host) == [UFW_STATUS, FIREWALLD_STATE]


def test_module_firewall_none_installed():
    host = FakeHost(bins={})
    kind, result = run_module({'gather': ['firewall']}, host)
    assert kind == 'exit'
    assert result['firewall'] == {'ufw': 'absent', 'firewalld': 'absent', 'nft': 'absent', 'nft_ruleset': None}
    assert host.run.call_count == 0


# ---------------------------------------------------------------------------
# main(): kernel
# ---------------------------------------------------------------------------

MODULES_BUILTIN_PATH = '/lib/modules/%s/modules.builtin' % RELEASE


def kernel_host(**kwargs):
    settings = dict(
        files={'/proc/modules': PROC_MODULES, MODULES_BUILTIN_PATH: MODULES_BUILTIN},
        dirs=['/sys/module/overlay', '/sys/module/xt_conntrack'],
        commands=[([MODPROBE, '-n', '-q', 'ip_vs'], (0, '', '')), ([MODPROBE, '-n', '-q', 'wireguard'], (1, '', ''))],
    )
    settings.update(kwargs)
    return FakeHost(**settings)


def test_module_kernel_modules():
    host = kernel_host()
    wanted = ['overlay', 'br_netfilter', 'ip_vs', 'nf-conntrack', 'xt-conntrack', 'wireguard']
    kind, result = run_module({'gather': ['kernel'], 'kernel_modules': wanted}, host)
    assert kind == 'exit'
    assert result['changed'] is False
    assert_parts(result, kernel_modules={
        'overlay': True,  # /sys/module
        'br_netfilter': True,  # modules.builtin of the running kernel
        'ip_vs': True,  # modprobe -n
        'nf-conntrack': True,  # /proc/modules, dashes as underscores
        'xt-conntrack': True,  # /sys/module, dashes as underscores
        'wireguard': False,  # modprobe -n fails
    })
    # modprobe is asked only about what the kernel does not already have, under the name given.
    assert commands_run(host) == [[MODPROBE, '-n', '-q', 'ip_vs'], [MODPROBE, '-n', '-q', 'wireguard']]
    assert ('modprobe', ['/sbin', '/usr/sbin']) in host.lookups


def test_module_kernel_modules_without_modprobe_or_module_lists():
    host = kernel_host(files={}, bins=dict(BINS, modprobe=None))
    kind, result = run_module({'gather': ['kernel'], 'kernel_modules': ['overlay', 'br_netfilter', 'ip_vs']}, host)
    assert kind == 'exit'
    assert result['kernel_modules'] == {'overlay': True, 'br_netfilter': False, 'ip_vs': False}
    assert host.run.call_count == 0


def test_module_kernel_without_kernel_modules():
    host = kernel_host()
    kind, result = run_module({'gather': ['kernel']}, host)
    assert kind == 'exit'
    assert result['kernel_modules'] == {}
    assert host.run.call_count == 0


# ---------------------------------------------------------------------------
# main(): facts
# ---------------------------------------------------------------------------

def facts_host(**kwargs):
    settings = dict(
        files={'/etc/os-release': DEBIAN_12, '/etc/debian_version': '12.15\n'},
        commands=[(IP_ROUTE, (0, ROUTE_VIA, '')), (IP_ADDR, (0, IP_ADDR_OUTPUT, ''))],
    )
    settings.update(kwargs)
    return FakeHost(**settings)


def test_module_facts():
    host = facts_host()
    kind, result = run_module({'gather': ['facts']}, host)
    assert kind == 'exit'
    assert result['changed'] is False
    assert_parts(result, ansible_facts=dict({
        'nodename': 'manager1.lab.example',
        'hostname': 'manager1',
        'architecture': 'x86_64',
        'distribution': 'Debian',
        'distribution_version': '12.15',
        'distribution_major_version': '12',
        'distribution_release': 'bookworm',
        'os_family': 'Debian',
        'service_mgr': 'sysvinit',
        'default_ipv4': {'address': '172.24.0.2', 'interface': 'eth0', 'gateway': '172.24.0.1'},
    }, **INTERFACES))
    assert commands_run(host) == [IP_ROUTE, IP_ADDR]
    assert ('ip', ['/sbin', '/usr/sbin']) in host.lookups


def test_module_facts_ubuntu_from_usr_lib_os_release_without_ip():
    host = facts_host(files={'/usr/lib/os-release': UBUNTU_2404, '/etc/debian_version': 'trixie/sid\n'}, bins={})
    kind, result = run_module({'gather': ['facts']}, host)
    assert kind == 'exit'
    facts = result['ansible_facts']
    assert (facts['distribution'], facts['distribution_version'], facts['distribution_major_version'],
            facts['distribution_release'], facts['os_family']) == ('Ubuntu', '24.04', '24', 'noble', 'Debian')
    assert facts['default_ipv4'] == {}
    assert sorted(facts) == ['architecture', 'default_ipv4', 'distribution', 'distribution_major_version', 'distribution_release',
                             'distribution_version', 'hostname', 'nodename', 'os_family', 'service_mgr']
    assert host.run.call_count == 0


def test_module_facts_without_default_route():
    host = facts_host(commands=[(IP_ROUTE, (2, '', 'RTNETLINK answers: Network is unreachable\n')),
                                (IP_ADDR, (0, IP_ADDR_OUTPUT.splitlines()[0] + '\n', ''))])
    kind, result = run_module({'gather': ['facts']}, host)
    assert kind == 'exit'
    assert result['ansible_facts']['default_ipv4'] == {}
    assert result['ansible_facts']['lo'] == {'ipv4': {'address': '127.0.0.1', 'prefix': '8'}}
    assert 'eth0' not in result['ansible_facts']


@pytest.mark.parametrize('dirs, files, manager', [
    (['/run/systemd/system'], {}, 'systemd'),
    ([], {'/sbin/openrc': ''}, 'openrc'),
    ([], {}, 'sysvinit'),
])
def test_module_facts_service_manager(dirs, files, manager):
    # The service module reads it; without it, each service task would run setup first.
    host = facts_host(dirs=dirs, files=dict({'/etc/os-release': DEBIAN_12}, **files))
    kind, result = run_module({'gather': ['facts']}, host)
    assert kind == 'exit'
    assert result['ansible_facts']['service_mgr'] == manager


def test_module_facts_interfaces_do_not_replace_facts():
    # An interface named like a fact (here: a bridge called hostname) does not replace the fact.
    output = '4: hostname    inet 192.168.7.1/24 brd 192.168.7.255 scope global hostname\n'
    host = facts_host(commands=[(IP_ROUTE, (0, ROUTE_VIA, '')), (IP_ADDR, (0, output, ''))])
    kind, result = run_module({'gather': ['facts']}, host)
    assert result['ansible_facts']['hostname'] == 'manager1'


# ---------------------------------------------------------------------------
# main(): every part, check mode, options
# ---------------------------------------------------------------------------

def every_part_host():
    files = {'/etc/os-release': DEBIAN_12, '/etc/debian_version': '12.15\n', '/proc/modules': PROC_MODULES,
             MODULES_BUILTIN_PATH: MODULES_BUILTIN, DAEMON_JSON: DAEMON_JSON_CONTENT}
    return FakeHost(
        files=files,
        dirs=['/sys/module/overlay', '/run/systemd/system'],
        stats={DAEMON_JSON: stat_result(0o100644, 0, 998, len(DAEMON_JSON_CONTENT))},
        bins=dict(BINS, **{'firewall-cmd': None}),
        commands=[
            (IP_ROUTE, (0, ROUTE_VIA, '')),
            (IP_ADDR, (0, IP_ADDR_OUTPUT, '')),
            ([MODPROBE, '-n', '-q', 'ip_vs'], (0, '', '')),
            (UFW_STATUS, (0, 'Status: inactive\n', '')),
            (NFT_RULESET, (0, json.dumps(NFT_JSON), '')),
            (DPKG, (0, DPKG_OUTPUT, '')),
            ([SYSTEMCTL, 'is-enabled', 'docker'], (0, 'enabled\n', '')),
            (DOCKER_INFO, (0, json.dumps(SWARM), '')),
            (IMAGE_LS, (0, IMAGE_LS_OUTPUT, '')),
        ])


@pytest.mark.parametrize('check_mode', [False, True])
def test_module_every_part_by_default(check_mode):
    host = every_part_host()
    args = {'kernel_modules': ['overlay', 'br_netfilter', 'ip_vs']}
    if check_mode:
        args['_ansible_check_mode'] = True
    kind, result = run_module(args, host)
    assert kind == 'exit'
    # Check mode changes nothing: the module reads the same, and never reports a change.
    assert result['changed'] is False
    assert 'skipped' not in result
    assert sorted(result) == ['ansible_facts', 'changed', 'docker', 'firewall', 'images', 'kernel_modules', 'waited']
    assert result['waited'] is None
    assert result['ansible_facts']['default_ipv4']['address'] == '172.24.0.2'
    assert result['ansible_facts']['distribution_version'] == '12.15'
    assert result['kernel_modules'] == {'overlay': True, 'br_netfilter': True, 'ip_vs': True}
    assert result['firewall'] == {'ufw': 'inactive', 'firewalld': 'absent', 'nft': 'present', 'nft_ruleset': NFT_JSON['nftables']}
    assert result['docker'] == {
        'packages': PACKAGES,
        'daemon_json': {'sha1': DAEMON_JSON_SHA1, 'owner': 'root', 'group': 'docker', 'mode': '644'},
        'boot': 'enabled',
        'swarm': SWARM,
    }
    assert result['images'] == IMAGES
    assert commands_run(host) == [IP_ROUTE, IP_ADDR, [MODPROBE, '-n', '-q', 'ip_vs'], UFW_STATUS, NFT_RULESET, DPKG,
                                  [SYSTEMCTL, 'is-enabled', 'docker'], DOCKER_INFO, IMAGE_LS]
    # The docker CLI is looked up once for both docker parts.
    assert [name for name, opt_dirs in host.lookups].count('docker') == 1


def test_module_supports_check_mode():
    host = FakeHost(bins=dict(BINS, nft=None, **{'firewall-cmd': None}), commands=[(UFW_STATUS, (0, UFW_ACTIVE, ''))])
    kind, result = run_module({'gather': ['firewall'], '_ansible_check_mode': True}, host)
    assert kind == 'exit'
    assert result['changed'] is False
    assert result['firewall']['ufw'] == 'active'
    assert commands_run(host) == [UFW_STATUS]


def test_module_no_part():
    host = FakeHost()
    kind, result = run_module({'gather': []}, host)
    assert kind == 'exit'
    assert result['changed'] is False
    assert_parts(result)
    assert host.run.call_count == 0
    assert host.lookups == []


def test_module_rejects_unknown_part():
    host = FakeHost()
    kind, result = run_module({'gather': ['facts', 'network']}, host)
    assert kind == 'fail'
    assert 'gather' in result['msg']
    assert 'network' in result['msg']
    assert host.run.call_count == 0
