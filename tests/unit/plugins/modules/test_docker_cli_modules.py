# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of what swarm_health and swarm_service_status share through module_utils/docker_cli.py,
run against both modules: the options docker_cli, docker_host, wait_timeout and poll_interval, the
command they run, and how they reject output they cannot parse.

What only one module does is tested in test_swarm_health.py and test_swarm_service_status.py.
"""

from __future__ import annotations

import collections
import json

from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.homelab.swarm.plugins.module_utils import docker_cli
from ansible_collections.homelab.swarm.plugins.modules import swarm_health
from ansible_collections.homelab.swarm.plugins.modules import swarm_service_status
from ansible_collections.homelab.swarm.tests.unit.plugins.modules.utils import DOCKER, FailJson, err, fail_json, fixture, ok, run_main


Case = collections.namedtuple('Case', [
    'module',  # the module
    'parse',  # its parse function
    'args',  # the docker CLI arguments it runs, up to --format
    'params',  # module args that make it check something
    'good',  # a fixture that meets params
    'unmet',  # a fixture that does not meet params, so the module fails
    'table',  # the good fixture in the default table format, and one of its column names
    'column',
    'json_literal',  # what the 20.10 CLI prints for --format json
    'after_unmet',  # what the commands the module runs after an unmet check answer (swarm_health's node inspect)
])

CASES = [
    pytest.param(Case(module=swarm_health,
                      parse=swarm_health.parse_node_list,
                      args=['node', 'ls'],
                      params={'expected_nodes': ['node1', 'node2', 'node3', 'node4']},
                      good='node_ls_2010_healthy.jsonl',
                      unmet='node_ls_2010_worker_down.jsonl',
                      table='node_ls_2010_healthy_table.txt',
                      column='HOSTNAME',
                      json_literal='node_ls_2010_format_json_literal.txt',
                      after_unmet=[err('err_2010_no_leader.txt')]),
                 id='swarm_health'),
    pytest.param(Case(module=swarm_service_status,
                      parse=swarm_service_status.parse_service_list,
                      args=['service', 'ls'],
                      params={'stack': 'lab', 'wait_for': 'converged'},
                      good='service_ls_2010_derived_converged.jsonl',
                      unmet='service_ls_2010_derived_drain_started.jsonl',
                      table='service_ls_2010_derived_table.txt',
                      column='REPLICAS',
                      json_literal='service_ls_2010_derived_format_json_literal.txt',
                      after_unmet=[]),
                 id='swarm_service_status'),
]


def what(case):
    """The command as named in the messages: docker node ls, docker service ls."""
    return ' '.join(['docker'] + case.args)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('case', CASES)
def test_parse_json_array(case):
    array = json.dumps([json.loads(line) for line in fixture(case.good).splitlines()])
    assert case.parse(array) == case.parse(fixture(case.good))


@pytest.mark.parametrize('case', CASES)
def test_parse_literal_json_word_of_cli2010_names_the_line(case):
    # docker node ls --format json: real output of the 20.10 CLI; docker service ls: derived from it.
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        case.parse(fixture(case.json_literal))
    assert excinfo.value.kind == docker_cli.ERROR_PARSE
    assert excinfo.value.fatal
    assert excinfo.value.msg.startswith('Cannot parse line 1 of the output of %s (not JSON;' % what(case))
    assert 'literal word json' in excinfo.value.msg
    assert excinfo.value.msg.endswith(': json')


@pytest.mark.parametrize('case', CASES)
def test_parse_table_output_is_rejected(case):
    # The default table output: not what the module asks for, must not be half-parsed.
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        case.parse(fixture(case.table))
    assert 'line 1' in excinfo.value.msg
    assert case.column in excinfo.value.msg


@pytest.mark.parametrize('case', CASES)
def test_parse_truncated_line_is_shown(case):
    lines = fixture(case.good).splitlines()
    broken = lines[2][:50]
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        case.parse('\n'.join(lines[:2] + [broken] + lines[3:]))
    assert excinfo.value.msg == 'Cannot parse line 3 of the output of %s (not JSON): %s' % (what(case), broken)


# ---------------------------------------------------------------------------
# The modules
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('case', CASES)
def test_module_runs_the_cli_found_with_the_c_locale(case):
    kind, result, run, fake_time = run_main(case.module, {}, [ok(case.good)])
    assert kind == 'exit'
    assert run.call_count == 1
    assert run.call_args[0][1] == [DOCKER] + case.args + ['--format', '{{json .}}']
    assert run.call_args[1]['environ_update'] == {'LC_ALL': 'C'}


@pytest.mark.parametrize('case', CASES)
def test_module_check_mode_reads_the_same_and_changes_nothing(case):
    normal = run_main(case.module, case.params, [ok(case.unmet)] + case.after_unmet)
    checked = run_main(case.module, dict(case.params, _ansible_check_mode=True), [ok(case.unmet)] + case.after_unmet)
    assert normal[0] == checked[0] == 'fail'
    assert checked[1] == normal[1]
    assert checked[1]['changed'] is False
    assert checked[2].call_args_list[0][0][1] == [DOCKER] + case.args + ['--format', '{{json .}}']
    assert checked[2].call_count == 1 + len(case.after_unmet)


@pytest.mark.parametrize('case', CASES)
def test_module_passes_docker_host(case):
    kind, result, run, fake_time = run_main(case.module, {'docker_host': 'tcp://127.0.0.1:2375'}, [ok(case.good)])
    assert kind == 'exit'
    assert run.call_args[0][1] == [DOCKER, '--host', 'tcp://127.0.0.1:2375'] + case.args + ['--format', '{{json .}}']


@pytest.mark.parametrize('case', CASES)
def test_module_docker_missing_names_the_path(case):
    kind, result, run, fake_time = run_main(case.module, {'docker_cli': '/opt/hsw-missing/bin/docker'}, [], bin_path=None)
    assert kind == 'fail'
    assert result['msg'] == ('The docker CLI was not found: /opt/hsw-missing/bin/docker is not an executable file '
                             'and was not found in PATH')
    assert run.call_count == 0


@pytest.mark.parametrize('case', CASES)
def test_module_docker_missing_real_lookup(case):
    # Without mocking get_bin_path: the real lookup must not find a non-existent path.
    path = '/nonexistent/hsw-%s/docker' % case.args[0]
    with patch_module_args({'docker_cli': path}), mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json):
        with pytest.raises(FailJson) as excinfo:
            case.module.main()
    assert path in excinfo.value.args[0]['msg']


@pytest.mark.parametrize('case', CASES)
@pytest.mark.parametrize('params, msg', [
    ({'poll_interval': 0}, 'poll_interval must be 1 or more, got 0'),
    ({'wait_timeout': -1}, 'wait_timeout must be 0 or more, got -1'),
])
def test_module_rejects_bad_numbers(case, params, msg):
    kind, result, run, fake_time = run_main(case.module, params, [])
    assert kind == 'fail'
    assert result['msg'] == msg
    assert run.call_count == 0


@pytest.mark.parametrize('case', CASES)
def test_module_unparsable_output_fails_at_once(case):
    kind, result, run, fake_time = run_main(case.module, dict(case.params, wait_timeout=60), [ok(case.json_literal)])
    assert kind == 'fail'
    assert run.call_count == 1
    assert fake_time.sleeps == []
    assert result['msg'].startswith('Cannot parse line 1 of the output of %s' % what(case))
    assert result['cmd'] == [DOCKER] + case.args + ['--format', '{{json .}}']
