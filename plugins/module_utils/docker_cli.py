# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared code of the homelab.swarm modules that read the swarm with the docker CLI.

The modules run C(docker <command> ls --format '{{json .}}') on a swarm manager through
C(module.run_command), so neither the Docker SDK for Python nor the Docker API is needed.
This file holds what they have in common: the common options, building and running the command,
telling the docker CLI failures apart, parsing the JSON lines, and polling until a state is reached.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


import json
import re
import time

from ansible.module_utils.common.text.converters import to_text


# The Go template, not --format json: the 20.10 CLI prints the literal word json for --format json.
JSON_FORMAT = '{{json .}}'

# Kinds of docker CLI failures, see classify_cli_error().
ERROR_WORKER = 'worker'
ERROR_NOT_IN_SWARM = 'not_in_swarm'
ERROR_PERMISSION = 'permission'
ERROR_NO_LEADER = 'no_leader'
ERROR_TIMEOUT = 'timeout'
ERROR_DAEMON = 'daemon'
ERROR_OTHER = 'other'
ERROR_PARSE = 'parse'

# Failures that polling cannot fix: the modules fail at once. The others may be retried.
FATAL_ERRORS = (ERROR_WORKER, ERROR_NOT_IN_SWARM, ERROR_PERMISSION, ERROR_PARSE)


def docker_cli_argument_spec():
    """The options O(docker_cli) and O(docker_host), documented by the doc fragment homelab.swarm.docker_cli."""
    return dict(
        docker_cli=dict(type='path', default='docker'),
        docker_host=dict(type='str'),
    )


class DockerCLIError(Exception):
    """The output of the docker CLI cannot be read or understood; ``msg`` is meant for the user."""

    def __init__(self, msg, kind=ERROR_OTHER, stderr=None):
        super(DockerCLIError, self).__init__(msg)
        self.msg = msg
        self.kind = kind
        self.stderr = stderr

    @property
    def fatal(self):
        return self.kind in FATAL_ERRORS


def build_command(docker_cli, args, docker_host=None):
    """The argv running C(docker_cli) with the arguments C(args), against C(docker_host) when given."""
    command = [docker_cli]
    if docker_host:
        command.extend(['--host', docker_host])
    command.extend(args)
    return command


def docker_command(module, args):
    """Build the command for C(args) from the module options O(docker_cli) and O(docker_host).

    Fails the module when the docker CLI cannot be found.
    """
    docker_cli = module.get_bin_path(module.params['docker_cli'])
    if docker_cli is None:
        module.fail_json(msg='The docker CLI was not found: %s is not an executable file and was not found in PATH'
                         % module.params['docker_cli'])
    return build_command(docker_cli, args, module.params['docker_host'])


def command_runner(module, command):
    """A callable returning C((rc, stdout, stderr)) of C(command), run with the C locale."""
    def run():
        return module.run_command(command, environ_update={'LC_ALL': 'C'})
    return run


def classify_cli_error(text):
    """Return the kind of failure described by the docker CLI error output C(text)."""
    lowered = (text or '').lower()
    if 'not a swarm manager' in lowered:
        if 'worker nodes' in lowered or 'promote' in lowered:
            return ERROR_WORKER
        return ERROR_NOT_IN_SWARM
    if 'permission denied' in lowered and 'docker daemon' in lowered:
        return ERROR_PERMISSION
    if 'does not have a leader' in lowered or 'no leader' in lowered:
        return ERROR_NO_LEADER
    if 'deadlineexceeded' in lowered or 'deadline exceeded' in lowered:
        return ERROR_TIMEOUT
    if 'cannot connect to the docker daemon' in lowered or 'is the docker daemon running' in lowered:
        return ERROR_DAEMON
    return ERROR_OTHER


# A sentence said again right after itself, as `docker service ps` does once per service it was given.
_REPEATED_SENTENCE = re.compile(r'(\S[^\n]*?[.?!])(?:\s+\1)+')


def without_repeats(text):
    """Return C(text) with each run of one sentence repeated back to back said once."""
    if len(text) > 4000:  # the pattern backtracks; long outputs are kept as they are
        return text
    return _REPEATED_SENTENCE.sub(r'\1', text)


def cli_error(rc, stdout, stderr, what):
    """Build the DockerCLIError for a failed run of the command C(what), for example V(docker node ls)."""
    detail = without_repeats(' '.join(((stderr or '').strip() or (stdout or '').strip() or 'no output').split()))
    kind = classify_cli_error(detail)
    if kind == ERROR_WORKER:
        msg = ('This host is a swarm worker, not a manager: run the module on a swarm manager '
               '(for example with delegate_to). docker said: %s' % detail)
    elif kind == ERROR_NOT_IN_SWARM:
        msg = ('This host is not part of a swarm (neither manager nor worker): initialize or join the swarm first, '
               'or run the module on a swarm manager. docker said: %s' % detail)
    elif kind == ERROR_PERMISSION:
        msg = 'Permission denied talking to the Docker daemon (use become, or the docker group). docker said: %s' % detail
    elif kind == ERROR_NO_LEADER:
        msg = 'no leader (raft quorum lost?): %s' % detail
    elif kind == ERROR_TIMEOUT:
        msg = 'the manager did not answer in time (raft quorum lost?): %s' % detail
    elif kind == ERROR_DAEMON:
        msg = 'The Docker daemon is not running or not reachable. docker said: %s' % detail
    else:
        msg = '%s failed with rc %s: %s' % (what, rc, detail)
    return DockerCLIError(msg, kind=kind, stderr=stderr)


def _norm_key(key):
    return re.sub(r'[^a-z0-9]', '', to_text(key).lower())


def json_fields(raw):
    """The keys of one decoded JSON object, lower-cased and stripped of everything but letters and digits.

    C(ManagerStatus), C(manager_status) and C(Manager Status) all become C(managerstatus).
    Raises ValueError when C(raw) is not an object.
    """
    if not isinstance(raw, dict):
        raise ValueError('expected a JSON object')
    return dict((_norm_key(k), v) for k, v in raw.items())


def field_text(value):
    """A field value as stripped text: V(None) is the empty string, booleans are V(true) and V(false)."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return to_text(value).strip()


def parse_json_lines(output, normalize, what):
    """Parse the output of C(what) run with C(--format '{{json .}}') into a list of C(normalize(object)).

    Accepts one JSON object per line (what every CLI since 17.x prints for this template) and, for
    robustness, a single JSON array of objects. Blank lines are skipped. C(normalize) raises ValueError
    for an object it cannot use. Raises a DockerCLIError of kind ERROR_PARSE naming the first line that
    cannot be parsed, and explaining the literal word V(json) the 20.10 CLI prints for C(--format json).
    """
    text = (output or '').strip()
    if text.startswith('['):
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        if isinstance(decoded, list):
            try:
                return [normalize(item) for item in decoded]
            except ValueError as exc:
                raise DockerCLIError('Cannot parse the output of %s (%s): %s' % (what, exc, text), kind=ERROR_PARSE)
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            decoded = json.loads(line)
        except ValueError:
            reason = 'not JSON'
            if line == 'json':
                reason += '; this docker CLI printed the literal word json, as 20.10 does for --format json'
        else:
            try:
                items.append(normalize(decoded))
                continue
            except ValueError as exc:
                reason = str(exc)
        raise DockerCLIError(
            'Cannot parse line %d of the output of %s (%s): %s' % (number, what, reason, line), kind=ERROR_PARSE)
    return items


def read_json_lines(run, normalize, what):
    """Run the command once and parse its output with parse_json_lines().

    C(run) is a callable returning C((rc, stdout, stderr)). Returns C((items, None)) or, when the command
    failed in a way that waiting may fix, C((None, error)) with the DockerCLIError of cli_error().
    Raises the fatal DockerCLIError: the command failed in a way waiting cannot fix, or its output cannot be parsed.
    """
    rc, stdout, stderr = run()
    if rc != 0:
        error = cli_error(rc, stdout, stderr, what)
        if error.fatal:
            raise error
        return None, error
    return parse_json_lines(stdout, normalize, what), None


def check_wait_options(module):
    """Fail the module when O(wait_timeout) is negative or O(poll_interval) is below 1."""
    if module.params['wait_timeout'] < 0:
        module.fail_json(msg='wait_timeout must be 0 or more, got %d' % module.params['wait_timeout'])
    if module.params['poll_interval'] < 1:
        module.fail_json(msg='poll_interval must be 1 or more, got %d' % module.params['poll_interval'])


def poll(check, wait_timeout, poll_interval, clock=None, sleep=None):
    """Call C(check) until its result is met or C(wait_timeout) seconds have passed.

    C(check) returns a dict with at least C(problems) (a list) and C(error) (a DockerCLIError or None); the
    result is met when both are empty. DockerCLIError raised by C(check) are not caught.
    Returns the last result of C(check) plus C(attempts), C(elapsed) (whole seconds) and C(met).
    C(clock) and C(sleep) default to time.time() and time.sleep().
    """
    clock = clock or time.time
    sleep = sleep or time.sleep
    wait_timeout = max(0, wait_timeout or 0)
    poll_interval = max(1, poll_interval or 1)
    start = clock()
    deadline = start + wait_timeout
    attempts = 0
    while True:
        attempts += 1
        result = check()
        met = not result['problems'] and result['error'] is None
        remaining = deadline - clock()
        if met or remaining <= 0:
            break
        # The last attempt happens when wait_timeout expires, not one poll_interval before.
        sleep(min(poll_interval, remaining))
    result['attempts'] = attempts
    result['elapsed'] = int(round(clock() - start))
    result['met'] = met
    return result


def poll_docker_cli(module, args, check):
    """Run the docker CLI with the arguments C(args) until C(check) is met or O(wait_timeout) expires.

    Fails the module when O(wait_timeout) or O(poll_interval) is out of range or the docker CLI is not found.
    C(check) is called with a callable returning C((rc, stdout, stderr)) of the command and returns a result
    for poll(). Fails the module with the command and its C(stderr) when C(check) raises a DockerCLIError
    (one that waiting cannot fix). Returns C((command, result of poll())).
    """
    check_wait_options(module)
    command = docker_command(module, args)
    run = command_runner(module, command)
    try:
        result = poll(lambda: check(run), module.params['wait_timeout'], module.params['poll_interval'])
    except DockerCLIError as exc:
        module.fail_json(msg=exc.msg, stderr=exc.stderr or '', cmd=command)
    return command, result


def exit_with_result(module, command, result, returns, unmet, unreadable, fail_when_unmet):
    """End the module after poll_docker_cli(), which gave C(command) and C(result).

    The module returns C(returns) plus RV(problems), RV(attempts) and, unless C(returns) has it, RV(changed=false).
    It exits when C(result) is met. Otherwise the message starts with C(unreadable) when the command kept
    failing, which always fails the module with its C(stderr) and C(cmd), or with C(unmet), which fails
    the module only when C(fail_when_unmet) is true. With O(wait_timeout), the message says how long the
    module polled; it ends with the problems.
    """
    output = dict(dict(changed=False), **returns)
    output.update(problems=result['problems'], attempts=result['attempts'])
    if result['met']:
        module.exit_json(**output)

    error = result['error']
    what = unreadable if error is not None else unmet
    if module.params['wait_timeout']:
        what = '%s after %ds (%d attempt%s)' % (
            what, result['elapsed'], result['attempts'], '' if result['attempts'] == 1 else 's')
    msg = '%s: %s' % (what, '; '.join(result['problems']))

    if error is not None:
        module.fail_json(msg=msg, stderr=error.stderr or '', cmd=command, **output)
    if fail_when_unmet:
        module.fail_json(msg=msg, **output)
    module.exit_json(msg=msg, **output)
