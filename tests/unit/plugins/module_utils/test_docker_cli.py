# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/module_utils/docker_cli.py, the code shared by swarm_health and swarm_service_status.

The recorded docker CLI errors are the ``err_2010_*`` fixtures of the module tests
(tests/unit/plugins/modules/fixtures, see the README there).
"""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.homelab.swarm.plugins.doc_fragments.docker_cli import ModuleDocFragment
from ansible_collections.homelab.swarm.plugins.module_utils import docker_cli
from ansible_collections.homelab.swarm.tests.unit.plugins.modules.utils import (
    ExitJson,
    FailJson,
    FakeTime,
    err,
    fixture,
)


PERMISSION_DENIED = (
    'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: '
    'Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/nodes": dial unix /var/run/docker.sock: connect: permission denied')


class FakeModule:
    """The part of AnsibleModule the helpers use: params, get_bin_path, run_command, exit_json and fail_json."""

    def __init__(self, params=None, bin_path='/usr/bin/docker', outputs=()):
        self.params = dict({'docker_cli': 'docker', 'docker_host': None, 'wait_timeout': 0, 'poll_interval': 1},
                           **(params or {}))
        self.bin_path = bin_path
        self.outputs = list(outputs)
        self.looked_up = []
        self.commands = []

    def get_bin_path(self, name):
        self.looked_up.append(name)
        return self.bin_path

    def run_command(self, command, **kwargs):
        self.commands.append((command, kwargs))
        return self.outputs.pop(0)

    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs['msg'] = msg
        raise FailJson(kwargs)


def upper_name(raw):
    """A normalize function for parse_json_lines(): needs a Name key."""
    fields = docker_cli.json_fields(raw)
    if not fields.get('name'):
        raise ValueError('no Name key')
    return docker_cli.field_text(fields['name']).upper()


def attempt(problems=(), error=None):
    """A result of a check function for poll()."""
    return {'problems': list(problems), 'error': error}


# ---------------------------------------------------------------------------
# Options and command
# ---------------------------------------------------------------------------

def test_argument_spec_matches_the_doc_fragment():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    spec = docker_cli.docker_cli_argument_spec()
    assert sorted(spec) == sorted(options) == ['docker_cli', 'docker_host']
    for name, option in options.items():
        assert spec[name]['type'] == option['type']
        assert spec[name].get('default') == option.get('default')


def test_argument_spec_is_a_new_dict_every_time():
    spec = docker_cli.docker_cli_argument_spec()
    spec['docker_cli']['default'] = 'podman'
    assert docker_cli.docker_cli_argument_spec()['docker_cli']['default'] == 'docker'


def test_build_command():
    args = ['node', 'ls', '--format', docker_cli.JSON_FORMAT]
    assert docker_cli.build_command('docker', args) == ['docker', 'node', 'ls', '--format', '{{json .}}']
    assert docker_cli.build_command('docker', args, None) == docker_cli.build_command('docker', args, '')
    assert docker_cli.build_command('/usr/bin/docker', args, 'unix:///run/user/1000/docker.sock') == [
        '/usr/bin/docker', '--host', 'unix:///run/user/1000/docker.sock', 'node', 'ls', '--format', '{{json .}}']
    assert args == ['node', 'ls', '--format', '{{json .}}']


def test_docker_command_uses_the_found_cli_and_docker_host():
    module = FakeModule({'docker_cli': 'docker', 'docker_host': 'tcp://127.0.0.1:2375'}, bin_path='/usr/sbin/docker')
    assert docker_cli.docker_command(module, ['service', 'ls']) == [
        '/usr/sbin/docker', '--host', 'tcp://127.0.0.1:2375', 'service', 'ls']
    assert module.looked_up == ['docker']


def test_docker_command_fails_when_the_cli_is_missing():
    module = FakeModule({'docker_cli': '/opt/hsw-missing/bin/docker'}, bin_path=None)
    with pytest.raises(FailJson) as excinfo:
        docker_cli.docker_command(module, ['node', 'ls'])
    assert excinfo.value.args[0]['msg'] == ('The docker CLI was not found: /opt/hsw-missing/bin/docker is not an '
                                            'executable file and was not found in PATH')


def test_command_runner_runs_with_the_c_locale():
    module = FakeModule(outputs=[(0, 'out', 'err')])
    run = docker_cli.command_runner(module, ['/usr/bin/docker', 'node', 'ls'])
    assert module.commands == []
    assert run() == (0, 'out', 'err')
    assert module.commands == [(['/usr/bin/docker', 'node', 'ls'], {'environ_update': {'LC_ALL': 'C'}})]


@pytest.mark.parametrize('params, msg', [
    ({'wait_timeout': -1}, 'wait_timeout must be 0 or more, got -1'),
    ({'poll_interval': 0}, 'poll_interval must be 1 or more, got 0'),
    ({'wait_timeout': -1, 'poll_interval': 0}, 'wait_timeout must be 0 or more, got -1'),
])
def test_check_wait_options_rejects_bad_numbers(params, msg):
    with pytest.raises(FailJson) as excinfo:
        docker_cli.check_wait_options(FakeModule(params))
    assert excinfo.value.args[0]['msg'] == msg


def test_check_wait_options_accepts_the_smallest_values():
    assert docker_cli.check_wait_options(FakeModule({'wait_timeout': 0, 'poll_interval': 1})) is None


# ---------------------------------------------------------------------------
# docker CLI errors
# ---------------------------------------------------------------------------

@pytest.mark.parametrize('name, kind, fatal', [
    ('err_2010_worker_node.txt', docker_cli.ERROR_WORKER, True),
    ('err_2010_not_in_swarm.txt', docker_cli.ERROR_NOT_IN_SWARM, True),
    ('err_2010_daemon_not_running.txt', docker_cli.ERROR_DAEMON, False),
    ('err_2010_no_leader.txt', docker_cli.ERROR_NO_LEADER, False),
    ('err_2010_deadline_exceeded.txt', docker_cli.ERROR_TIMEOUT, False),
])
def test_classify_recorded_cli_errors(name, kind, fatal):
    assert docker_cli.classify_cli_error(fixture(name)) == kind
    error = docker_cli.cli_error(1, '', fixture(name), 'docker node ls')
    assert (error.kind, error.fatal) == (kind, fatal)
    assert error.stderr == fixture(name)
    # The whole message of the daemon is kept, on one line.
    assert ' '.join(fixture(name).split()) in error.msg


def test_a_sentence_repeated_once_per_service_is_said_once():
    # `docker service ps a b c` with the engine stopped under it, as the faults scenario saw it.
    daemon = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'
    stderr = 'Status: %s\n%s\n%s, Code: 1\n' % (daemon, daemon, daemon)
    error = docker_cli.cli_error(1, '', stderr, 'docker service ps')
    assert error.kind == docker_cli.ERROR_DAEMON
    assert error.msg.endswith('docker said: Status: %s, Code: 1' % daemon)
    assert error.stderr == stderr


def test_sentences_that_differ_are_all_kept():
    text = 'service a not found. service b not found. service a not found.'
    assert docker_cli.without_repeats(text) == text


def test_classify_other_errors():
    assert docker_cli.classify_cli_error(PERMISSION_DENIED) == docker_cli.ERROR_PERMISSION
    assert docker_cli.classify_cli_error('unknown flag: --format') == docker_cli.ERROR_OTHER
    assert docker_cli.classify_cli_error('') == docker_cli.ERROR_OTHER
    assert docker_cli.classify_cli_error(None) == docker_cli.ERROR_OTHER


@pytest.mark.parametrize('stderr, start', [
    (fixture('err_2010_worker_node.txt'), 'This host is a swarm worker, not a manager: run the module on a swarm manager'),
    (fixture('err_2010_not_in_swarm.txt'), 'This host is not part of a swarm (neither manager nor worker)'),
    (PERMISSION_DENIED, 'Permission denied talking to the Docker daemon (use become, or the docker group). docker said: '),
    (fixture('err_2010_no_leader.txt'), 'no leader (raft quorum lost?): Error response from daemon'),
    (fixture('err_2010_deadline_exceeded.txt'), 'the manager did not answer in time (raft quorum lost?): '),
    (fixture('err_2010_daemon_not_running.txt'), 'The Docker daemon is not running or not reachable. docker said: '),
])
def test_cli_error_messages(stderr, start):
    error = docker_cli.cli_error(1, '', stderr, 'docker service ls')
    assert error.msg.startswith(start)
    assert 'docker service ls' not in error.msg


def test_cli_error_other_names_the_command_and_rc():
    error = docker_cli.cli_error(125, 'unknown flag: --format\n', '', 'docker service ls')
    assert error.kind == docker_cli.ERROR_OTHER
    assert not error.fatal
    assert error.msg == 'docker service ls failed with rc 125: unknown flag: --format'
    assert error.stderr == ''
    assert docker_cli.cli_error(1, '', '', 'docker node ls').msg == 'docker node ls failed with rc 1: no output'
    assert docker_cli.cli_error(1, 'on stdout', ' on\n  stderr \n', 'docker node ls').msg == (
        'docker node ls failed with rc 1: on stderr')


@pytest.mark.parametrize('kind, fatal', [
    (docker_cli.ERROR_WORKER, True),
    (docker_cli.ERROR_NOT_IN_SWARM, True),
    (docker_cli.ERROR_PERMISSION, True),
    (docker_cli.ERROR_PARSE, True),
    (docker_cli.ERROR_NO_LEADER, False),
    (docker_cli.ERROR_TIMEOUT, False),
    (docker_cli.ERROR_DAEMON, False),
    (docker_cli.ERROR_OTHER, False),
])
def test_error_fatal(kind, fatal):
    error = docker_cli.DockerCLIError('message', kind=kind)
    assert error.fatal is fatal
    assert (str(error), error.msg, error.stderr) == ('message', 'message', None)


def test_error_default_kind_is_other():
    assert docker_cli.DockerCLIError('message').kind == docker_cli.ERROR_OTHER


# ---------------------------------------------------------------------------
# JSON lines
# ---------------------------------------------------------------------------

def test_json_fields_normalizes_key_spelling():
    for key in ('ManagerStatus', 'manager_status', 'Manager Status', 'MANAGER-STATUS'):
        assert docker_cli.json_fields({key: 'Leader', 'ID': 'a1'}) == {'managerstatus': 'Leader', 'id': 'a1'}
    assert docker_cli.json_fields({'Engine-Version': '27.5.1'}) == {'engineversion': '27.5.1'}
    assert docker_cli.json_fields({}) == {}


@pytest.mark.parametrize('raw', [['a'], 'a', 1, None])
def test_json_fields_rejects_what_is_not_an_object(raw):
    with pytest.raises(ValueError, match='expected a JSON object'):
        docker_cli.json_fields(raw)


@pytest.mark.parametrize('value, text', [
    (None, ''),
    (True, 'true'),
    (False, 'false'),
    (0, '0'),
    (12, '12'),
    (' Ready \r', 'Ready'),
    ('', ''),
])
def test_field_text(value, text):
    assert docker_cli.field_text(value) == text


def test_parse_json_lines():
    output = '\n'.join([
        json.dumps({'Name': 'a'}),
        '',
        '   ',
        json.dumps({'name': 'b', 'extra': 1}) + '\r',
    ]) + '\n'
    assert docker_cli.parse_json_lines(output, upper_name, 'docker x ls') == ['A', 'B']


@pytest.mark.parametrize('output', ['', '\n', '  \n\n', None])
def test_parse_json_lines_empty_output_is_an_empty_list(output):
    assert docker_cli.parse_json_lines(output, upper_name, 'docker x ls') == []


def test_parse_json_lines_json_array():
    assert docker_cli.parse_json_lines(' [{"Name": "a"}, {"Name": "b"}]\n', upper_name, 'docker x ls') == ['A', 'B']
    assert docker_cli.parse_json_lines('[]', upper_name, 'docker x ls') == []


def test_parse_json_lines_json_array_with_a_bad_entry_names_the_output():
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        docker_cli.parse_json_lines('[{"Name": "a"}, {"ID": "b"}]', upper_name, 'docker x ls')
    assert excinfo.value.kind == docker_cli.ERROR_PARSE
    assert excinfo.value.fatal
    assert excinfo.value.msg == 'Cannot parse the output of docker x ls (no Name key): [{"Name": "a"}, {"ID": "b"}]'


@pytest.mark.parametrize('output, what, msg', [
    # Starts like an array but is none: read line by line.
    ('[{"Name": "a"},\n', 'docker x ls', 'Cannot parse line 1 of the output of docker x ls (not JSON): [{"Name": "a"},'),
    # Blank lines count.
    ('{"Name": "a"}\n\n{"ID": "b"}\nnot json', 'docker x ls',
     'Cannot parse line 3 of the output of docker x ls (no Name key): {"ID": "b"}'),
    ('{"Name": "a"}\n"a string"', 'docker x ls',
     'Cannot parse line 2 of the output of docker x ls (expected a JSON object): "a string"'),
    # Real output of the 20.10 CLI for `docker node ls --format json`: the word json, once per node.
    (fixture('node_ls_2010_format_json_literal.txt'), 'docker node ls',
     'Cannot parse line 1 of the output of docker node ls (not JSON; this docker CLI printed the literal word json, '
     'as 20.10 does for --format json): json'),
    # Real default table output: must not be half-parsed.
    (fixture('node_ls_2010_healthy_table.txt'), 'docker node ls',
     'Cannot parse line 1 of the output of docker node ls (not JSON): '
     + fixture('node_ls_2010_healthy_table.txt').splitlines()[0].strip()),
])
def test_parse_json_lines_names_the_first_bad_line_and_the_reason(output, what, msg):
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        docker_cli.parse_json_lines(output, upper_name, what)
    assert excinfo.value.msg == msg
    assert (excinfo.value.kind, excinfo.value.fatal, excinfo.value.stderr) == (docker_cli.ERROR_PARSE, True, None)


def test_read_json_lines_parses_the_output():
    assert docker_cli.read_json_lines(lambda: (0, '{"Name": "a"}\n', ''), upper_name, 'docker x ls') == (['A'], None)
    assert docker_cli.read_json_lines(lambda: (0, '', ''), upper_name, 'docker x ls') == ([], None)


@pytest.mark.parametrize('name, kind', [
    ('err_2010_no_leader.txt', docker_cli.ERROR_NO_LEADER),
    ('err_2010_deadline_exceeded.txt', docker_cli.ERROR_TIMEOUT),
    ('err_2010_daemon_not_running.txt', docker_cli.ERROR_DAEMON),
])
def test_read_json_lines_returns_the_errors_waiting_may_fix(name, kind):
    items, error = docker_cli.read_json_lines(lambda: err(name), upper_name, 'docker x ls')
    assert items is None
    assert (error.kind, error.fatal, error.stderr) == (kind, False, fixture(name))


def test_read_json_lines_returns_other_cli_errors_without_parsing_the_output():
    items, error = docker_cli.read_json_lines(lambda: (1, 'json\n', ''), upper_name, 'docker x ls')
    assert items is None
    assert error.kind == docker_cli.ERROR_OTHER
    assert error.msg == 'docker x ls failed with rc 1: json'


@pytest.mark.parametrize('name, kind', [
    ('err_2010_worker_node.txt', docker_cli.ERROR_WORKER),
    ('err_2010_not_in_swarm.txt', docker_cli.ERROR_NOT_IN_SWARM),
])
def test_read_json_lines_raises_the_fatal_cli_errors(name, kind):
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        docker_cli.read_json_lines(lambda: err(name), upper_name, 'docker x ls')
    assert excinfo.value.kind == kind
    assert excinfo.value.stderr == fixture(name)


def test_read_json_lines_raises_the_parse_error():
    with pytest.raises(docker_cli.DockerCLIError) as excinfo:
        docker_cli.read_json_lines(lambda: (0, 'json\n', ''), upper_name, 'docker x ls')
    assert excinfo.value.kind == docker_cli.ERROR_PARSE


# ---------------------------------------------------------------------------
# Polling
# ---------------------------------------------------------------------------

def poll(results, wait_timeout, poll_interval, run_cost=0.0):
    """Run docker_cli.poll() over the check results given; returns (result, fake time, calls)."""
    fake_time = FakeTime(run_cost=run_cost)
    results = list(results)
    calls = []

    def check():
        calls.append(fake_time.now)
        fake_time.now += fake_time.run_cost
        return dict(results.pop(0))

    result = docker_cli.poll(check, wait_timeout, poll_interval, clock=fake_time.time, sleep=fake_time.sleep)
    return result, fake_time, calls


def test_poll_met_at_once_does_not_sleep():
    result, fake_time, calls = poll([attempt()], 60, 5)
    assert result == {'problems': [], 'error': None, 'attempts': 1, 'elapsed': 0, 'met': True}
    assert fake_time.sleeps == []


def test_poll_without_wait_timeout_checks_once():
    result, fake_time, calls = poll([attempt(['a problem'])], 0, 5)
    assert (result['met'], result['attempts'], result['problems']) == (False, 1, ['a problem'])
    assert fake_time.sleeps == []


@pytest.mark.parametrize('wait_timeout', [None, -5])
def test_poll_without_a_usable_wait_timeout_checks_once(wait_timeout):
    result, fake_time, calls = poll([attempt(['a problem'])], wait_timeout, 5)
    assert result['attempts'] == 1


def test_poll_until_met():
    result, fake_time, calls = poll([attempt(['a']), attempt(['b']), attempt()], 60, 5)
    assert (result['met'], result['attempts'], result['elapsed']) == (True, 3, 10)
    assert fake_time.sleeps == [5, 5]
    assert calls == [1000.0, 1005.0, 1010.0]


def test_poll_retries_an_error_without_problems():
    error = docker_cli.DockerCLIError('daemon down', kind=docker_cli.ERROR_DAEMON)
    result, fake_time, calls = poll([attempt(error=error), attempt()], 60, 3)
    assert (result['met'], result['attempts'], result['error']) == (True, 2, None)
    result, fake_time, calls = poll([attempt(error=error)] * 3, 6, 3)
    assert (result['met'], result['attempts'], result['error']) == (False, 3, error)


def test_poll_times_out_with_a_last_attempt_when_the_timeout_expires():
    # Each check takes 1s: attempts at t=0, 6, 12 and a last one when the timeout expires (t=15, sleep cut to 2s).
    result, fake_time, calls = poll([attempt(['a'])] * 10, 15, 5, run_cost=1.0)
    assert result['met'] is False
    assert fake_time.sleeps == [5, 5, 2]
    assert calls == [1000.0, 1006.0, 1012.0, 1015.0]
    assert (result['attempts'], result['elapsed']) == (4, 16)


@pytest.mark.parametrize('poll_interval', [None, 0, -1])
def test_poll_interval_is_at_least_one_second(poll_interval):
    result, fake_time, calls = poll([attempt(['a'])] * 3, 2, poll_interval)
    assert fake_time.sleeps == [1, 1]
    assert result['attempts'] == 3


def test_poll_elapsed_is_rounded_to_whole_seconds():
    result, fake_time, calls = poll([attempt()], 60, 5, run_cost=2.6)
    assert result['elapsed'] == 3


def test_poll_lets_fatal_errors_through():
    def check():
        raise docker_cli.DockerCLIError('worker', kind=docker_cli.ERROR_WORKER)
    with pytest.raises(docker_cli.DockerCLIError):
        docker_cli.poll(check, 60, 5, clock=FakeTime().time, sleep=FakeTime().sleep)


def test_poll_defaults_to_the_time_module(monkeypatch):
    fake_time = FakeTime()
    monkeypatch.setattr(docker_cli, 'time', fake_time)
    results = [attempt(['a']), attempt()]
    result = docker_cli.poll(lambda: results.pop(0), 10, 4)
    assert result['met'] is True
    assert fake_time.sleeps == [4]


# ---------------------------------------------------------------------------
# Ending the module
# ---------------------------------------------------------------------------

COMMAND = ['/usr/bin/docker', 'x', 'ls']


def finish(result, wait_timeout=0, fail_when_unmet=True):
    """Run exit_with_result(); returns ('exit' or 'fail', the arguments of exit_json() or fail_json())."""
    result = dict({'problems': [], 'error': None, 'attempts': 1, 'elapsed': 0, 'met': False}, **result)
    module = FakeModule({'wait_timeout': wait_timeout})
    try:
        docker_cli.exit_with_result(module, COMMAND, result, {'met': result['met']}, unmet='Not there',
                                    unreadable='Could not read the list', fail_when_unmet=fail_when_unmet)
    except ExitJson as exc:
        return 'exit', exc.args[0]
    except FailJson as exc:
        return 'fail', exc.args[0]
    raise AssertionError('exit_with_result() returned')


def test_exit_with_result_met_exits_with_the_output_only():
    assert finish({'met': True}) == ('exit', {'changed': False, 'met': True, 'problems': [], 'attempts': 1})
    assert finish({'met': True}, wait_timeout=60, fail_when_unmet=False)[0] == 'exit'


def test_exit_with_result_unmet_fails_listing_the_problems():
    assert finish({'problems': ['a: 1/2', 'b: 0/1']}) == (
        'fail', {'changed': False, 'met': False, 'problems': ['a: 1/2', 'b: 0/1'], 'attempts': 1,
                 'msg': 'Not there: a: 1/2; b: 0/1'})


def test_exit_with_result_unmet_without_failing_exits_with_msg():
    assert finish({'problems': ['a: 1/2']}, fail_when_unmet=False) == (
        'exit', {'changed': False, 'met': False, 'problems': ['a: 1/2'], 'attempts': 1, 'msg': 'Not there: a: 1/2'})


@pytest.mark.parametrize('attempts, elapsed, start', [
    (1, 0, 'Not there after 0s (1 attempt): '),
    (4, 16, 'Not there after 16s (4 attempts): '),
])
def test_exit_with_result_says_how_long_it_polled(attempts, elapsed, start):
    kind, args = finish({'problems': ['a: 1/2'], 'attempts': attempts, 'elapsed': elapsed}, wait_timeout=15)
    assert kind == 'fail'
    assert args['msg'] == start + 'a: 1/2'


@pytest.mark.parametrize('fail_when_unmet', [True, False])
def test_exit_with_result_unreadable_always_fails_with_stderr_and_cmd(fail_when_unmet):
    error = docker_cli.cli_error(1, '', fixture('err_2010_daemon_not_running.txt'), 'docker x ls')
    kind, args = finish({'problems': [error.msg], 'error': error, 'attempts': 3, 'elapsed': 6}, wait_timeout=6,
                        fail_when_unmet=fail_when_unmet)
    assert kind == 'fail'
    assert args['msg'] == 'Could not read the list after 6s (3 attempts): ' + error.msg
    assert args['stderr'] == fixture('err_2010_daemon_not_running.txt')
    assert args['cmd'] == COMMAND
    assert args['met'] is False


def test_exit_with_result_unreadable_without_stderr():
    error = docker_cli.DockerCLIError('gone')
    kind, args = finish({'problems': ['gone'], 'error': error})
    assert (kind, args['msg'], args['stderr']) == ('fail', 'Could not read the list: gone', '')


# ---------------------------------------------------------------------------
# Polling the docker CLI from a module
# ---------------------------------------------------------------------------

def check_names(run):
    """A check function for poll_docker_cli(): met once the command lists a service."""
    names, error = docker_cli.read_json_lines(run, upper_name, 'docker x ls')
    return {'names': names, 'problems': [] if names or error else ['none yet'], 'error': error}


def test_poll_docker_cli_runs_the_command_until_met(monkeypatch):
    fake_time = FakeTime()
    monkeypatch.setattr(docker_cli, 'time', fake_time)
    module = FakeModule({'docker_host': 'unix:///run/docker.sock', 'wait_timeout': 30, 'poll_interval': 3},
                        outputs=[err('err_2010_daemon_not_running.txt'), (0, '', ''), (0, '{"Name": "a"}', '')])
    command, result = docker_cli.poll_docker_cli(module, ['x', 'ls'], check_names)
    assert command == ['/usr/bin/docker', '--host', 'unix:///run/docker.sock', 'x', 'ls']
    assert module.commands == [(command, {'environ_update': {'LC_ALL': 'C'}})] * 3
    assert result == {'names': ['A'], 'problems': [], 'error': None, 'attempts': 3, 'elapsed': 6, 'met': True}
    assert fake_time.sleeps == [3, 3]


def test_poll_docker_cli_fails_at_once_on_a_fatal_error(monkeypatch):
    fake_time = FakeTime()
    monkeypatch.setattr(docker_cli, 'time', fake_time)
    module = FakeModule({'wait_timeout': 30}, outputs=[err('err_2010_worker_node.txt')])
    with pytest.raises(FailJson) as excinfo:
        docker_cli.poll_docker_cli(module, ['x', 'ls'], check_names)
    assert excinfo.value.args[0]['msg'].startswith('This host is a swarm worker, not a manager')
    assert excinfo.value.args[0]['stderr'] == fixture('err_2010_worker_node.txt')
    assert excinfo.value.args[0]['cmd'] == ['/usr/bin/docker', 'x', 'ls']
    assert fake_time.sleeps == []


@pytest.mark.parametrize('params, bin_path, msg', [
    ({'poll_interval': 0}, '/usr/bin/docker', 'poll_interval must be 1 or more, got 0'),
    ({'docker_cli': '/opt/hsw-missing/bin/docker'}, None, 'The docker CLI was not found: /opt/hsw-missing/bin/docker '
                                                          'is not an executable file and was not found in PATH'),
])
def test_poll_docker_cli_fails_before_running_anything(params, bin_path, msg):
    module = FakeModule(params, bin_path=bin_path)
    with pytest.raises(FailJson) as excinfo:
        docker_cli.poll_docker_cli(module, ['x', 'ls'], check_names)
    assert excinfo.value.args[0]['msg'] == msg
    assert module.commands == []
