# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for homelab.swarm.swarm_overlay_sync.

The networks are the recorded ``network_inspect_2010_lab_*.jsonl`` of the lab's two nodes, and the
running tasks the recorded ``task_addresses_2010_lab.jsonl`` of its manager (see fixtures/README.md).
A node that is behind is derived from them: one task taken out of a network's ``Services``, as a
node shows it before the gossip's bulk sync.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.homelab.swarm.plugins.modules import swarm_overlay_sync
from ansible_collections.homelab.swarm.tests.unit.plugins.modules.utils import DOCKER, commands, err, fixture, run_main


LIST = [DOCKER, 'network', 'ls', '--filter', 'driver=overlay', '--format', '{{json .}}']
TASKS = [json.loads(line) for line in fixture('task_addresses_2010_lab.jsonl').splitlines()]
MANAGER_VIEW = [json.loads(line) for line in fixture('network_inspect_2010_lab_manager1.jsonl').splitlines()]
WORKER_VIEW = [json.loads(line) for line in fixture('network_inspect_2010_lab_worker1.jsonl').splitlines()]


def inspect(names):
    return [DOCKER, 'network', 'inspect', '--verbose', '--format', '{{json .}}'] + names


def listing(view):
    """docker network ls --format '{{json .}}' of the networks of C(view), with the keys the 20.10 CLI prints."""
    return (0, ''.join(json.dumps({'CreatedAt': network['Created'], 'Driver': network['Driver'], 'ID': network['Id'][:12],
                                   'IPv6': 'false', 'Internal': 'false', 'Labels': '', 'Name': network['Name'],
                                   'Scope': network['Scope']}) + '\n' for network in view), '')


def networks(view):
    return (0, ''.join(json.dumps(network) + '\n' for network in view), '')


def without_task(view, network, address):
    """The view with the task at C(address) on C(network) not known yet."""
    view = json.loads(json.dumps(view))
    for item in view:
        if item['Name'] == network:
            for service in item['Services'].values():
                service['Tasks'] = [task for task in service['Tasks'] if task['EndpointIP'] != address]
    return view


def look(view):
    """What one look at the node's networks answers: the listing, then the inspect."""
    return [listing(view), networks(view)]


def run(args, outputs, fake_time=None):
    return run_main(swarm_overlay_sync, dict({'tasks': TASKS}, **args), outputs, fake_time)


@pytest.mark.parametrize('view, attached', [
    (MANAGER_VIEW, ['auth-server', 'ingress', 'internal-network', 'web-network']),
    (WORKER_VIEW, ['ingress', 'internal-network', 'web-network']),
], ids=['manager1', 'worker1'])
def test_the_recorded_nodes_know_every_running_task(view, attached):
    kind, result, run_command, fake_time = run({}, look(view))
    assert kind == 'exit' and result['changed'] is False
    assert result['met'] is True and result['unknown'] == [] and result['problems'] == []
    assert result['attached'] == attached
    assert result['attempts'] == 1 and fake_time.sleeps == []
    assert commands(run_command) == [LIST, inspect([network['Name'] for network in view])]


def test_a_node_behind_is_waited_for_until_it_knows_the_task():
    behind = without_task(WORKER_VIEW, 'internal-network', '10.0.2.5')
    kind, result, run_command, fake_time = run({'wait_timeout': 60, 'poll_interval': 3},
                                               look(behind) + look(behind) + look(WORKER_VIEW))
    assert kind == 'exit' and result['met'] is True and result['unknown'] == []
    assert result['attempts'] == 3 and fake_time.sleeps == [3, 3] and result['elapsed'] == 6
    assert len(commands(run_command)) == 6


def test_a_node_that_stays_behind_fails_naming_the_addresses():
    behind = without_task(without_task(WORKER_VIEW, 'internal-network', '10.0.2.5'), 'web-network', '10.0.3.2')
    kind, result, _run_command, fake_time = run({'wait_timeout': 4, 'poll_interval': 2}, look(behind) * 3)
    assert kind == 'fail' and result['met'] is False
    assert result['unknown'] == [{'network': 'internal-network', 'address': '10.0.2.5'},
                                 {'network': 'web-network', 'address': '10.0.3.2'}]
    assert result['msg'] == (
        "The node's overlay networks do not know these running tasks (network address) yet; the overlay gossip "
        'between the nodes (7946/tcp and udp) has not caught up after 4s (3 attempts): '
        'internal-network 10.0.2.5; web-network 10.0.3.2')
    assert fake_time.sleeps == [2, 2]


def test_with_fail_on_unmet_false_the_unknown_addresses_are_returned():
    behind = without_task(WORKER_VIEW, 'internal-network', '10.0.2.5')
    kind, result, _run_command, _time = run({'fail_on_unmet': False}, look(behind))
    assert kind == 'exit' and result['met'] is False and result['attempts'] == 1
    assert result['unknown'] == [{'network': 'internal-network', 'address': '10.0.2.5'}]
    assert result['problems'] == ['internal-network 10.0.2.5']


def test_networks_without_containers_on_the_node_are_not_checked():
    # manager1 lists vault-network but has no container on it; worker1 does not list auth-server.
    tasks = TASKS + [{'network': 'vault-network', 'address': '10.0.4.9/24'}]
    kind, result, _run_command, _time = run({'tasks': tasks}, look(MANAGER_VIEW))
    assert kind == 'exit' and result['met'] is True
    assert 'vault-network' not in result['attached']
    kind, result, _run_command, _time = run({}, look(WORKER_VIEW))
    assert kind == 'exit' and result['met'] is True and 'auth-server' not in result['attached']


def test_prefix_lengths_are_ignored_and_repeats_counted_once():
    assert swarm_overlay_sync.expected_addresses([
        {'network': 'b', 'address': '10.0.2.5/24'}, {'network': 'a', 'address': '10.0.1.2'},
        {'network': 'b', 'address': '10.0.2.5'}, {'network': 'a', 'address': ''}]) == [('a', '10.0.1.2'), ('b', '10.0.2.5')]


def test_no_overlay_network_means_nothing_to_know():
    kind, result, run_command, _time = run({}, [(0, '', '')])
    assert kind == 'exit' and result['met'] is True and result['attached'] == []
    assert commands(run_command) == [LIST]


def test_no_running_task_means_nothing_to_wait_for():
    kind, result, _run_command, _time = run({'tasks': [], 'wait_timeout': 30}, look(WORKER_VIEW))
    assert kind == 'exit' and result['met'] is True and result['attempts'] == 1


def test_a_network_removed_between_the_two_reads_is_read_again():
    gone = (1, '', 'Error: No such network: web-network\n')
    kind, result, _run_command, fake_time = run({'wait_timeout': 10},
                                                [listing(WORKER_VIEW), gone] + look(WORKER_VIEW))
    assert kind == 'exit' and result['met'] is True and result['attempts'] == 2 and fake_time.sleeps == [2]


def test_a_daemon_that_never_answers_fails_even_without_fail_on_unmet():
    kind, result, _run_command, _time = run({'wait_timeout': 2, 'fail_on_unmet': False},
                                            [err('err_2010_daemon_not_running.txt')] * 2)
    assert kind == 'fail'
    assert result['msg'].startswith("Could not read the node's overlay networks after 2s (2 attempts): ")
    assert 'Cannot connect to the Docker daemon' in result['msg']


def test_permission_denied_fails_at_once():
    denied = (1, '', 'permission denied while trying to connect to the Docker daemon socket at '
                     'unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.41/networks": '
                     'dial unix /var/run/docker.sock: connect: permission denied\n')
    kind, result, run_command, fake_time = run({'wait_timeout': 60}, [denied])
    assert kind == 'fail' and 'permission denied' in result['msg'] and fake_time.sleeps == []
    assert len(commands(run_command)) == 1


def test_output_that_is_not_the_inspect_json_fails_at_once():
    kind, result, _run_command, fake_time = run({'wait_timeout': 60}, [listing(WORKER_VIEW), (0, 'json\njson\njson\n', '')])
    assert kind == 'fail' and fake_time.sleeps == []
    assert result['msg'] == ('Cannot parse line 1 of the output of docker network inspect --verbose (not JSON; this docker '
                             'CLI printed the literal word json, as 20.10 does for --format json): json')


def test_networks_of_another_shape_fail_at_once_naming_the_line():
    odd = json.loads(json.dumps(WORKER_VIEW))
    odd[1]['Services'] = ['lab_api']
    kind, result, _run_command, fake_time = run({'wait_timeout': 60}, [listing(odd), networks(odd)])
    assert kind == 'fail' and fake_time.sleeps == []
    assert result['msg'].startswith("Cannot parse line 2 of the output of docker network inspect --verbose "
                                    "(Services of network internal-network: 'list' object has no attribute 'values'): ")
    kind, result, _run_command, _time = run({'wait_timeout': 60}, [(0, '{"Driver":"overlay"}\n', '')])
    assert kind == 'fail'
    assert result['msg'] == 'Cannot parse line 1 of the output of docker network ls (no Name key): {"Driver":"overlay"}'


def test_check_mode_reads_the_same_way():
    kind, result, _run_command, _time = run({'_ansible_check_mode': True}, look(WORKER_VIEW))
    assert kind == 'exit' and result['met'] is True and result['changed'] is False


@pytest.mark.parametrize('args, message', [
    ({'wait_timeout': -1}, 'wait_timeout must be 0 or more, got -1'),
    ({'poll_interval': 0}, 'poll_interval must be 1 or more, got 0'),
])
def test_bad_wait_options_fail_before_any_command(args, message):
    kind, result, run_command, _time = run(args, [])
    assert kind == 'fail' and result['msg'] == message and run_command.call_count == 0


def test_a_task_without_a_network_is_refused():
    kind, result, run_command, _time = run({'tasks': [{'address': '10.0.2.5'}]}, [])
    assert kind == 'fail' and 'network' in result['msg'] and run_command.call_count == 0
