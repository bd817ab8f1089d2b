# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for homelab.swarm.swarm_health.

The fixtures are recorded output of a real swarm (docker.io 20.10.24 on Debian bookworm, and the
docker 28.2.2 CLI against the same engines), except ``node_ls_27x_derived_*`` which are written from
the docker CLI source; see fixtures/README.md.
"""

from __future__ import annotations

import calendar
import functools
import json

from unittest import mock

import pytest

from ansible_collections.homelab.swarm.plugins.module_utils import docker_cli
from ansible_collections.homelab.swarm.plugins.modules import swarm_health
from ansible_collections.homelab.swarm.tests.unit.plugins.modules.utils import DOCKER, FakeTime, err, fixture, ok, run_main


NODE_LS = [DOCKER, 'node', 'ls', '--format', '{{json .}}']


# run_module(args, outputs, fake_time=None, bin_path=DOCKER) -> (kind, result, run_command mock, fake time)
run_module = functools.partial(run_main, swarm_health)


def nodes_of(name):
    return swarm_health.parse_node_list(fixture(name))


def evaluate(name, **kwargs):
    return swarm_health.evaluate(nodes_of(name), **kwargs)


def rows(nodes):
    """(hostname, engine version, manager status, self, status, availability) of each parsed node."""
    return [(n['hostname'], n['engine_version'], n['manager_status'], n['self'], n['status'], n['availability'])
            for n in nodes]


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

def test_parse_healthy_2010_real_output():
    nodes = nodes_of('node_ls_2010_healthy.jsonl')
    assert [n['hostname'] for n in nodes] == ['node1', 'node2', 'node3', 'node4']
    assert nodes[0] == {
        'id': 'uzmos80zwp6t8454pgyuu9l7t',
        'hostname': 'node1',
        'status': 'Ready',
        'availability': 'Active',
        'manager_status': 'Leader',
        'is_manager': True,
        'is_leader': True,
        'engine_version': '20.10.24+dfsg1',
        'self': True,
    }
    assert nodes[3]['manager_status'] == ''
    assert nodes[3]['is_manager'] is False
    assert nodes[3]['is_leader'] is False
    assert [n['self'] for n in nodes] == [True, False, False, False]


def test_parse_self_follows_the_node_the_cli_runs_on():
    nodes = nodes_of('node_ls_2010_healthy_from_node2.jsonl')
    assert [n['hostname'] for n in nodes if n['self']] == ['node2']
    assert [n['hostname'] for n in nodes if n['is_leader']] == ['node1']


@pytest.mark.parametrize('name', ['node_ls_cli28_engine2010_healthy.jsonl', 'node_ls_cli28_format_json.jsonl'])
def test_parse_cli28_output_matches_cli2010(name):
    # Real output of the 28.2.2 CLI, with the Go template and with --format json, against the same swarm.
    assert nodes_of(name) == nodes_of('node_ls_2010_healthy.jsonl')


def test_parse_27x_derived_user_example():
    nodes = nodes_of('node_ls_27x_derived_user_example.jsonl')
    assert [(n['hostname'], n['engine_version'], n['manager_status'], n['self']) for n in nodes] == [
        ('my', '27.2.1', '', False),
        ('pve', '27.5.1', 'Leader', True),
    ]


def test_parse_is_tolerant_of_key_spelling_value_case_and_string_self():
    output = '\n'.join([
        json.dumps({'id': 'a1', 'hostname': 'm1', 'status': 'ready', 'availability': 'active',
                    'manager_status': 'leader', 'self': 'true', 'engine_version': '27.5.1'}),
        '',
        json.dumps({'ID': 'b2', 'Hostname': 'w1', 'Status': 'Ready', 'Availability': 'Active',
                    'Manager Status': '', 'Self': '', 'EngineVersion': '27.5.1', 'NewKey': 'ignored'}) + '\r',
        json.dumps({'ID': 'c3', 'Hostname': 'w2', 'Self': '*'}),
    ])
    nodes = swarm_health.parse_node_list(output)
    assert [(n['id'], n['self'], n['is_manager'], n['is_leader']) for n in nodes] == [
        ('a1', True, True, True),
        ('b2', False, False, False),
        ('c3', True, False, False),
    ]
    summary, problems = swarm_health.evaluate(nodes[:2])
    assert problems == []
    assert summary['leader'] == 'm1'
    assert summary['ready'] == 2


def test_parse_empty_output_is_no_nodes_and_unhealthy():
    assert swarm_health.parse_node_list('\n') == []
    summary, problems = swarm_health.evaluate([])
    assert 'docker node ls listed no nodes' in problems
    assert 'no leader' in problems
    assert summary['total'] == 0


def test_parse_object_without_hostname_is_rejected():
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        swarm_health.parse_node_list('{"ID": "abc", "Status": "Ready"}')
    assert 'no ID or no Hostname key' in excinfo.value.msg
    assert '{"ID": "abc", "Status": "Ready"}' in excinfo.value.msg


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------

def test_healthy_2010():
    summary, problems = evaluate('node_ls_2010_healthy.jsonl', expected_nodes=['node1', 'node2', 'node3', 'node4'],
                                 min_managers=3)
    assert problems == []
    assert summary == {
        'total': 4,
        'ready': 4,
        'active': 4,
        'managers': 3,
        'reachable_managers': 3,
        'quorum': True,
        'leader': 'node1',
        'unreachable_managers': [],
        'missing': [],
        'unexpected': [],
        'duplicates': [],
        'engine_versions': ['20.10.24+dfsg1'],
        'version_skew': False,
    }


def test_healthy_27x_derived():
    summary, problems = evaluate('node_ls_27x_derived_healthy.jsonl', min_managers=3,
                                 expected_nodes=['manager1', 'manager2', 'manager3', 'worker1', 'worker2'])
    assert problems == []
    assert summary['leader'] == 'manager1'
    assert (summary['total'], summary['managers'], summary['reachable_managers']) == (5, 3, 3)
    assert summary['engine_versions'] == ['27.5.1']


def test_worker_down():
    summary, problems = evaluate('node_ls_2010_worker_down.jsonl')
    assert problems == ['node4: status Down']
    assert summary['ready'] == 3
    assert summary['leader'] == 'node1'


def test_worker_down_ignored_without_require_ready():
    summary, problems = evaluate('node_ls_2010_worker_down.jsonl', require_ready=False)
    assert problems == []
    assert summary['ready'] == 3


def test_worker_down_outside_expected_nodes_is_not_checked():
    summary, problems = evaluate('node_ls_2010_worker_down.jsonl', expected_nodes=['node1', 'node2', 'node3'])
    assert problems == []
    assert summary['unexpected'] == ['node4']


def test_manager_unreachable_with_leader():
    summary, problems = evaluate('node_ls_2010_manager_unreachable.jsonl')
    assert problems == ['node3: status Down', 'node3: manager Unreachable']
    assert summary['unreachable_managers'] == ['node3']
    assert (summary['managers'], summary['reachable_managers'], summary['quorum']) == (3, 2, True)
    assert summary['leader'] == 'node1'


def test_manager_unreachable_below_min_managers():
    summary, problems = evaluate('node_ls_2010_manager_unreachable.jsonl', min_managers=3, require_ready=False)
    assert problems == ['node3: manager Unreachable', '2 reachable manager(s), at least 3 required']


def test_quorum_being_lost_is_reported_for_ready_but_unreachable_managers():
    # Recorded seconds after two of three managers were stopped: still listed Ready, already Unreachable.
    summary, problems = evaluate('node_ls_2010_quorum_losing.jsonl')
    assert problems == ['node2: manager Unreachable', 'node3: manager Unreachable']
    assert summary['quorum'] is False
    assert summary['reachable_managers'] == 1


def test_no_leader_in_list():
    nodes = nodes_of('node_ls_2010_healthy.jsonl')
    for node in nodes:
        if node['is_leader']:
            node['manager_status'], node['is_leader'] = 'Reachable', False
    summary, problems = swarm_health.evaluate(nodes)
    assert problems == ['no leader']
    assert summary['leader'] is None
    assert swarm_health.evaluate(nodes, require_leader=False)[1] == []


def test_two_leaders():
    nodes = nodes_of('node_ls_2010_healthy.jsonl')
    nodes[1]['manager_status'], nodes[1]['is_leader'] = 'Leader', True
    summary, problems = swarm_health.evaluate(nodes)
    assert problems == ['more than one leader: node1, node2']
    assert summary['leader'] is None


def test_missing_expected_node():
    summary, problems = evaluate('node_ls_2010_healthy.jsonl',
                                 expected_nodes=['node1', 'node2', 'node3', 'node4', 'worker2'])
    assert problems == ['worker2: expected but not in the swarm']
    assert summary['missing'] == ['worker2']


def test_unexpected_node_reported_but_not_a_problem():
    summary, problems = evaluate('node_ls_2010_healthy.jsonl', expected_nodes=['NODE1', 'node2', 'node3'])
    assert problems == []
    assert summary['unexpected'] == ['node4']
    assert summary['missing'] == []


def test_unexpected_node_with_fail_on_unexpected():
    summary, problems = evaluate('node_ls_2010_healthy.jsonl', expected_nodes=['node1', 'node2', 'node3'],
                                 fail_on_unexpected=True)
    assert problems == ['node4: in the swarm but not expected']


def test_duplicate_stale_down_entry_after_rejoin_is_healthy():
    # Recorded after node4 left and joined again: the old ID stays listed as Down.
    summary, problems = evaluate('node_ls_2010_rejoin_duplicate.jsonl',
                                 expected_nodes=['node1', 'node2', 'node3', 'node4'])
    assert problems == []
    assert summary['duplicates'] == ['node4']
    assert (summary['total'], summary['ready']) == (5, 4)


def test_duplicate_without_any_ready_entry_is_a_problem():
    nodes = nodes_of('node_ls_2010_rejoin_duplicate.jsonl')
    nodes[4]['status'] = 'Unknown'
    summary, problems = swarm_health.evaluate(nodes)
    assert problems == ['node4: listed 2 times and no entry is Ready '
                        '(ljb0jvie86pg9vztrzdbgbm2f Down, wlln1ba29ldh983we2e4rwabe Unknown)']
    assert summary['duplicates'] == ['node4']


def test_duplicate_stale_manager_entry_is_named_with_its_id():
    nodes = nodes_of('node_ls_2010_rejoin_duplicate.jsonl')
    nodes[3]['manager_status'], nodes[3]['is_manager'] = 'Unreachable', True
    summary, problems = swarm_health.evaluate(nodes)
    assert problems == ['node4 (ID ljb0jvie86pg9vztrzdbgbm2f): manager Unreachable']
    assert summary['unreachable_managers'] == ['node4 (ID ljb0jvie86pg9vztrzdbgbm2f)']


@pytest.mark.parametrize('name, availability', [
    ('node_ls_2010_drain.jsonl', 'Drain'),
    ('node_ls_2010_pause.jsonl', 'Pause'),
])
def test_drained_or_paused_node_with_require_active(name, availability):
    summary, problems = evaluate(name)
    assert problems == ['node4: availability %s' % availability]
    assert summary['active'] == 3


@pytest.mark.parametrize('name', ['node_ls_2010_drain.jsonl', 'node_ls_2010_pause.jsonl'])
def test_drained_or_paused_node_without_require_active(name):
    summary, problems = evaluate(name, require_active=False)
    assert problems == []
    assert summary['active'] == 3


def test_version_skew_27x_user_example():
    summary, problems = evaluate('node_ls_27x_derived_user_example.jsonl')
    assert problems == []
    assert summary['engine_versions'] == ['27.2.1', '27.5.1']
    assert summary['version_skew'] is True
    assert summary['leader'] == 'pve'


def test_version_skew_as_a_problem():
    summary, problems = evaluate('node_ls_27x_derived_user_example.jsonl', fail_on_version_skew=True)
    assert problems == ['engine version skew: my 27.2.1, pve 27.5.1']


def test_docker_285_output_parses_as_2010_does():
    # Recorded on Debian forky's docker.io 28.5.2 (molecule default on forky).
    nodes = nodes_of('node_ls_285_healthy.jsonl')
    assert rows(nodes) == [('manager1', '28.5.2+dfsg4', 'Leader', True, 'Ready', 'Active'),
                           ('worker1', '28.5.2+dfsg4', '', False, 'Ready', 'Active')]
    summary, problems = swarm_health.evaluate(nodes, expected_nodes=['manager1', 'worker1'])
    assert problems == [] and summary['version_skew'] is False


def test_docker_261_outputs_healthy_drained_and_a_worker_down():
    # Recorded on two Debian trixie nodes, docker.io 26.1.5 (engine and CLI), from the manager.
    nodes = nodes_of('node_ls_261_healthy.jsonl')
    assert rows(nodes) == [('rec1', '26.1.5+dfsg1', 'Leader', True, 'Ready', 'Active'),
                           ('rec2', '26.1.5+dfsg1', '', False, 'Ready', 'Active')]
    summary, problems = swarm_health.evaluate(nodes, expected_nodes=['rec1', 'rec2'])
    assert problems == [] and summary['version_skew'] is False and summary['leader'] == 'rec1'

    summary, problems = evaluate('node_ls_261_drain.jsonl', expected_nodes=['rec1', 'rec2'])
    assert problems == ['rec2: availability Drain']
    assert evaluate('node_ls_261_drain.jsonl', expected_nodes=['rec1', 'rec2'], require_active=False)[1] == []

    summary, problems = evaluate('node_ls_261_worker_down.jsonl', expected_nodes=['rec1', 'rec2'])
    assert problems == ['rec2: status Down']


def test_version_skew_of_a_recorded_three_version_cluster():
    # Recorded on molecule lifecycle: a 28.5 manager, workers on 26.1 (trixie) and 20.10 (bookworm).
    summary, problems = evaluate('node_ls_285_mixed_healthy.jsonl', expected_nodes=['manager1', 'worker1', 'worker2'])
    assert problems == []
    assert summary['engine_versions'] == ['20.10.24+dfsg1', '26.1.5+dfsg1', '28.5.2+dfsg4']
    assert summary['version_skew'] is True and summary['leader'] == 'manager1'
    summary, problems = evaluate('node_ls_285_mixed_healthy.jsonl', fail_on_version_skew=True)
    assert problems == ['engine version skew: manager1 28.5.2+dfsg4, worker1 26.1.5+dfsg1, worker2 20.10.24+dfsg1']


def test_engine_versions_sort_numerically():
    nodes = nodes_of('node_ls_27x_derived_healthy.jsonl')
    for node, version in zip(nodes, ['27.10.0', '27.9.1', '27.9.1', '20.10.24+dfsg1', '']):
        node['engine_version'] = version
    summary = swarm_health.evaluate(nodes)[0]
    assert summary['engine_versions'] == ['20.10.24+dfsg1', '27.9.1', '27.10.0']


def test_check_once_no_leader_error_is_a_swarm_problem():
    result = swarm_health.check_once(lambda: err('err_2010_no_leader.txt'), {'expected_nodes': ['node1']})
    assert result['error'] is None
    assert result['nodes'] == []
    assert result['problems'] == [
        "no leader (raft quorum lost?): Error response from daemon: rpc error: code = Unknown desc = "
        "The swarm does not have a leader. It's possible that too few managers are online. "
        "Make sure more than half of the managers are online."]
    assert result['summary'] == swarm_health.empty_summary()


def test_check_once_worker_error_raises_fatal():
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        swarm_health.check_once(lambda: err('err_2010_worker_node.txt'), {})
    assert excinfo.value.fatal
    assert excinfo.value.kind == docker_cli.ERROR_WORKER


# ---------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------

def test_module_healthy():
    kind, result, run, fake_time = run_module({'expected_nodes': ['node1', 'node2', 'node3', 'node4']},
                                              [ok('node_ls_2010_healthy.jsonl')])
    assert kind == 'exit'
    assert result['changed'] is False
    assert result['healthy'] is True
    assert result['problems'] == []
    assert result['attempts'] == 1
    assert result['summary']['leader'] == 'node1'
    assert len(result['nodes']) == 4
    assert 'msg' not in result
    assert run.call_count == 1
    assert run.call_args[0][1] == NODE_LS
    assert fake_time.sleeps == []


def test_module_unhealthy_fails_listing_every_problem():
    # The node inspect that would add the status message fails: the problems stay as the node list gives them.
    kind, result, run, fake_time = run_module({'expected_nodes': ['node1', 'node2', 'node3', 'node4', 'worker2']},
                                              [ok('node_ls_2010_manager_unreachable.jsonl'), err('err_2010_no_leader.txt')])
    assert kind == 'fail'
    assert result['msg'] == ('Swarm unhealthy: node3: status Down; node3: manager Unreachable; '
                             'worker2: expected but not in the swarm')
    assert result['healthy'] is False
    assert result['changed'] is False
    assert result['summary']['missing'] == ['worker2']


def test_module_fail_on_unhealthy_false_returns_problems():
    kind, result, run, fake_time = run_module({'fail_on_unhealthy': False}, [ok('node_ls_2010_drain.jsonl')])
    assert kind == 'exit'
    assert result['healthy'] is False
    assert result['changed'] is False
    assert result['problems'] == ['node4: availability Drain']
    assert result['msg'] == 'Swarm unhealthy: node4: availability Drain'


def test_module_polling_becomes_healthy_on_second_attempt():
    kind, result, run, fake_time = run_module({'wait_timeout': 60, 'poll_interval': 5},
                                              [ok('node_ls_2010_worker_down.jsonl'), ok('node_ls_2010_healthy.jsonl')])
    assert kind == 'exit'
    assert result['healthy'] is True
    assert result['attempts'] == 2
    assert result['problems'] == []
    assert fake_time.sleeps == [5]
    assert run.call_count == 2


def test_module_polling_through_recorded_quorum_recovery():
    # The sequence recorded while two stopped managers came back: no leader, all Unknown, partly Unknown, healthy.
    outputs = [err('err_2010_deadline_exceeded.txt'), err('err_2010_no_leader.txt'),
               ok('node_ls_2010_recovery_all_unknown.jsonl'), ok('node_ls_2010_recovery_partly_unknown.jsonl'),
               ok('node_ls_2010_recovery_healthy.jsonl')]
    kind, result, run, fake_time = run_module({'wait_timeout': 120, 'poll_interval': 2}, outputs)
    assert kind == 'exit'
    assert result['healthy'] is True
    assert result['attempts'] == 5
    assert fake_time.sleeps == [2, 2, 2, 2]


def test_module_polling_times_out():
    fake_time = FakeTime(run_cost=1.0)
    outputs = [ok('node_ls_2010_worker_down.jsonl')] * 10
    kind, result, run, fake_time = run_module({'wait_timeout': 15, 'poll_interval': 5}, outputs, fake_time=fake_time)
    assert kind == 'fail'
    # Each run takes 1s: attempts at t=0, 6, 12 and a last one when the timeout expires (t=15, sleep cut to 2s).
    assert fake_time.sleeps == [5, 5, 2]
    assert result['attempts'] == 4
    assert result['msg'] == 'Swarm unhealthy after 16s (4 attempts): node4: status Down'


def test_module_no_leader_until_timeout_is_reported_as_unhealthy():
    kind, result, run, fake_time = run_module({'wait_timeout': 10, 'poll_interval': 5, 'fail_on_unhealthy': False},
                                              [err('err_2010_no_leader.txt')] * 3)
    assert kind == 'exit'
    assert result['healthy'] is False
    assert result['attempts'] == 3
    assert result['nodes'] == []
    assert result['problems'][0].startswith('no leader (raft quorum lost?): Error response from daemon')
    assert result['msg'].startswith('Swarm unhealthy after 10s (3 attempts): no leader')


def test_module_transient_daemon_error_is_retried():
    kind, result, run, fake_time = run_module({'wait_timeout': 30, 'poll_interval': 3},
                                              [err('err_2010_daemon_not_running.txt'), ok('node_ls_2010_healthy.jsonl')])
    assert kind == 'exit'
    assert result['healthy'] is True
    assert result['attempts'] == 2


def test_module_daemon_not_running_fails_even_without_fail_on_unhealthy():
    kind, result, run, fake_time = run_module({'wait_timeout': 6, 'poll_interval': 3, 'fail_on_unhealthy': False},
                                              [err('err_2010_daemon_not_running.txt')] * 3)
    assert kind == 'fail'
    assert result['attempts'] == 3
    assert result['msg'] == (
        'Could not read the swarm node list after 6s (3 attempts): The Docker daemon is not running or not reachable. '
        'docker said: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?')
    assert result['stderr'] == fixture('err_2010_daemon_not_running.txt')


def test_module_on_worker_fails_at_once():
    kind, result, run, fake_time = run_module({'wait_timeout': 60}, [err('err_2010_worker_node.txt')])
    assert kind == 'fail'
    assert run.call_count == 1
    assert fake_time.sleeps == []
    assert result['msg'].startswith('This host is a swarm worker, not a manager')
    assert "Worker nodes can't be used to view or modify cluster state" in result['msg']
    assert result['cmd'] == NODE_LS


def test_module_not_in_swarm_fails_at_once():
    kind, result, run, fake_time = run_module({'wait_timeout': 60}, [err('err_2010_not_in_swarm.txt')])
    assert kind == 'fail'
    assert run.call_count == 1
    assert result['msg'].startswith('This host is not part of a swarm')
    assert 'docker swarm init' in result['msg']


@pytest.mark.parametrize('args, msg', [
    # poll_interval and wait_timeout: see test_docker_cli_modules.py.
    ({'min_managers': -2}, 'min_managers must be 0 or more, got -2'),
    # min_managers is checked first.
    ({'min_managers': -2, 'poll_interval': 0}, 'min_managers must be 0 or more, got -2'),
])
def test_module_rejects_bad_numbers(args, msg):
    kind, result, run, fake_time = run_module(args, [])
    assert kind == 'fail'
    assert result['msg'] == msg
    assert run.call_count == 0


# A worker whose engine was stopped (lab, 20.10.24): node ls, and node inspect of the Down node read five
# seconds after it was marked down.
DOWN_AT = calendar.timegm((2026, 12, 4, 13, 24, 55, 0, 0, 0))


def test_a_down_node_is_named_with_the_managers_message_and_how_long_ago_it_went_down():
    with mock.patch.object(swarm_health, 'time', FakeTime(start=DOWN_AT + 42)):
        kind, result, run, _fake_time = run_module(
            {'expected_nodes': ['manager1', 'worker1']},
            [ok('node_ls_2010_lab_worker_down.jsonl'), ok('node_inspect_2010_worker_down.json')])
    assert kind == 'fail'
    assert result['msg'] == 'Swarm unhealthy: worker1: status Down (heartbeat failure, since 13:24:55 UTC, 42 s ago)'
    assert run.call_args_list[1][0][1] == [DOCKER, 'node', 'inspect', '34un8iy5t6qp5yis5n7ew9q58']
    worker = [node for node in result['nodes'] if node['hostname'] == 'worker1'][0]
    assert worker['status_message'] == 'heartbeat failure'
    assert worker['status_since'] == '2026-12-04T13:24:55.184808135Z'
    assert 'status_detail' not in worker
    manager = [node for node in result['nodes'] if node['hostname'] == 'manager1'][0]
    assert 'status_message' not in manager


def test_a_healthy_swarm_is_not_inspected():
    kind, result, run, _fake_time = run_module({}, [ok('node_ls_2010_healthy.jsonl')])
    assert kind == 'exit' and result['healthy']
    assert run.call_count == 1


@pytest.mark.parametrize('text, seconds', [
    ('2026-12-04T13:24:55.184808135Z', DOWN_AT),
    ('2026-12-04T13:24:55Z', DOWN_AT),
    ('0001-01-01T00:00:00Z', calendar.timegm((1, 1, 1, 0, 0, 0, 0, 0, 0))),
    ('yesterday', None),
    (None, None),
])
def test_go_time_seconds(text, seconds):
    assert swarm_health.go_time_seconds(text) == seconds
