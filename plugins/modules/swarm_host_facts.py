#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


DOCUMENTATION = r"""
module: swarm_host_facts

short_description: Gather in one call the facts and the host state the homelab.swarm roles decide on

version_added: 0.1.0

description:
  - Reads, in one module call, the facts and the parts of a host's state the homelab.swarm roles decide on. Each part would otherwise cost
    a task of its own, that is a round trip and a Python start on the host; on a re-run of C(site.yml), these reads are
    most of the work done on each node.
  - V(facts) returns as RV(ansible_facts) the few facts of M(ansible.builtin.setup) the roles read, under the same names,
    the host name, the distribution, the architecture, the service manager, the address of the default route and
    each interface's IPv4 address. M(ansible.builtin.setup) costs a round trip of its own and, with its network subset, inspects every
    interface in detail (a swarm node has one per container).
  - V(kernel) tells which of O(kernel_modules) the kernel has (loaded, built in, or loadable).
  - V(firewall) tells which of ufw, firewalld and nftables are installed and active, with the nftables ruleset.
  - V(docker) reads the installed Docker packages, the checksum and ownership of C(daemon.json), whether the engine
    starts at boot and the engine's swarm state.
  - V(images) lists the images the engine holds.
  - With O(wait_for), the module first waits (up to O(wait_timeout)) until the engine answers and is in the swarm state
    asked for, until the containers of O(stacks) are gone, or until firewalld answers, and fails, naming what it waited
    for and what it last saw, when that does not happen. A just started or restarted engine (or firewall) is then waited
    for in the module, not by a task retried until it answers, which would print a line at each attempt.
  - Never changes anything, so the module always reports RV(ignore:changed=false).
  - A facts module by name, since it sets RV(ansible_facts) under M(ansible.builtin.setup)'s names (C(_info) modules
    never set facts).

author:
  - homelab.swarm maintainers (@homelab)

extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - homelab.swarm.docker_cli

attributes:
  action_group:
    version_added: 0.1.0
    membership:
      - homelab.swarm.docker_cli
  check_mode:
    support: full
    details:
      - The module only reads, so it runs unchanged in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix

options:
  gather:
    description:
      - The parts to read. The parts left out are returned as V(null).
    type: list
    elements: str
    choices: [facts, kernel, firewall, docker, images]
    default: [facts, kernel, firewall, docker, images]
  kernel_modules:
    description:
      - Kernel modules to look for when O(gather) has V(kernel).
    type: list
    elements: str
    default: []
  docker_packages:
    description:
      - C(dpkg-query) patterns of the packages to report when O(gather) has V(docker).
    type: list
    elements: str
    default: ['docker*', 'containerd*', 'runc', 'python3-docker', 'python3-jsondiff', 'python3-yaml']
  daemon_json:
    description:
      - Path of the engine's configuration file.
    type: path
    default: /etc/docker/daemon.json
  nft_ruleset:
    description:
      - Also read the nftables ruleset (C(nft --json list ruleset)) when C(nft) is installed.
    type: bool
    default: true
  wait_for:
    description:
      - What to wait for before reading, with V(docker) in O(gather).
      - V(none) reads once; an engine that does not answer gives RV(docker.swarm=null).
      - V(answer) waits until the engine answers, in any swarm state.
      - V(settled) waits until its swarm state is not V(pending) (a restarted manager is V(locked) or V(active)).
      - V(active) waits until the node is V(active) in the swarm.
      - V(control) waits until the node is V(active) and, as a manager, has its control plane up (C(ControlAvailable)).
      - V(worker) waits until the node is V(active) and not a manager. A demoted manager knows it is a worker a moment
        after Raft has it as one, and only then can it leave the swarm without C(--force).
      - V(stacks_stopped) waits until no container of O(stacks) runs on the host (a removed stack's containers stop a
        moment after its services are gone).
      - V(firewalld) waits until C(firewall-cmd --state) says firewalld runs, with V(firewall) in O(gather) (the first
        start after the package is installed takes a few seconds).
    type: str
    choices: [none, answer, settled, active, control, worker, stacks_stopped, firewalld]
    default: none
  stacks:
    description:
      - With O(wait_for=stacks_stopped), the stacks (their C(com.docker.stack.namespace) label) whose containers must be
        gone.
    type: list
    elements: str
    default: []
  wait_timeout:
    description:
      - Seconds to wait for O(wait_for) before failing.
    type: int
    default: 60
  poll_interval:
    description:
      - Seconds between two reads while waiting. Must be at least V(1).
    type: int
    default: 2

notes:
  - The O(docker_cli) and O(docker_host) options apply to the V(docker) and V(images) parts. When the docker CLI is missing
    or the engine does not answer, RV(docker.swarm) and RV(images) are V(null), which
    means nothing is known, not that there is nothing.

seealso:
  - module: homelab.swarm.swarm_health
  - module: community.docker.docker_host_info
"""

EXAMPLES = r"""
---
- name: Read the host once, before any role decides
  homelab.swarm.swarm_host_facts:
    kernel_modules: [overlay, br_netfilter, ip_vs]
  register: host_info

- name: Only the images the engine holds
  homelab.swarm.swarm_host_facts:
    gather: [images]
  register: node_images

- name: Wait until a restarted manager is back in the swarm with its control plane
  homelab.swarm.swarm_host_facts:
    gather: [docker]
    wait_for: control
    wait_timeout: 120
  register: engine_back

- name: Wait until the containers of a removed stack are gone from the node
  homelab.swarm.swarm_host_facts:
    gather: [docker]
    wait_for: stacks_stopped
    stacks: [homelab]
"""

RETURN = r"""
ansible_facts:
  description:
    - With V(facts) in O(gather), these facts, computed as M(ansible.builtin.setup) does for Debian and Ubuntu.
    - C(default_ipv4) has C(address), C(interface) and C(gateway) (empty without a default route); each interface with an
      IPv4 address has C(ipv4.address) and C(ipv4.prefix), under its name with V(-) made V(_).
  returned: when V(facts) is in O(gather)
  type: dict
  sample:
    nodename: manager1
    hostname: manager1
    architecture: x86_64
    os_family: Debian
    distribution: Debian
    distribution_version: "12.15"
    distribution_major_version: "12"
    distribution_release: bookworm
    service_mgr: systemd
    default_ipv4: {"address": "172.24.0.2", "interface": "eth0", "gateway": "172.24.0.1"}
    eth0: {"ipv4": {"address": "172.24.0.2", "prefix": "16"}}
kernel_modules:
  description: For each of O(kernel_modules), whether the kernel has it. V(null) without V(kernel) in O(gather).
  returned: always
  type: dict
  sample: {"overlay": true, "ip_vs": false}
firewall:
  description: The host's firewalls. V(null) without V(firewall) in O(gather).
  returned: always
  type: dict
  contains:
    ufw:
      description: V(absent), V(active), V(inactive), or V(unknown) when C(ufw status) says something else.
      type: str
    firewalld:
      description: V(absent), V(running) or V(not running), from C(firewall-cmd --state).
      type: str
    nft:
      description: V(present) when the C(nft) command is installed, else V(absent).
      type: str
    nft_ruleset:
      description: The C(nftables) list of C(nft --json list ruleset), V(null) when not read.
      type: list
      elements: dict
  sample: {"ufw": "active", "firewalld": "absent", "nft": "absent", "nft_ruleset": null}
docker:
  description: The Docker packages and engine. V(null) without V(docker) in O(gather).
  returned: always
  type: dict
  contains:
    packages:
      description: The installed packages matching O(docker_packages), with their versions.
      type: dict
    daemon_json:
      description: V(null) without the file, else its SHA-1, owner, group and octal mode.
      type: dict
    boot:
      description: >-
        V(enabled) or V(disabled) at boot (as C(systemctl is-enabled) says under systemd, else from the SysV
        C(rc?.d) links); the empty string when systemd does not know the unit.
      type: str
    swarm:
      description: The engine's C(docker info) C(.Swarm), V(null) when the engine does not answer.
      type: dict
  sample:
    packages: {"docker.io": "20.10.24+dfsg1-1+deb12u1", "python3-docker": "5.0.3-1"}
    daemon_json: {"sha1": "6f1ed002ab5595859014ebf0951522d9c2d3b1a1", "owner": "root", "group": "root", "mode": "644"}
    boot: enabled
    swarm: {"LocalNodeState": "active", "NodeID": "x2kq9x0o6a6n0cfgl2l1v1c8w", "ControlAvailable": true}
waited:
  description: What the module waited for and how long, V(null) with O(wait_for=none).
  returned: always
  type: dict
  contains:
    for:
      description: The value of O(wait_for).
      type: str
    seconds:
      description: Whole seconds waited.
      type: int
    attempts:
      description: How many times the engine (or firewalld) was read.
      type: int
  sample: {"for": "control", "seconds": 6, "attempts": 4}
images:
  description: The engine's images, each with its id and tags. V(null) when not read or the engine does not answer.
  returned: always
  type: list
  elements: dict
  sample: [{"Id": "sha256:1b3ad0cc1fc6f3f80f8e8b8f6f3b8a4e1de3e5fb9b24b1a7e0c5f2f3b5b2c6d1", "RepoTags": ["hsw-busybox:1"]}]
"""

import grp
import hashlib
import json
import os
import platform
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.swarm.plugins.module_utils.docker_cli import (
    JSON_FORMAT, build_command, check_wait_options, docker_cli_argument_spec, poll)


PARTS = ['facts', 'kernel', 'firewall', 'docker', 'images']
NAMED_DISTRIBUTIONS = {'debian': 'Debian', 'ubuntu': 'Ubuntu'}
OS_FAMILIES = (('Debian', ('debian', 'ubuntu')), ('RedHat', ('rhel', 'fedora', 'centos')), ('Suse', ('suse', 'opensuse')),
               ('Archlinux', ('arch',)), ('Alpine', ('alpine',)))
MODULE_SUFFIXES = ('.ko', '.ko.xz', '.ko.zst', '.ko.gz')
SWARM_WAITS = ['answer', 'settled', 'active', 'control', 'worker']
WAIT_STATES = ['none'] + SWARM_WAITS + ['stacks_stopped', 'firewalld']
STACK_LABEL = 'com.docker.stack.namespace'


def _norm_module(name):
    return name.replace('-', '_')


def builtin_modules(text):
    """The module names of a modules.builtin (or /proc/modules) file: kernel/net/ipv4/ip_vs.ko -> ip_vs."""
    names = set()
    for line in (text or '').splitlines():
        word = line.split(' ', 1)[0].strip()
        if not word:
            continue
        base = word.rsplit('/', 1)[-1]
        for suffix in MODULE_SUFFIXES:
            if base.endswith(suffix):
                base = base[:-len(suffix)]
                break
        names.add(_norm_module(base))
    return names


def os_release(text):
    """The KEY=value pairs of an os-release file, unquoted."""
    values = {}
    for line in (text or '').splitlines():
        key, sep, value = line.strip().partition('=')
        if sep and key and not key.startswith('#'):
            values[key] = value.strip().strip('"').strip("'")
    return values


def distribution_facts(release, debian_version):
    """distribution, its versions, its release and the os_family, as setup names them on Debian and Ubuntu."""
    ident = release.get('ID', '').lower()
    like = release.get('ID_LIKE', '').lower().split()
    distribution = NAMED_DISTRIBUTIONS.get(ident) or release.get('NAME') or ident.capitalize() or 'Unknown'
    version = release.get('VERSION_ID', '')
    # setup takes Debian's point release from /etc/debian_version (12.15, where os-release says 12).
    if ident == 'debian' and (debian_version or '').strip()[:1].isdigit():
        version = debian_version.strip()
    family = distribution
    for name, members in OS_FAMILIES:
        if ident in members or any(member in like for member in members):
            family = name
            break
    return {
        'distribution': distribution,
        'distribution_version': version,
        'distribution_major_version': version.split('.')[0],
        'distribution_release': release.get('VERSION_CODENAME') or release.get('UBUNTU_CODENAME', ''),
        'os_family': family,
    }


def default_route(output):
    """address, interface and gateway from `ip -4 route get 8.8.8.8` (setup asks the same question)."""
    words = (output or '').split()
    found = {}
    for key, name in (('src', 'address'), ('dev', 'interface'), ('via', 'gateway')):
        if key in words[:-1]:
            found[name] = words[words.index(key) + 1]
    return found if 'address' in found else {}


def interface_addresses(output):
    """The first IPv4 address of each interface, from `ip -4 -o addr show`, keyed as setup keys interfaces."""
    interfaces = {}
    for line in (output or '').splitlines():
        words = line.split()
        if len(words) >= 4 and words[2] == 'inet':
            name = words[1].split('@')[0].replace('-', '_')
            address, sep, prefix = words[3].partition('/')
            interfaces.setdefault(name, {'ipv4': {'address': address, 'prefix': prefix or '32'}})
    return interfaces


def service_manager():
    """systemd, openrc or sysvinit, as setup tells them apart on a Linux host.

    The service module needs the fact: without it, each of its tasks first runs setup for it.
    """
    if os.path.isdir('/run/systemd/system'):
        return 'systemd'
    if os.path.exists('/sbin/openrc'):
        return 'openrc'
    return 'sysvinit'


def read_facts(module):
    uname = os.uname()
    facts = {'nodename': uname[1], 'hostname': uname[1].split('.')[0], 'architecture': uname[4]}
    facts.update(distribution_facts(os_release(_read('/etc/os-release') or _read('/usr/lib/os-release')),
                                    _read('/etc/debian_version')))
    facts['service_mgr'] = service_manager()
    facts['default_ipv4'] = {}
    ip = module.get_bin_path('ip', opt_dirs=['/sbin', '/usr/sbin'])
    if ip:
        rc, out, err = module.run_command([ip, '-4', 'route', 'get', '8.8.8.8'])
        if rc == 0:
            facts['default_ipv4'] = default_route(out)
        rc, out, err = module.run_command([ip, '-4', '-o', 'addr', 'show'])
        if rc == 0:
            for name, value in interface_addresses(out).items():
                facts.setdefault(name, value)
    return facts


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def read_kernel(module, wanted):
    """Whether the kernel has each module: loaded (/sys/module), listed as built in or loaded, or loadable (modprobe -n)."""
    known = builtin_modules(_read('/proc/modules')) | builtin_modules(
        _read('/lib/modules/%s/modules.builtin' % platform.release()))
    modprobe = module.get_bin_path('modprobe', opt_dirs=['/sbin', '/usr/sbin'])
    found = {}
    for name in wanted:
        present = os.path.isdir('/sys/module/%s' % _norm_module(name)) or _norm_module(name) in known
        if not present and modprobe:
            present = module.run_command([modprobe, '-n', '-q', name])[0] == 0
        found[name] = present
    return found


def ufw_state(output):
    if output.startswith('Status: active'):
        return 'active'
    if output.startswith('Status: inactive'):
        return 'inactive'
    return 'unknown'


def read_firewall(module, nft_ruleset):
    env = {'LC_ALL': 'C'}
    found = {'ufw': 'absent', 'firewalld': 'absent', 'nft': 'absent', 'nft_ruleset': None}
    ufw = module.get_bin_path('ufw', opt_dirs=['/usr/sbin', '/sbin'])
    if ufw:
        rc, out, err = module.run_command([ufw, 'status'], environ_update=env)
        found['ufw'] = ufw_state((out or err or '').strip())
    firewall_cmd = module.get_bin_path('firewall-cmd', opt_dirs=['/usr/bin', '/usr/sbin'])
    if firewall_cmd:
        rc, out, err = module.run_command([firewall_cmd, '--state'], environ_update=env)
        found['firewalld'] = 'running' if (out or '').strip() == 'running' else 'not running'
    nft = module.get_bin_path('nft', opt_dirs=['/usr/sbin', '/sbin'])
    if nft:
        found['nft'] = 'present'
        if nft_ruleset:
            rc, out, err = module.run_command([nft, '--json', 'list', 'ruleset'], environ_update=env)
            if rc != 0:
                module.fail_json(msg='nft --json list ruleset failed with rc %s: %s' % (rc, (err or out).strip()))
            try:
                found['nft_ruleset'] = json.loads(out).get('nftables', [])
            except (ValueError, AttributeError):
                module.fail_json(msg='Cannot parse the output of nft --json list ruleset: %s' % out[:200])
    return found


def installed_packages(output):
    """Installed packages from dpkg-query -W -f '${Package} ${db:Status-Status} ${Version}\\n' lines."""
    packages = {}
    for line in (output or '').splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] == 'installed':
            packages[fields[0]] = fields[2]
    return packages


def file_summary(path):
    """SHA-1, owner, group and octal mode of a file, None without it."""
    try:
        info = os.stat(path)
        with open(path, 'rb') as handle:
            digest = hashlib.sha1(handle.read()).hexdigest()
    except (IOError, OSError):
        return None

    def name(lookup, number):
        try:
            return lookup(number)[0]
        except KeyError:
            return str(number)

    return {'sha1': digest, 'owner': name(pwd.getpwuid, info.st_uid), 'group': name(grp.getgrgid, info.st_gid),
            'mode': '%o' % stat.S_IMODE(info.st_mode)}


def boot_state(module):
    """enabled or disabled at boot; empty when systemd does not know the unit."""
    if os.path.isdir('/run/systemd/system'):
        systemctl = module.get_bin_path('systemctl')
        if not systemctl:
            return ''
        rc, out, err = module.run_command([systemctl, 'is-enabled', 'docker'])
        return (out or '').strip()
    for level in '2345':
        directory = '/etc/rc%s.d' % level
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        if any(entry.startswith('S') and entry[1:3].isdigit() and entry[3:] == 'docker' for entry in entries):
            return 'enabled'
    return 'disabled'


def engine_images(output):
    """Images from docker image ls --no-trunc --format '{{json .}}': one row per tag, grouped by id."""
    images = {}
    order = []
    for line in (output or '').splitlines():
        line = line.strip()
        if not line:
            continue
        row = json.loads(line)
        if not isinstance(row, dict):
            raise ValueError('expected a JSON object')
        image_id = row.get('ID', '')
        if image_id not in images:
            images[image_id] = []
            order.append(image_id)
        if row.get('Repository', '<none>') != '<none>' and row.get('Tag', '<none>') != '<none>':
            images[image_id].append('%s:%s' % (row['Repository'], row['Tag']))
    return [{'Id': image_id, 'RepoTags': images[image_id]} for image_id in order]


def docker_cli_path(module):
    return module.get_bin_path(module.params['docker_cli'])


def swarm_state_problem(swarm, wanted):
    """Why the engine's swarm state (its docker info .Swarm) is not yet what O(wait_for) asks, or None when it is."""
    state = swarm.get('LocalNodeState') or 'unknown'
    if wanted == 'settled' and state == 'pending':
        return 'its swarm state is still pending'
    if wanted in ('active', 'control', 'worker') and state != 'active':
        error = swarm.get('Error') or ''
        return 'its swarm state is %s%s' % (state, ' (%s)' % error if error else '')
    if wanted == 'control' and not swarm.get('ControlAvailable'):
        return 'it is active in the swarm, but not a manager with its control plane up'
    if wanted == 'worker' and swarm.get('ControlAvailable'):
        return 'it is active in the swarm, but still a manager'
    return None


def docker_output(module, docker_cli, args):
    """The output of C(docker args) and None, or None and why the engine did not answer."""
    rc, out, err = module.run_command(build_command(docker_cli, args, module.params['docker_host']),
                                      environ_update={'LC_ALL': 'C'})
    if rc != 0:
        return None, (err or out or 'docker %s exited with rc %s' % (args[0], rc)).strip()
    return out, None


def read_swarm(module, docker_cli):
    """The engine's docker info .Swarm and None, or None and why the engine did not answer."""
    out, error = docker_output(module, docker_cli, ['info', '--format', '{{json .Swarm}}'])
    if error is not None:
        return None, error
    try:
        return json.loads(out), None
    except ValueError:
        module.fail_json(msg='Cannot parse the swarm state from docker info: %s' % out[:200])


def stack_containers_problem(output, stacks):
    """Why containers of C(stacks) still run, from C(docker ps) lines of ID, stack and name; None when none does."""
    running = {}
    for line in output.splitlines():
        fields = line.split('\t')
        if len(fields) == 3 and fields[1] in stacks:
            running.setdefault(fields[1], []).append(fields[2])
    if not running:
        return None
    return '; '.join('%d container%s of stack %s still run%s: %s' % (
        len(names), '' if len(names) == 1 else 's', stack, 's' if len(names) == 1 else '',
        ', '.join(sorted(names)[:5]) + (', ...' if len(names) > 5 else '')) for stack, names in sorted(running.items()))


def poll_until(module, check, what, failed_result=dict):
    """poll() with the module's options; RV(waited), or the module fails naming C(what) and the last problem (and
    returning C(failed_result()) too)."""
    wanted = module.params['wait_for']
    result = poll(check, module.params['wait_timeout'], module.params['poll_interval'])
    waited = {'for': wanted, 'seconds': result['elapsed'], 'attempts': result['attempts']}
    if not result['met']:
        module.fail_json(msg='The %s did not reach wait_for=%s within %ds (%d attempt%s): %s' % (
            what, wanted, module.params['wait_timeout'], result['attempts'], '' if result['attempts'] == 1 else 's',
            result['problems'][0]), waited=waited, **failed_result())
    return waited


def wait_for_host(module, docker_cli):
    """Wait until the host is what O(wait_for) asks; return the swarm state read last (None when not read) and RV(waited)."""
    wanted = module.params['wait_for']
    check_wait_options(module)
    if wanted == 'firewalld':
        return None, wait_for_firewalld(module)
    if not docker_cli:
        module.fail_json(msg='wait_for=%s needs the docker CLI, and %s was not found' % (wanted, module.params['docker_cli']))
    if wanted == 'stacks_stopped':
        return None, wait_for_stacks_stopped(module, docker_cli)
    last = {}

    def check():
        swarm, error = read_swarm(module, docker_cli)
        last['swarm'] = swarm
        problem = 'the engine does not answer: %s' % error if swarm is None else swarm_state_problem(swarm, wanted)
        return {'problems': [problem] if problem else [], 'error': None}

    waited = poll_until(module, check, 'engine', lambda: {'docker': {'swarm': last['swarm']}})
    return last['swarm'], waited


def wait_for_stacks_stopped(module, docker_cli):
    stacks = module.params['stacks']
    args = ['ps', '--filter', 'label=' + STACK_LABEL, '--format', '{{.ID}}\t{{.Label "%s"}}\t{{.Names}}' % STACK_LABEL]

    def check():
        out, error = docker_output(module, docker_cli, args)
        problem = 'the engine does not answer: %s' % error if error is not None else stack_containers_problem(out, stacks)
        return {'problems': [problem] if problem else [], 'error': None}

    return poll_until(module, check, 'node')


def wait_for_firewalld(module):
    firewall_cmd = module.get_bin_path('firewall-cmd', opt_dirs=['/usr/bin', '/usr/sbin'])
    if not firewall_cmd:
        module.fail_json(msg='wait_for=firewalld needs firewall-cmd, and it was not found')

    def check():
        rc, out, err = module.run_command([firewall_cmd, '--state'], environ_update={'LC_ALL': 'C'})
        state = (out or err or '').strip() or 'rc %s' % rc
        return {'problems': [] if state == 'running' else ['firewall-cmd --state says %s' % state], 'error': None}

    return poll_until(module, check, 'firewall')


def read_docker(module, docker_cli, waited_swarm=None):
    """The docker part; C(waited_swarm) is the swarm state wait_for_host() read, else it is read here."""
    packages = {}
    # Without dpkg (a host the preflight refuses by its distribution), no package is known.
    dpkg_query = module.get_bin_path('dpkg-query')
    if dpkg_query:
        rc, out, err = module.run_command(
            [dpkg_query, '-W', '-f', '${Package} ${db:Status-Status} ${Version}\\n'] + module.params['docker_packages'])
        packages = installed_packages(out)
    result = {'packages': packages, 'daemon_json': file_summary(module.params['daemon_json']),
              'boot': boot_state(module), 'swarm': waited_swarm}
    if waited_swarm is None and docker_cli:
        result['swarm'] = read_swarm(module, docker_cli)[0]
    return result


def read_images(module, docker_cli):
    if not docker_cli:
        return None
    out, error = docker_output(module, docker_cli, ['image', 'ls', '--no-trunc', '--format', JSON_FORMAT])
    if error is not None:
        return None
    try:
        return engine_images(out)
    except ValueError:
        module.fail_json(msg='Cannot parse the output of docker image ls: %s' % out[:200])


def main():
    argument_spec = dict(
        gather=dict(type='list', elements='str', choices=PARTS, default=PARTS),
        kernel_modules=dict(type='list', elements='str', default=[]),
        docker_packages=dict(type='list', elements='str', default=['docker*', 'containerd*', 'runc', 'python3-docker', 'python3-jsondiff', 'python3-yaml']),
        daemon_json=dict(type='path', default='/etc/docker/daemon.json'),
        nft_ruleset=dict(type='bool', default=True),
        wait_for=dict(type='str', choices=WAIT_STATES, default='none'),
        stacks=dict(type='list', elements='str', default=[]),
        wait_timeout=dict(type='int', default=60),
        poll_interval=dict(type='int', default=2),
    )
    argument_spec.update(docker_cli_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    gather = module.params['gather']
    wanted = module.params['wait_for']
    needed = 'firewall' if wanted == 'firewalld' else 'docker'
    if wanted != 'none' and needed not in gather:
        module.fail_json(msg='wait_for=%s needs %s in gather' % (wanted, needed))
    if wanted == 'stacks_stopped' and not module.params['stacks']:
        module.fail_json(msg='wait_for=stacks_stopped needs the stacks to wait for, in stacks')
    docker_cli = docker_cli_path(module) if 'docker' in gather or 'images' in gather else None
    # The wait comes first: a just started engine is then read once it answers.
    swarm, waited = wait_for_host(module, docker_cli) if wanted != 'none' else (None, None)
    result = {}
    if 'facts' in gather:
        result['ansible_facts'] = read_facts(module)
    module.exit_json(
        changed=False,
        kernel_modules=read_kernel(module, module.params['kernel_modules']) if 'kernel' in gather else None,
        firewall=read_firewall(module, module.params['nft_ruleset']) if 'firewall' in gather else None,
        docker=read_docker(module, docker_cli, swarm) if 'docker' in gather else None,
        waited=waited,
        images=read_images(module, docker_cli) if 'images' in gather else None,
        **result
    )


if __name__ == '__main__':
    main()
