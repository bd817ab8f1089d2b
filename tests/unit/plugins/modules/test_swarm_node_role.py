# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for homelab.swarm.swarm_node_role.

The worker is the recorded ``node_inspect_2010_worker_down.json`` (``docker node inspect`` of the lab's
worker1 while Down). The other states are derived from it, one line as ``--format '{{json .}}'``
prints it: ``ManagerStatus`` as the engine reports it for a manager (``Leader``, ``Reachability``,
``Addr``) and absent for a worker.
"""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.homelab.swarm.plugins.modules import swarm_node_role
from ansible_collections.homelab.swarm.tests.unit.plugins.modules.utils import DOCKER, commands, err, fixture, ok, run_main


INSPECT = [DOCKER, 'node', 'inspect', 'worker1', '--format', '{{json .}}']
PROMOTE = [DOCKER, 'node', 'promote', 'worker1']
DEMOTE = [DOCKER, 'node', 'demote', 'worker1']
WORKER_DOWN = json.loads(fixture('node_inspect_2010_worker_down.json'))[0]


def node(role='worker', reachability=None, state='ready', leader=False):
    raw = copy.deepcopy(WORKER_DOWN)
    raw['Spec']['Role'] = role
    raw['Status'] = {'State': state, 'Addr': '192.168.213.21'}
    if reachability:
        raw['ManagerStatus'] = {'Reachability': reachability, 'Addr': '192.168.213.21:2377'}
        if leader:
            raw['ManagerStatus']['Leader'] = True
    return (0, json.dumps(raw) + '\n', '')


def run(args, outputs, fake_time=None):
    return run_main(swarm_node_role, dict({'node': 'worker1'}, **args), outputs, fake_time)


def test_the_recorded_worker_is_read():
    kind, result, run_command, _time = run({'role': 'worker'}, [ok('node_inspect_2010_worker_down.json')] * 2)
    assert kind == 'exit' and result['changed'] is False and result['met'] is True
    assert result['node'] == {
        'id': '34un8iy5t6qp5yis5n7ew9q58', 'hostname': 'worker1', 'role': 'worker', 'availability': 'active',
        'state': 'down', 'message': 'heartbeat failure', 'reachability': '', 'leader': False}
    assert commands(run_command) == [INSPECT, INSPECT]


def test_a_reachable_manager_is_left_as_it_is():
    kind, result, run_command, _time = run({'role': 'manager'}, [node('manager', 'reachable', leader=True)] * 2)
    assert kind == 'exit' and result['changed'] is False and result['met'] is True
    assert result['node']['leader'] is True
    assert PROMOTE not in commands(run_command)


def test_a_promotion_waits_until_raft_reports_the_manager_reachable():
    outputs = [node('worker'), (0, '', ''), node('manager'), node('manager', 'unknown'), node('manager', 'reachable')]
    kind, result, run_command, fake_time = run({'role': 'manager', 'poll_interval': 1}, outputs)
    assert kind == 'exit' and result['changed'] is True and result['met'] is True
    assert result['diff'] == {'before': {'role': 'worker'}, 'after': {'role': 'manager'}}
    assert commands(run_command) == [INSPECT, PROMOTE, INSPECT, INSPECT, INSPECT]
    assert result['attempts'] == 3 and fake_time.sleeps == [1, 1]


def test_a_demotion_waits_until_the_node_left_raft():
    outputs = [node('manager', 'reachable'), (0, '', ''), node('worker', 'reachable'), node('worker')]
    kind, result, run_command, _time = run({'role': 'worker'}, outputs)
    assert kind == 'exit' and result['changed'] is True and result['met'] is True
    assert commands(run_command) == [INSPECT, DEMOTE, INSPECT, INSPECT]


def test_a_spec_already_changed_is_still_waited_for():
    outputs = [node('manager'), node('manager'), node('manager', 'reachable')]
    kind, result, run_command, _time = run({'role': 'manager'}, outputs)
    assert kind == 'exit' and result['changed'] is False and result['attempts'] == 2
    assert PROMOTE not in commands(run_command)


def test_check_mode_reports_the_change_and_neither_changes_nor_waits():
    kind, result, run_command, _time = run({'role': 'manager', '_ansible_check_mode': True}, [node('worker')])
    assert kind == 'exit' and result['changed'] is True and result['met'] is False
    assert result['diff'] == {'before': {'role': 'worker'}, 'after': {'role': 'manager'}}
    assert commands(run_command) == [INSPECT]


@pytest.mark.parametrize('role, current, problem', [
    ('manager', node('worker'), 'worker1: not a manager but a worker'),
    ('manager', node('manager'), 'worker1: a manager, Raft reachability not reported yet'),
    ('manager', node('manager', 'unreachable'), 'worker1: a manager, Raft reachability unreachable'),
    ('worker', node('manager', 'reachable'), 'worker1: still a manager'),
    ('worker', node('worker', 'reachable'), 'worker1: a worker, but still a Raft member (reachability reachable)'),
])
def test_what_keeps_the_role_from_being_met_names_the_node(role, current, problem):
    raw = json.loads(current[1])
    assert swarm_node_role.node_problems(swarm_node_role.normalize_node(raw), role, 'worker1') == [problem]


def test_a_timeout_fails_saying_how_long_it_waited_and_why():
    outputs = [node('worker'), (0, '', '')] + [node('manager', 'unreachable')] * 6
    kind, result, _run_command, _time = run({'role': 'manager', 'wait_timeout': 10, 'poll_interval': 2}, outputs)
    assert kind == 'fail' and result['changed'] is True and result['met'] is False
    assert result['msg'] == ('Raft does not have node worker1 as a manager after 10s (6 attempts): '
                             'worker1: a manager, Raft reachability unreachable')


def test_a_refused_promotion_fails_with_what_docker_said():
    stderr = 'Error response from daemon: rpc error: code = FailedPrecondition desc = node is down\n'
    kind, result, run_command, _time = run({'role': 'manager'}, [node('worker'), (1, '', stderr)])
    assert kind == 'fail' and result['cmd'] == PROMOTE and result['stderr'] == stderr
    assert result['msg'].startswith('docker node promote failed with rc 1: Error response from daemon')
    assert run_command.call_count == 2


def test_an_unknown_node_fails_before_anything_changes():
    kind, result, run_command, _time = run({'role': 'worker'}, [(1, '', 'Error: No such node: worker1\n')])
    assert kind == 'fail' and run_command.call_count == 1
    assert result['msg'] == 'Could not read node worker1: docker node inspect failed with rc 1: Error: No such node: worker1'


def test_no_leader_while_waiting_is_retried():
    outputs = [node('worker'), (0, '', ''), err('err_2010_no_leader.txt'), node('manager', 'reachable')]
    kind, result, _run_command, _time = run({'role': 'manager'}, outputs)
    assert kind == 'exit' and result['met'] is True and result['attempts'] == 2


@pytest.mark.parametrize('name', ['err_2010_worker_node.txt', 'err_2010_not_in_swarm.txt'])
def test_a_host_that_is_not_a_manager_fails_at_once(name):
    kind, result, run_command, _time = run({'role': 'manager'}, [err(name)])
    assert kind == 'fail' and run_command.call_count == 1
    assert 'run the module on a swarm manager' in result['msg'] or 'not part of a swarm' in result['msg']


def test_output_that_is_not_json_fails_at_once():
    kind, result, run_command, _time = run({'role': 'manager'}, [(0, 'json\n', '')])
    assert kind == 'fail' and run_command.call_count == 1
    assert 'literal word json' in result['msg']


def test_an_empty_node_name_is_refused_before_docker_runs():
    kind, result, run_command, _time = run({'node': ' ', 'role': 'manager'}, [])
    assert kind == 'fail' and run_command.call_count == 0
    assert result['msg'] == 'node must name a node: its ID or hostname, not an empty string'


def test_docker_host_is_passed_to_every_command():
    outputs = [node('manager', 'reachable'), (0, '', ''), node('worker')]
    kind, _result, run_command, _time = run({'role': 'worker', 'docker_host': 'unix:///run/other.sock'}, outputs)
    host = [DOCKER, '--host', 'unix:///run/other.sock']
    assert kind == 'exit'
    assert commands(run_command) == [host + INSPECT[1:], host + DEMOTE[1:], host + INSPECT[1:]]
