# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for homelab.swarm.swarm_service_status.

The ``service_ls_*`` fixtures are derived, not recorded: no swarm could be created where they were
written. They follow a real 20.10 line (``{"ID":"x6kqo2m6ed3b","Image":"hsw-busybox:1","Mode":"replicated",
"Name":"lab_web","Ports":"","Replicas":"2/2"}``) and the docker CLI source
(``cli/command/service/formatter.go``: ``Mode`` is ``replicated``, ``global``, ``replicated job`` or
``global job``; ``Replicas`` is ``running/desired``, plus `` (max N per node)`` for replicated services
with a placement limit or `` (C/T completed)`` for jobs; keys sorted by ``formatter.MarshalJSON``).
They show the lab swarm of the ``node_ls_2010_*`` fixtures (4 nodes) during a rolling restart of
``node4``: converged, drain started, drain rescheduled, node back, converged again.

The ``err_2010_*`` fixtures are shared with test_swarm_health.py: the messages come from the daemon,
whatever the command (``docker service ls`` on a node outside a swarm prints ``err_2010_not_in_swarm.txt``
byte for byte, checked with the 28.2.2 CLI against the 20.10 engine).
"""

from __future__ import annotations

import functools
import json

from unittest import mock

import pytest

from ansible.module_utils import basic

from ansible_collections.homelab.swarm.plugins.module_utils import docker_cli
from ansible_collections.homelab.swarm.plugins.modules import swarm_service_status
from ansible_collections.homelab.swarm.tests.unit.plugins.modules.utils import DOCKER, FakeTime, commands, err, fixture, ok, run_main


SERVICE_LS = [DOCKER, 'service', 'ls', '--format', '{{json .}}']

CONVERGED = 'service_ls_2010_derived_converged.jsonl'
DRAIN_STARTED = 'service_ls_2010_derived_drain_started.jsonl'
DRAIN_RESCHEDULED = 'service_ls_2010_derived_drain_rescheduled.jsonl'
NODE_BACK = 'service_ls_2010_derived_node_back.jsonl'
JOBS = 'service_ls_derived_jobs.jsonl'

ALL_NAMES = ['lab_agent', 'lab_api', 'lab_db', 'lab_migrate', 'lab_paused', 'lab_web', 'monitor_exporter', 'registry']
LAB_NAMES = ALL_NAMES[:6]


# run_module(args, outputs, fake_time=None, bin_path=DOCKER) -> (kind, result, run_command mock, fake time)
run_module = functools.partial(run_main, swarm_service_status)


def services_of(name):
    return swarm_service_status.parse_service_list(fixture(name))


def evaluate(name, **kwargs):
    return swarm_service_status.evaluate(services_of(name), **kwargs)


def by_name(services):
    return dict((service['name'], service) for service in services)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

def test_parse_converged():
    services = services_of(CONVERGED)
    assert [s['name'] for s in services] == ALL_NAMES
    assert services[5] == {
        'id': 'x6kqo2m6ed3b',
        'name': 'lab_web',
        'mode': 'replicated',
        'image': 'hsw-busybox:1',
        'ports': '',
        'replicas': '2/2 (max 1 per node)',
        'running': 2,
        'desired': 2,
        'max_per_node': 1,
        'job': False,
        'converged': True,
        'available': True,
    }
    assert services[1]['ports'] == '*:8080->80/tcp'
    assert services[0]['mode'] == 'global'
    assert (services[3]['mode'], services[3]['job']) == ('replicated job', True)
    assert services[7]['image'] == 'registry:2'


@pytest.mark.parametrize('replicas, parsed', [
    ('2/2', (2, 2, 0, False)),
    ('0/1', (0, 1, 0, False)),
    ('0/0', (0, 0, 0, False)),
    ('12/12', (12, 12, 0, False)),
    ('1/2 (max 1 per node)', (1, 2, 1, False)),
    ('3/3 (max 2 per node)', (3, 3, 2, False)),
    ('0/1 (1/1 completed)', (0, 1, 0, True)),
    ('0/0 (4/4 completed)', (0, 0, 0, True)),
    ('2/4 (0/4 completed)', (2, 4, 0, True)),
    ('1/2 (some future note)', (1, 2, 0, False)),
])
def test_parse_replicas_forms(replicas, parsed):
    assert swarm_service_status.parse_replicas(replicas) == parsed


@pytest.mark.parametrize('replicas', ['', 'N/A', '2', '/2', 'two/two', '(max 1 per node) 1/2'])
def test_parse_replicas_rejects_what_has_no_counts(replicas):
    with pytest.raises(ValueError):
        swarm_service_status.parse_replicas(replicas)


@pytest.mark.parametrize('mode, job', [
    ('replicated job', True),
    ('global job', True),
    ('replicated-job', True),
    ('global-job', True),
    ('Replicated_Job', True),
    ('replicated', False),
    ('global', False),
    ('', False),
])
def test_job_modes(mode, job):
    assert swarm_service_status.is_job_mode(mode) is job


def test_parse_jobs_are_never_unconverged_or_unavailable():
    services = by_name(services_of(JOBS))
    assert [(name, s['running'], s['desired'], s['job'], s['converged'], s['available'])
            for name, s in sorted(services.items())] == [
        ('lab_cleanup', 0, 0, True, True, True),
        ('lab_migrate', 1, 1, True, True, True),
        ('lab_warmup', 2, 4, True, True, True),
        ('lab_web', 2, 2, False, True, True),
    ]
    selected, summary, problems = swarm_service_status.evaluate(list(services.values()), wait_for='converged')
    assert problems == []
    assert summary['converged'] is True


def test_parse_job_with_unknown_mode_spelling_is_found_by_its_completed_count():
    service = swarm_service_status.normalize_service(
        {'ID': 'a', 'Name': 'lab_once', 'Mode': 'replicated-job', 'Replicas': '0/3 (1/3 completed)'})
    assert (service['job'], service['converged'], service['available']) == (True, True, True)
    service = swarm_service_status.normalize_service(
        {'ID': 'a', 'Name': 'lab_once', 'Mode': 'batch', 'Replicas': '0/3 (1/3 completed)'})
    assert service['job'] is True


@pytest.mark.parametrize('replicas, converged, available', [
    ('2/2', True, True),
    ('1/2', False, True),
    ('0/2', False, False),
    ('0/0', True, True),
    # More running than desired happens during a start-first update: not converged yet.
    ('3/2', False, True),
])
def test_converged_and_available(replicas, converged, available):
    service = swarm_service_status.normalize_service({'ID': 'a', 'Name': 's', 'Mode': 'replicated', 'Replicas': replicas})
    assert (service['converged'], service['available']) == (converged, available)


def test_parse_is_tolerant_of_key_spelling_and_extra_keys():
    output = '\n'.join([
        json.dumps({'id': 'a1', 'name': 'lab_web', 'mode': 'replicated', 'replicas': ' 1/2 ', 'image': 'x:1'}),
        '',
        json.dumps({'ID': 'b2', 'Name': 'lab_db', 'Replicas': '1/1', 'NewKey': 'ignored'}) + '\r',
    ])
    services = swarm_service_status.parse_service_list(output)
    assert [(s['id'], s['name'], s['running'], s['desired'], s['mode'], s['image'], s['ports']) for s in services] == [
        ('a1', 'lab_web', 1, 2, 'replicated', 'x:1', ''),
        ('b2', 'lab_db', 1, 1, '', '', ''),
    ]


def test_parse_json_array_with_a_bad_entry_is_rejected():
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        swarm_service_status.parse_service_list('[{"ID": "a", "Name": "s", "Replicas": "x"}]')
    assert excinfo.value.kind == docker_cli.ERROR_PARSE
    assert excinfo.value.msg.startswith('Cannot parse the output of docker service ls (Replicas is not running/desired')


def test_parse_empty_output_is_no_services():
    assert swarm_service_status.parse_service_list('') == []
    assert swarm_service_status.parse_service_list('\n') == []
    assert swarm_service_status.parse_service_list(None) == []


@pytest.mark.parametrize('line, reason', [
    ('{"ID": "abc", "Replicas": "1/1"}', 'no ID or no Name key'),
    ('{"Name": "lab_web", "Replicas": "1/1"}', 'no ID or no Name key'),
    ('{"ID": "abc", "Name": "lab_web"}', "Replicas is not running/desired: ''"),
    ('{"ID": "abc", "Name": "lab_web", "Replicas": "N/A"}', "Replicas is not running/desired: 'N/A'"),
    ('["abc"]', 'expected a JSON object'),
])
def test_parse_bad_object_is_rejected_naming_line_and_reason(line, reason):
    lines = fixture(CONVERGED).splitlines()
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        swarm_service_status.parse_service_list('\n'.join(lines[:1] + [line]))
    assert excinfo.value.msg == 'Cannot parse line 2 of the output of docker service ls (%s): %s' % (reason, line)
    assert excinfo.value.fatal


# ---------------------------------------------------------------------------
# Selection and evaluation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('wait_for', ['none', 'converged', 'available'])
def test_converged_meets_every_wait_for(wait_for):
    selected, summary, problems = evaluate(CONVERGED, wait_for=wait_for)
    assert problems == []
    assert [s['name'] for s in selected] == ALL_NAMES
    assert summary == {
        'total': 8,
        'converged': True,
        'available': True,
        'not_converged': [],
        'unavailable': [],
        'missing': [],
    }


def test_stack_selects_by_name_prefix():
    selected, summary, problems = evaluate(CONVERGED, stack='lab')
    assert [s['name'] for s in selected] == LAB_NAMES
    assert summary['total'] == 6
    assert [s['name'] for s in evaluate(CONVERGED, stack='monitor')[0]] == ['monitor_exporter']


def test_stack_needs_the_whole_prefix_up_to_the_underscore():
    assert evaluate(CONVERGED, stack='la')[0] == []
    assert evaluate(CONVERGED, stack='registry')[0] == []


def test_services_select_by_name_in_list_order():
    selected, summary, problems = evaluate(CONVERGED, names=['registry', 'lab_web', 'lab_api', 'lab_web'])
    assert [s['name'] for s in selected] == ['lab_api', 'lab_web', 'registry']
    assert summary['missing'] == []


def test_services_without_stack_prefix_when_stack_is_set():
    selected, summary, problems = evaluate(CONVERGED, names=['web', 'lab_api'], stack='lab')
    assert [s['name'] for s in selected] == ['lab_api', 'lab_web']
    assert summary['missing'] == []


def test_services_outside_the_stack_are_missing():
    selected, summary, problems = evaluate(CONVERGED, names=['web', 'registry'], stack='lab', wait_for='available')
    assert [s['name'] for s in selected] == ['lab_web']
    assert summary['missing'] == ['registry']
    assert problems == ['registry: no such service']


def test_short_name_without_stack_is_missing():
    selected, summary, problems = evaluate(CONVERGED, names=['web'], wait_for='converged')
    assert selected == []
    assert summary == {
        'total': 0,
        'converged': False,
        'available': False,
        'not_converged': [],
        'unavailable': [],
        'missing': ['web'],
    }
    assert problems == ['web: no such service']


def test_missing_service_is_reported_but_no_problem_without_wait_for():
    selected, summary, problems = evaluate(CONVERGED, names=['lab_web', 'lab_cache'])
    assert problems == []
    assert summary['missing'] == ['lab_cache']
    assert (summary['converged'], summary['available']) == (False, False)


def test_drain_started_is_neither_converged_nor_available():
    selected, summary, problems = evaluate(DRAIN_STARTED, wait_for='converged')
    assert problems == ['lab_api: 1/2 running', 'lab_db: 0/1 running', 'lab_web: 1/2 running (max 1 per node)']
    assert summary == {
        'total': 8,
        'converged': False,
        'available': False,
        'not_converged': ['lab_api', 'lab_db', 'lab_web'],
        'unavailable': ['lab_db'],
        'missing': [],
    }
    # Global services desire one task per active node, so the drained node does not count.
    services = by_name(selected)
    assert (services['lab_agent']['running'], services['lab_agent']['desired']) == (3, 3)
    assert services['lab_agent']['converged'] is True


def test_drain_started_available_lists_only_services_without_a_task():
    selected, summary, problems = evaluate(DRAIN_STARTED, wait_for='available')
    assert problems == ['lab_db: 0/1 running']


def test_drain_started_report_only_has_no_problems():
    selected, summary, problems = evaluate(DRAIN_STARTED)
    assert problems == []
    assert summary['not_converged'] == ['lab_api', 'lab_db', 'lab_web']


def test_drain_started_only_looked_at_services_count():
    selected, summary, problems = evaluate(DRAIN_STARTED, names=['lab_agent', 'registry'], wait_for='converged')
    assert problems == []
    assert summary['converged'] is True


@pytest.mark.parametrize('wait_for', ['converged', 'available'])
def test_drain_rescheduled_meets_every_wait_for(wait_for):
    assert evaluate(DRAIN_RESCHEDULED, wait_for=wait_for)[2] == []


def test_node_back_waits_for_global_services_to_converge():
    selected, summary, problems = evaluate(NODE_BACK, wait_for='converged')
    assert problems == ['lab_agent: 3/4 running', 'monitor_exporter: 3/4 running']
    assert summary['available'] is True
    assert evaluate(NODE_BACK, wait_for='available')[2] == []
    assert evaluate(NODE_BACK, stack='lab', wait_for='converged')[2] == ['lab_agent: 3/4 running']


# ---------------------------------------------------------------------------
# docker CLI errors
# ---------------------------------------------------------------------------

def test_check_once_daemon_error_is_returned_for_retry():
    result = swarm_service_status.check_once(lambda: err('err_2010_daemon_not_running.txt'), {'wait_for': 'converged'})
    assert result['error'].kind == docker_cli.ERROR_DAEMON
    assert result['services'] == []
    assert result['summary'] == swarm_service_status.empty_summary()
    assert result['problems'] == [
        'The Docker daemon is not running or not reachable. docker said: '
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?']


def test_check_once_no_leader_is_returned_for_retry():
    result = swarm_service_status.check_once(lambda: err('err_2010_no_leader.txt'), {})
    assert result['error'].kind == docker_cli.ERROR_NO_LEADER
    assert result['problems'][0].startswith('no leader (raft quorum lost?): Error response from daemon')


@pytest.mark.parametrize('name, kind', [
    ('err_2010_worker_node.txt', docker_cli.ERROR_WORKER),
    ('err_2010_not_in_swarm.txt', docker_cli.ERROR_NOT_IN_SWARM),
])
def test_check_once_not_a_manager_raises_fatal(name, kind):
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        swarm_service_status.check_once(lambda: err(name), {})
    assert excinfo.value.fatal
    assert excinfo.value.kind == kind
    assert excinfo.value.stderr == fixture(name)


# ---------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------

def test_module_reports_without_wait_for():
    kind, result, run, fake_time = run_module({}, [ok(DRAIN_STARTED)])
    assert kind == 'exit'
    assert result['changed'] is False
    assert result['met'] is True
    assert result['problems'] == []
    assert (result['attempts'], result['elapsed']) == (1, 0)
    assert [s['name'] for s in result['services']] == ALL_NAMES
    assert result['summary']['not_converged'] == ['lab_api', 'lab_db', 'lab_web']
    assert result['summary']['unavailable'] == ['lab_db']
    assert 'msg' not in result
    assert run.call_count == 1
    assert run.call_args[0][1] == SERVICE_LS
    assert fake_time.sleeps == []


def test_module_converged_met():
    kind, result, run, fake_time = run_module({'stack': 'lab', 'wait_for': 'converged'}, [ok(CONVERGED)])
    assert kind == 'exit'
    assert result['met'] is True
    assert result['summary']['total'] == 6
    assert 'msg' not in result


def test_module_converged_unmet_fails_listing_every_service():
    kind, result, run, fake_time = run_module({'stack': 'lab', 'services': ['api', 'db', 'web', 'cache'],
                                               'wait_for': 'converged'}, [ok(DRAIN_STARTED)])
    assert kind == 'fail'
    assert result['msg'] == ('Services not converged: lab_api: 1/2 running; lab_db: 0/1 running; '
                             'lab_web: 1/2 running (max 1 per node); cache: no such service')
    assert result['met'] is False
    assert result['changed'] is False
    assert result['summary']['missing'] == ['cache']
    assert [s['name'] for s in result['services']] == ['lab_api', 'lab_db', 'lab_web']


def test_module_available_unmet_fails():
    kind, result, run, fake_time = run_module({'wait_for': 'available'}, [ok(DRAIN_STARTED)])
    assert kind == 'fail'
    assert result['msg'] == 'Services not available: lab_db: 0/1 running'
    assert result['problems'] == ['lab_db: 0/1 running']


def test_module_available_met_while_not_converged():
    kind, result, run, fake_time = run_module({'wait_for': 'available'}, [ok(NODE_BACK)])
    assert kind == 'exit'
    assert result['met'] is True
    assert result['summary']['converged'] is False
    assert result['summary']['not_converged'] == ['lab_agent', 'monitor_exporter']


def test_module_fail_on_unmet_false_returns_met_false():
    kind, result, run, fake_time = run_module({'wait_for': 'converged', 'fail_on_unmet': False}, [ok(NODE_BACK)])
    assert kind == 'exit'
    assert result['met'] is False
    assert result['changed'] is False
    assert result['problems'] == ['lab_agent: 3/4 running', 'monitor_exporter: 3/4 running']
    assert result['msg'] == 'Services not converged: lab_agent: 3/4 running; monitor_exporter: 3/4 running'


def test_module_polling_after_drain_until_available():
    kind, result, run, fake_time = run_module({'stack': 'lab', 'wait_for': 'available', 'wait_timeout': 60},
                                              [ok(DRAIN_STARTED), ok(DRAIN_STARTED), ok(DRAIN_RESCHEDULED)])
    assert kind == 'exit'
    assert result['met'] is True
    assert result['attempts'] == 3
    assert result['elapsed'] == 4
    assert result['problems'] == []
    # poll_interval defaults to 2.
    assert fake_time.sleeps == [2, 2]
    assert run.call_count == 3


def test_module_polling_through_a_rolling_restart_until_converged():
    # After the drain, converged is met once the tasks run elsewhere (global services desire one task less).
    kind, result, run, fake_time = run_module({'wait_for': 'converged', 'wait_timeout': 120, 'wait_interval': 5},
                                              [ok(DRAIN_STARTED), ok(DRAIN_RESCHEDULED)])
    assert (kind, result['met'], result['attempts']) == ('exit', True, 2)
    # After the node is back, the global services start a task on it again.
    kind, result, run, fake_time = run_module({'wait_for': 'converged', 'wait_timeout': 120, 'wait_interval': 5},
                                              [ok(NODE_BACK), ok(NODE_BACK), ok(CONVERGED)])
    assert kind == 'exit'
    assert result['met'] is True
    assert result['attempts'] == 3
    assert fake_time.sleeps == [5, 5]
    assert result['summary']['converged'] is True


def test_module_polling_times_out():
    fake_time = FakeTime(run_cost=1.0)
    kind, result, run, fake_time = run_module({'wait_for': 'converged', 'wait_timeout': 15, 'poll_interval': 5},
                                              [ok(NODE_BACK)] * 10, fake_time=fake_time)
    assert kind == 'fail'
    # Each run takes 1s: attempts at t=0, 6, 12 and a last one when the timeout expires (t=15, sleep cut to 2s).
    assert fake_time.sleeps == [5, 5, 2]
    assert result['attempts'] == 4
    assert result['elapsed'] == 16
    assert result['msg'] == ('Services not converged after 16s (4 attempts): lab_agent: 3/4 running; '
                             'monitor_exporter: 3/4 running')


def test_module_polling_times_out_without_failing():
    kind, result, run, fake_time = run_module(
        {'wait_for': 'available', 'wait_timeout': 4, 'fail_on_unmet': False}, [ok(DRAIN_STARTED)] * 3)
    assert kind == 'exit'
    assert result['met'] is False
    assert result['attempts'] == 3
    assert result['msg'] == 'Services not available after 4s (3 attempts): lab_db: 0/1 running'


def test_module_wait_for_none_does_not_poll():
    kind, result, run, fake_time = run_module({'wait_timeout': 60}, [ok(DRAIN_STARTED)])
    assert kind == 'exit'
    assert result['met'] is True
    assert run.call_count == 1
    assert fake_time.sleeps == []


@pytest.mark.parametrize('name', ['err_2010_daemon_not_running.txt', 'err_2010_no_leader.txt',
                                  'err_2010_deadline_exceeded.txt'])
def test_module_transient_error_is_retried(name):
    kind, result, run, fake_time = run_module({'wait_for': 'converged', 'wait_timeout': 30, 'poll_interval': 3},
                                              [err(name), ok(CONVERGED)])
    assert kind == 'exit'
    assert result['met'] is True
    assert result['attempts'] == 2
    assert fake_time.sleeps == [3]


def test_module_daemon_not_running_fails_even_without_fail_on_unmet():
    kind, result, run, fake_time = run_module({'wait_for': 'available', 'wait_timeout': 6, 'poll_interval': 3,
                                               'fail_on_unmet': False}, [err('err_2010_daemon_not_running.txt')] * 3)
    assert kind == 'fail'
    assert result['attempts'] == 3
    assert result['met'] is False
    assert result['services'] == []
    assert result['msg'] == (
        'Could not read the swarm service list after 6s (3 attempts): The Docker daemon is not running or not '
        'reachable. docker said: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. '
        'Is the docker daemon running?')
    assert result['stderr'] == fixture('err_2010_daemon_not_running.txt')
    assert result['cmd'] == SERVICE_LS


def test_module_no_leader_without_wait_for_fails():
    # The state of the services is unknown, so even a report-only call fails.
    kind, result, run, fake_time = run_module({}, [err('err_2010_no_leader.txt')])
    assert kind == 'fail'
    assert result['msg'].startswith('Could not read the swarm service list: no leader (raft quorum lost?)')
    assert run.call_count == 1


@pytest.mark.parametrize('name, start', [
    ('err_2010_worker_node.txt', 'This host is a swarm worker, not a manager'),
    ('err_2010_not_in_swarm.txt', 'This host is not part of a swarm'),
])
def test_module_not_a_manager_fails_at_once(name, start):
    kind, result, run, fake_time = run_module({'wait_for': 'converged', 'wait_timeout': 60, 'fail_on_unmet': False},
                                              [err(name)])
    assert kind == 'fail'
    assert run.call_count == 1
    assert fake_time.sleeps == []
    assert result['msg'].startswith(start)
    assert fixture(name).strip() in result['msg']
    assert result['cmd'] == SERVICE_LS
    assert result['stderr'] == fixture(name)


def test_module_permission_denied_fails_at_once():
    stderr = ('permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: '
              'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/services": dial unix /var/run/docker.sock: '
              'connect: permission denied\n')
    kind, result, run, fake_time = run_module({'wait_timeout': 60}, [(1, '', stderr)])
    assert kind == 'fail'
    assert run.call_count == 1
    assert result['msg'].startswith('Permission denied talking to the Docker daemon (use become, or the docker group)')


def test_module_stack_without_services_warns():
    with mock.patch.object(basic.AnsibleModule, 'warn') as warn:
        kind, result, run, fake_time = run_module({'stack': 'lba', 'wait_for': 'converged'}, [ok(CONVERGED)])
    assert kind == 'exit'
    assert result['met'] is True
    assert result['summary']['total'] == 0
    warn.assert_called_once_with('No service of the stack lba was found')


def test_module_stack_with_services_does_not_warn():
    with mock.patch.object(basic.AnsibleModule, 'warn') as warn:
        kind, result, run, fake_time = run_module({'stack': 'lab'}, [ok(CONVERGED)])
    assert kind == 'exit'
    assert warn.call_count == 0


def test_module_empty_swarm_is_met():
    kind, result, run, fake_time = run_module({'wait_for': 'converged'}, [(0, '', '')])
    assert kind == 'exit'
    assert result['met'] is True
    assert result['services'] == []
    assert result['summary']['total'] == 0


def test_module_rejects_bad_wait_interval_alias():
    # poll_interval and wait_timeout: see test_docker_cli_modules.py.
    kind, result, run, fake_time = run_module({'wait_interval': -3}, [])
    assert kind == 'fail'
    assert result['msg'] == 'poll_interval must be 1 or more, got -3'
    assert run.call_count == 0


def test_module_rejects_unknown_wait_for():
    kind, result, run, fake_time = run_module({'wait_for': 'running'}, [])
    assert kind == 'fail'
    assert 'wait_for' in result['msg']
    assert 'converged' in result['msg']
    assert run.call_count == 0


# ---------------------------------------------------------------------------
# drained_node: the recorded tasks of manager1 while a rolling restart drained it
# ---------------------------------------------------------------------------

NODE_PS = [DOCKER, 'node', 'ps', 'manager1', '--format', '{{json .}}']


def test_the_live_tasks_of_a_node_are_those_from_new_to_running():
    tasks = swarm_service_status.parse_json_lines(fixture('node_ps_2010_lab_drain_started.jsonl'),
                                                  swarm_service_status.normalize_node_task, 'docker node ps')
    assert len(tasks) == 17
    assert swarm_service_status.live_tasks(tasks) == [
        {'name': 'lab_agent.lejt2zgqaanzhfbw68xr91yxg', 'state': 'Running less than a second ago'},
        {'name': 'lab_web.1', 'state': 'Running less than a second ago'},
        {'name': 'ops_node-exporter.lejt2zgqaanzhfbw68xr91yxg', 'state': 'Running less than a second ago'}]
    states = [{'name': 'a.%d' % i, 'state': state} for i, state in enumerate(
        ['New 1 second ago', 'Pending 1 second ago', 'Assigned 1 second ago', 'Accepted 1 second ago',
         'Preparing 1 second ago', 'Ready 1 second ago', 'Starting 1 second ago', 'Shutdown 1 second ago',
         'Failed 1 second ago', 'Complete 1 second ago', 'Rejected 1 second ago', 'Orphaned 1 second ago', ''])]
    assert [task['state'].split()[0] for task in swarm_service_status.live_tasks(states)] == [
        'New', 'Pending', 'Assigned', 'Accepted', 'Preparing', 'Ready', 'Starting']


def test_a_drained_node_is_waited_for_until_it_runs_no_task():
    outputs = [ok(CONVERGED), ok('node_ps_2010_lab_drain_started.jsonl'),
               ok(CONVERGED), ok('node_ps_2010_lab_draining.jsonl'),
               ok(CONVERGED), ok('node_ps_2010_lab_drained.jsonl')]
    kind, result, run_command, fake_time = run_module(
        {'stack': 'lab', 'wait_for': 'converged', 'drained_node': 'manager1', 'wait_timeout': 60}, outputs)
    assert kind == 'exit' and result['met'] is True and result['problems'] == []
    assert result['drained_node_tasks'] == [] and result['attempts'] == 3 and fake_time.sleeps == [2, 2]
    assert commands(run_command) == [SERVICE_LS, NODE_PS] * 3


def test_a_drained_node_that_keeps_running_tasks_is_named():
    outputs = [ok(CONVERGED), ok('node_ps_2010_lab_draining.jsonl')] * 3
    kind, result, _run_command, _time = run_module(
        {'stack': 'lab', 'wait_for': 'converged', 'drained_node': 'manager1', 'wait_timeout': 4, 'fail_on_unmet': False},
        outputs)
    assert kind == 'exit' and result['met'] is False and result['summary']['converged'] is True
    assert result['problems'] == ['manager1 still runs lab_agent.lejt2zgqaanzhfbw68xr91yxg (Running 4 seconds ago)',
                                  'manager1 still runs lab_web.1 (Running 4 seconds ago)']
    assert result['msg'] == ('Services not converged after 4s (3 attempts): '
                             'manager1 still runs lab_agent.lejt2zgqaanzhfbw68xr91yxg (Running 4 seconds ago); '
                             'manager1 still runs lab_web.1 (Running 4 seconds ago)')
    assert [task['name'] for task in result['drained_node_tasks']] == ['lab_agent.lejt2zgqaanzhfbw68xr91yxg', 'lab_web.1']


def test_services_and_the_drained_node_are_both_reported():
    outputs = [ok(DRAIN_STARTED), ok('node_ps_2010_lab_draining.jsonl')]
    kind, result, _run_command, _time = run_module(
        {'stack': 'lab', 'wait_for': 'converged', 'drained_node': 'manager1'}, outputs)
    assert kind == 'fail'
    assert result['problems'][:3] == ['lab_api: 1/2 running', 'lab_db: 0/1 running', 'lab_web: 1/2 running (max 1 per node)']
    assert result['problems'][3:] == ['manager1 still runs lab_agent.lejt2zgqaanzhfbw68xr91yxg (Running 4 seconds ago)',
                                      'manager1 still runs lab_web.1 (Running 4 seconds ago)']


def test_without_a_wait_the_drained_node_tasks_are_only_reported():
    kind, result, _run_command, _time = run_module({'drained_node': 'manager1'},
                                                   [ok(CONVERGED), ok('node_ps_2010_lab_draining.jsonl')])
    assert kind == 'exit' and result['met'] is True and result['problems'] == []
    assert len(result['drained_node_tasks']) == 2


def test_without_drained_node_no_node_is_read():
    kind, result, run_command, _time = run_module({'stack': 'lab', 'wait_for': 'converged'}, [ok(CONVERGED)])
    assert kind == 'exit' and result['drained_node_tasks'] == []
    assert commands(run_command) == [SERVICE_LS]


def test_a_drained_node_the_manager_cannot_read_is_read_again():
    outputs = [ok(CONVERGED), err('err_2010_no_leader.txt'), ok(CONVERGED), ok('node_ps_2010_lab_drained.jsonl')]
    kind, result, _run_command, fake_time = run_module(
        {'stack': 'lab', 'wait_for': 'converged', 'drained_node': 'manager1', 'wait_timeout': 10}, outputs)
    assert kind == 'exit' and result['met'] is True and result['attempts'] == 2 and fake_time.sleeps == [2]


def test_an_empty_drained_node_is_refused_before_any_command():
    kind, result, run_command, _time = run_module({'drained_node': ' '}, [])
    assert kind == 'fail' and result['msg'] == 'drained_node must name a node: its ID or hostname, not an empty string'
    assert run_command.call_count == 0
