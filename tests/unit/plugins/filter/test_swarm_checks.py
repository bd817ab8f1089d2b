# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the homelab.swarm.swarm_nodes_view, swarm_input_problems and swarm_host_read_failure filters."""

from __future__ import annotations

from ansible_collections.homelab.swarm.plugins.filter.swarm_checks import (
    swarm_host_read_failure, swarm_input_problems, swarm_nodes_view)

HOSTVARS = {
    'pve': {'ansible_facts': {'hostname': 'pve'}, 'swarm_node_labels': {'redis': True}},
    'my': {'swarm_node_availability': 'drain', 'docker_daemon_options': {'log-opts': {'max-file': 3}}},
    'nas': {'docker_daemon_options': {'log-opts': {'max-file': 3}}},
}


def test_nodes_view():
    assert swarm_nodes_view(['pve', 'my'], HOSTVARS, ['pve']) == [
        {'name': 'pve', 'hostname': 'pve', 'role': 'manager', 'labels': {'redis': True}, 'availability': 'active'},
        {'name': 'my', 'hostname': None, 'role': 'worker', 'labels': {}, 'availability': 'drain'},
    ]


def test_input_problems_lists_every_kind_and_groups_hosts_with_the_same_daemon_problem():
    nodes = swarm_nodes_view(['pve', 'my', 'nas'], HOSTVARS, ['pve'])
    found = swarm_input_problems(nodes, HOSTVARS, networks=[{'name': 'n', 'subnet': 'x'}],
                                 configs=[{'name': 'c'}], secrets=[{'name': 's'}])
    assert any(text.startswith("network n: subnet 'x' is not a network address") for text in found)
    assert 'config c: needs exactly one of content, src and template (has none)' in found
    assert 'secret s: needs a value (from Ansible Vault)' in found
    assert any(text.startswith('hosts my, nas: docker_daemon_options log-opts max-file must be a string') for text in found)
    assert len(found) == 4


def test_input_problems_of_a_sound_inventory():
    nodes = swarm_nodes_view(['pve'], HOSTVARS, ['pve'])
    assert swarm_input_problems(nodes, HOSTVARS, networks=[{'name': 'n', 'subnet': '10.0.2.0/24'}],
                                configs=[{'name': 'c', 'content': 'x'}], secrets=[{'name': 's', 'value': 'v'}]) == []


def test_host_read_failure_says_how_to_install_python():
    found = swarm_host_read_failure({'rc': 127, 'module_stderr': '/bin/sh: 1: /usr/bin/python3: not found'}, 'nas')
    assert found.startswith('nas: no Python at /usr/bin/python3')
    assert 'apt-get install -y python3' in found


def test_host_read_failure_names_the_user_sudo_asks():
    found = swarm_host_read_failure({'msg': 'Missing sudo password'}, 'nas', user='deploy')
    assert found.startswith('nas: sudo asks deploy for a password: run again with -K')


def test_host_read_failure_gives_every_reason_the_result_has():
    found = swarm_host_read_failure({'msg': 'MODULE FAILURE', 'rc': 1, 'module_stdout': '',
                                     'module_stderr': 'Traceback ...\nOSError: [Errno 28] No space left on device\n'}, 'nas')
    assert found == ('nas: reading the host failed: MODULE FAILURE; module_stderr: OSError: [Errno 28] No space left'
                     ' on device; rc 1')


def test_host_read_failure_is_never_empty():
    assert swarm_host_read_failure({'failed': True}, 'nas') == (
        'nas: reading the host failed: the result gave no reason (its keys: failed)')


def test_host_read_failure_without_a_result_names_the_hosts_that_stopped_the_run():
    hostvars = {
        'manager1': {'swarm_preflight_host_info': {'failed': False}},
        'worker1': {'swarm_preflight_host_info': {'unreachable': True, 'msg': 'Task failed: Failed to connect to the'
                                                  ' host via ssh: ssh: connect to host 192.0.2.21 port 22: No route to host'}},
        'worker2': {'swarm_preflight_host_info': {'failed': True, 'msg': 'MODULE FAILURE'}},
        'worker3': {},
    }
    found = swarm_host_read_failure(None, 'manager1', hosts=sorted(hostvars), hostvars=hostvars)
    assert found == ('manager1: read, but the run stops before it changes any host, because worker1 could not be'
                     ' reached and worker2 could not be read (the errors are above).')
    assert swarm_host_read_failure(None, 'manager1') == (
        'manager1: read, but the run stops before it changes any host, because another host failed (the errors are above).')
