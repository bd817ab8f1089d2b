# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for homelab.swarm.swarm_stack_deploy, with the docker CLI's answers given in order.

The JSON shapes follow what the 20.10.24 CLI printed in a lab node: `docker service inspect` is a
list of objects with Spec and UpdateStatus, `docker service ls --format '{{json .}}'` one object per
line with ID, Mode, Name and Replicas.
"""

from __future__ import annotations

import json
import os

from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.homelab.swarm.plugins.modules import swarm_stack_deploy
from ansible_collections.homelab.swarm.tests.unit.plugins.modules.utils import (
    DOCKER, ExitJson, FailJson, FakeTime, exit_json, fail_json)

DOCUMENT = {'version': '3.8', 'services': {'web': {'image': 'app:${TAG}', 'environment': {'P': '${PASSWORD}'}}}}


def spec(name, image='app:1', env=None):
    return {'Name': name, 'TaskTemplate': {'ContainerSpec': {'Image': image, 'Env': env or []}}}


def inspect(*services, update=None):
    return (0, json.dumps([{'ID': 'id-' + s['Name'], 'Spec': s, 'UpdateStatus': update} for s in services]), '')


def ls(*rows):
    return (0, ''.join(json.dumps(dict({'ID': 'id-' + r[0], 'Mode': 'replicated', 'Name': r[0], 'Replicas': r[1]}))
                       + '\n' for r in rows), '')


def service_ps(*tasks):
    """docker service ps --format '{{json .}}': one task per line, newest first in each slot."""
    return '\n'.join(json.dumps(task) for task in tasks)


def running(*tasks, service='app_web'):
    """docker service ps --filter desired-state=running --filter _up-to-date=true: the service's tasks
    that run its spec as it is now, one per slot."""
    return (0, ''.join('%s %s.%d Running 2 seconds ago\n' % (task, service, slot)
                       for slot, task in enumerate(tasks, 1)), '')


QUIET = (0, 'id-app_web\n', '')
EMPTY = (0, '', '')
TIMEOUT = '/usr/bin/timeout'
BOUND = [TIMEOUT, '--kill-after=5', str(swarm_stack_deploy.REPORT_READ_SECONDS)]
LOST_ENGINE = (1, '', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n')


def bin_path(self, name, *args, **kwargs):
    return TIMEOUT if name == 'timeout' else DOCKER


def run(args, outputs, check_mode=False):
    outputs = list(outputs)
    calls = []
    fake = FakeTime()

    def run_command(self, cmd, **kwargs):
        calls.append((cmd, kwargs))
        fake.now += 0.5
        return outputs.pop(0)

    args = dict(args, _ansible_check_mode=check_mode)
    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json), \
            mock.patch.object(basic.AnsibleModule, 'run_command', run_command), \
            mock.patch.object(basic.AnsibleModule, 'get_bin_path', bin_path), \
            mock.patch.object(swarm_stack_deploy, 'time', fake):
        try:
            swarm_stack_deploy.main()
        except ExitJson as exc:
            return 'exit', exc.args[0], calls, outputs
        except FailJson as exc:
            return 'fail', exc.args[0], calls, outputs
    raise AssertionError('no exit')


def test_deploy_substitutes_env_and_sends_the_document_on_stdin():
    before = spec('app_web')
    after = spec('app_web', image='app:2', env=['P=s3cr$t'])
    kind, result, calls, left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '2', 'PASSWORD': 's3cr$t'}, 'wait': False},
        [QUIET, inspect(before), (0, 'Updating service app_web\n', ''), QUIET, inspect(after), EMPTY])
    assert kind == 'exit', result
    assert result['changed'] is True
    assert result['services'] == {'app_web': 'updated'}
    deploy_cmd, deploy_kwargs = calls[2]
    assert deploy_cmd == [DOCKER, 'stack', 'deploy', '--compose-file', '-', '--resolve-image', 'never', '--prune', 'app']
    sent = json.loads(deploy_kwargs['data'])
    # The CLI interpolates again: a $ of a value is doubled so that it reaches the service as it is.
    assert sent['services']['web'] == {'image': 'app:2', 'environment': {'P': 's3cr$$t'}}
    assert 's3cr' not in ' '.join(deploy_cmd)
    assert not left


def test_an_unchanged_stack_reports_no_change():
    same = spec('app_web')
    kind, result, _calls, _left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '1', 'PASSWORD': 'x'}, 'wait': False},
        [QUIET, inspect(same), EMPTY, QUIET, inspect(same), EMPTY])
    assert kind == 'exit' and result['changed'] is False
    assert result['services'] == {'app_web': 'unchanged'}


def test_an_unchanged_converged_stack_is_looked_at_once():
    same = spec('app_web')
    kind, result, calls, left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '1', 'PASSWORD': 'x'}},
        [QUIET, inspect(same), EMPTY, QUIET, inspect(same),
         ls(('app_web', '1/1')), inspect(same, update={'State': 'completed'}), running('t1'),
         EMPTY])  # config ls: nothing to prune
    assert kind == 'exit', result
    assert result['changed'] is False
    assert result['waited']['services'] == []
    looks = [cmd for cmd, _kwargs in calls if cmd[1:3] == ['service', 'ls'] and '--quiet' not in cmd]
    assert len(looks) == 1, 'no task was held'
    assert not left


def test_an_unchanged_stack_still_converging_is_held_as_after_a_rollout():
    same = spec('app_web')
    kind, result, _calls, left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '1', 'PASSWORD': 'x'}},
        [QUIET, inspect(same), EMPTY, QUIET, inspect(same),
         ls(('app_web', '0/1')), inspect(same), EMPTY,
         ls(('app_web', '1/1')), inspect(same), running('t1'),
         ls(('app_web', '1/1')), inspect(same), running('t1'),
         ls(('app_web', '1/1')), inspect(same), running('t1'),
         EMPTY])
    assert kind == 'exit', result
    assert result['changed'] is False
    assert result['waited']['services'] == ['app_web']
    assert not left


def test_an_unchanged_stack_with_tasks_of_an_earlier_spec_is_held_until_they_are_replaced():
    # A run killed during a rollout left one slot on the spec before; this deploy sends the same spec
    # again, which clears the update status, and the swarm goes on replacing the old task.
    same = spec('app_web')
    kind, result, _calls, left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '1', 'PASSWORD': 'x'}},
        [QUIET, inspect(same), EMPTY, QUIET, inspect(same),
         ls(('app_web', '2/2')), inspect(same), running('t1'),
         ls(('app_web', '2/2')), inspect(same), running('t1', 't2'),
         ls(('app_web', '2/2')), inspect(same), running('t1', 't2'),
         ls(('app_web', '2/2')), inspect(same), running('t1', 't2'),
         EMPTY])
    assert kind == 'exit', result
    assert result['changed'] is False
    assert result['waited']['services'] == ['app_web']
    assert not left


def test_tasks_left_on_an_earlier_spec_fail_the_wait_and_are_counted():
    outputs = [EMPTY, EMPTY, QUIET, inspect(spec('app_web'))]
    outputs += [ls(('app_web', '2/2')), inspect(spec('app_web')), running('t1')] * 2
    outputs += [(0, '', ''), (0, '', '')]  # service ps and logs of the report
    kind, result, _calls, left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'a'}}}, 'wait_timeout': 4, 'poll_interval': 2,
         'logs_tail': 5}, outputs)
    assert kind == 'fail', result
    assert result['failing'] == ['app_web']
    assert 'Service app_web: 2/2 tasks running, 1 of them on an earlier spec' in result['msg']
    assert not left


def test_an_engine_lost_during_the_wait_fails_naming_the_host_and_the_services():
    before, after = spec('app_web'), spec('app_web', image='app:2')
    kind, result, _calls, _left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '2', 'PASSWORD': 'x'}},
        [QUIET, inspect(before), EMPTY, QUIET, inspect(after),
         ls(('app_web', '0/1')), inspect(after, update={'State': 'updating'}), EMPTY,
         LOST_ENGINE])
    assert kind == 'fail'
    assert result['msg'].startswith('Stack app: lost the engine on %s while waiting for app_web: ' % os.uname()[1])
    assert 'Cannot connect to the Docker daemon' in result['msg']


@pytest.mark.parametrize('outputs, doing', [
    ([QUIET, inspect(spec('app_web')), EMPTY, LOST_ENGINE], 'waiting for'),   # right after the deploy
    ([QUIET, inspect(spec('app_web')), LOST_ENGINE], 'deploying'),            # during the deploy
])
def test_an_engine_lost_after_the_deploy_began_fails_naming_the_host_and_the_services(outputs, doing):
    kind, result, _calls, _left = run({'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '2', 'PASSWORD': 'x'}}, outputs)
    assert kind == 'fail'
    assert result['msg'].startswith('Stack app: lost the engine on %s while %s app_web: ' % (os.uname()[1], doing))


def test_a_deploy_the_engine_refuses_is_not_called_a_lost_engine():
    refused = (1, '', 'failed to update service app_web: Error response from daemon: rpc error: code = InvalidArgument\n')
    kind, result, _calls, _left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '2', 'PASSWORD': 'x'}},
        [QUIET, inspect(spec('app_web')), refused])
    assert kind == 'fail'
    assert 'lost the engine' not in result['msg'] and 'InvalidArgument' in result['msg'], result['msg']


def test_an_engine_lost_before_the_deploy_is_an_error_of_the_deploy():
    kind, result, _calls, _left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '2', 'PASSWORD': 'x'}}, [LOST_ENGINE])
    assert kind == 'fail'
    assert 'lost the engine' not in result['msg'] and 'Docker daemon' in result['msg'], result['msg']


def test_an_undefined_variable_fails_before_any_command_naming_it():
    kind, result, calls, _left = run({'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '1'}}, [])
    assert kind == 'fail'
    assert result['msg'] == 'Stack app: variable PASSWORD is not defined'
    assert calls == []


def test_registry_auth_and_resolve_image_reach_the_command():
    kind, result, calls, _left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'a'}}}, 'prune': False,
         'resolve_image': 'always', 'with_registry_auth': True, 'wait': False},
        [EMPTY, EMPTY, QUIET, inspect(spec('app_web')), EMPTY])
    assert kind == 'exit' and result['services'] == {'app_web': 'created'}
    assert calls[1][0] == [DOCKER, 'stack', 'deploy', '--compose-file', '-', '--resolve-image', 'always',
                           '--with-registry-auth', 'app']


def test_configs_are_created_when_missing_and_stale_ones_removed_when_unused():
    config = {'name': 'app_nginx_bbbb', 'data': 'conf 2\n', 'labels': {'io.homelab.swarm.name': 'nginx'}}
    web = spec('app_web')
    web['TaskTemplate']['ContainerSpec']['Configs'] = [{'ConfigName': 'app_nginx_bbbb'}]
    kind, result, calls, left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'a'}}}, 'configs': [config], 'wait': False},
        [QUIET, inspect(spec('app_web')),
         (0, 'app_nginx_aaaa\n', ''),            # config ls: the old version only
         (0, 'newid\n', ''),                      # config create
         EMPTY,                                   # stack deploy
         QUIET, inspect(web),
         (0, 'app_nginx_aaaa\napp_nginx_bbbb\n', ''),  # config ls after
         QUIET, inspect(web),                      # every service's spec: aaaa unused
         EMPTY])                                  # config rm
    assert kind == 'exit', result
    assert result['configs_created'] == ['app_nginx_bbbb']
    assert result['configs_removed'] == ['app_nginx_aaaa']
    create_cmd, create_kwargs = calls[3]
    assert create_cmd[:2] == [DOCKER, 'config'] and create_cmd[-2:] == ['app_nginx_bbbb', '-']
    assert '--label' in create_cmd and 'io.homelab.swarm.stack=app' in create_cmd
    assert create_kwargs['data'] == 'conf 2\n'
    assert calls[-1][0] == [DOCKER, 'config', 'rm', 'app_nginx_aaaa']
    assert not left


def test_wait_follows_a_rollout_until_it_completes():
    before = spec('app_web')
    after = spec('app_web', image='app:2')
    kind, result, _calls, left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '2', 'PASSWORD': 'x'}},
        [QUIET, inspect(before), EMPTY, QUIET, inspect(after),
         # Right after the deploy the swarm has cleared the update status: the rollout has not started.
         # The task that runs is of the spec before.
         ls(('app_web', '1/1')), inspect(after, update=None), EMPTY,
         ls(('app_web', '0/1')), inspect(after, update={'State': 'updating'}), EMPTY,
         ls(('app_web', '1/1')), inspect(after, update={'State': 'completed'}), running('t2'),
         # The same task keeps running for STABLE_SECONDS.
         ls(('app_web', '1/1')), inspect(after, update={'State': 'completed'}), running('t2'),
         ls(('app_web', '1/1')), inspect(after, update={'State': 'completed'}), running('t2'),
         EMPTY])  # config ls: no config of the stack to prune
    assert kind == 'exit', result
    assert result['waited']['services'] == ['app_web']
    assert not left


def test_a_crash_loop_caught_running_at_each_look_is_not_converged():
    # 1/1 at every look, but never the same task: it restarts between two looks.
    outputs = [EMPTY, EMPTY, QUIET, inspect(spec('app_web'))]
    for task in ('t1', 't2', 't3', 't4'):
        outputs += [ls(('app_web', '1/1')), inspect(spec('app_web')), running(task)]
    outputs += [(0, '', ''), (0, '', '')]  # service ps and logs of the report
    kind, result, calls, _left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'a'}}}, 'wait_timeout': 8, 'poll_interval': 2,
         'logs_tail': 5}, outputs)
    assert kind == 'fail', result
    assert result['failing'] == ['app_web']
    assert 'Service app_web: 1/1 tasks running' in result['msg']


@pytest.mark.parametrize('confirmed', [False, True])
def test_a_stack_seen_converged_only_at_the_deadline_is_looked_at_again(confirmed):
    # 0/1, then 1/1 at the deadline; the look 5 s later finds the same task, or another (a crash loop).
    outputs = [EMPTY, EMPTY, QUIET, inspect(spec('app_web'))]
    outputs += [ls(('app_web', '0/1')), inspect(spec('app_web')), EMPTY]
    outputs += [ls(('app_web', '1/1')), inspect(spec('app_web')), running('t1')]
    outputs += [ls(('app_web', '1/1')), inspect(spec('app_web')), running('t1' if confirmed else 't2')]
    # then the config ls, or the report's service ps and logs
    outputs += [EMPTY] if confirmed else [(0, '', ''), (0, '', '')]
    kind, result, _calls, left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'a'}}}, 'wait_timeout': 4, 'poll_interval': 2,
         'logs_tail': 5}, outputs)
    if confirmed:
        assert kind == 'exit', result
    else:
        assert kind == 'fail', result
        assert result['failing'] == ['app_web']
    assert not left


def test_a_crash_loop_fails_naming_the_task_its_error_and_its_logs():
    tasks = service_ps(
        {'Name': 'app_web.1', 'Node': 'worker1', 'CurrentState': 'Failed 1 second ago',
         'Error': 'task: non-zero exit (1)'},
        {'Name': ' \\_ app_web.1', 'Node': 'worker1', 'CurrentState': 'Failed 9 seconds ago',
         'Error': 'task: non-zero exit (1)'},
    )
    outputs = [EMPTY, EMPTY, QUIET, inspect(spec('app_web'))]
    outputs += [ls(('app_web', '0/1')), inspect(spec('app_web')), EMPTY] * 2
    outputs += [(0, tasks, ''), (0, '', 'boom-4242\nboom-4242\n')]
    kind, result, calls, _left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'a'}}}, 'wait_timeout': 4, 'poll_interval': 2,
         'logs_tail': 5}, outputs)
    assert kind == 'fail'
    msg = result['msg']
    assert msg.startswith('Stack app: not every service runs its desired tasks after')
    assert 'Service app_web: 0/1 tasks running' in msg
    assert 'app_web.1 on worker1: Failed 1 second ago: task: non-zero exit (1)' in msg
    assert msg.count('app_web.1 on worker1') == 1, 'the newest task of each slot only'
    assert 'boom-4242' in msg
    assert calls[-2][0] == BOUND + [DOCKER, 'service', 'ps', '--no-trunc', '--format', '{{json .}}', 'app_web']
    assert calls[-1][0] == BOUND + [DOCKER, 'service', 'logs', '--no-task-ids', '--tail', '5', 'app_web']


def test_a_report_read_that_gets_no_answer_is_cut_off_and_named():
    # docker service logs waits for every node that ran a task: a node whose engine stopped answering
    # kept a report waiting for over an hour, so each read is bounded and its timeout is said.
    tasks = service_ps({'Name': 'app_web.1', 'Node': 'worker1', 'CurrentState': 'Assigned 5 minutes ago', 'Error': ''})
    outputs = [EMPTY, EMPTY, QUIET, inspect(spec('app_web'))]
    outputs += [ls(('app_web', '0/1')), inspect(spec('app_web')), EMPTY] * 2
    outputs += [(0, tasks, ''), (swarm_stack_deploy.TIMED_OUT, 'first-line-7\n', '')]
    kind, result, calls, left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'a'}}}, 'wait_timeout': 4, 'poll_interval': 2,
         'logs_tail': 5}, outputs)
    assert kind == 'fail'
    assert not left
    assert calls[-1][0][:len(BOUND)] == BOUND
    msg = result['msg']
    assert 'app_web.1 on worker1: Assigned 5 minutes ago' in msg
    assert ('its logs: docker service logs stopped after %d seconds without an answer from every node'
            % swarm_stack_deploy.REPORT_READ_SECONDS) in msg
    assert 'first-line-7' in msg


def test_a_task_list_that_gets_no_answer_is_named_and_the_logs_are_still_read():
    outputs = [EMPTY, EMPTY, QUIET, inspect(spec('app_web'))]
    outputs += [ls(('app_web', '0/1')), inspect(spec('app_web')), EMPTY] * 2
    outputs += [(swarm_stack_deploy.TIMED_OUT, '', ''), (0, 'boom-4242\n', '')]
    kind, result, calls, left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'a'}}}, 'wait_timeout': 4, 'poll_interval': 2,
         'logs_tail': 5}, outputs)
    assert kind == 'fail'
    assert not left
    assert calls[-2][0][:len(BOUND)] == BOUND
    assert ('its tasks: docker service ps gave no answer within %d seconds'
            % swarm_stack_deploy.REPORT_READ_SECONDS) in result['msg']
    assert 'boom-4242' in result['msg']


def test_the_deploy_itself_is_not_cut_off():
    kind, result, calls, _left = run(
        {'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '2', 'PASSWORD': 'x'}, 'wait': False},
        [QUIET, inspect(spec('app_web')), EMPTY, QUIET, inspect(spec('app_web', image='app:2', env=['P=x'])), EMPTY])
    assert kind == 'exit', result
    assert all(TIMEOUT not in cmd for cmd, _kwargs in calls)


def test_a_rolled_back_update_is_a_failure():
    after = spec('app_web', image='app:2')
    outputs = [QUIET, inspect(spec('app_web')), EMPTY, QUIET, inspect(after),
               ls(('app_web', '1/1')), inspect(after, update={'State': 'rollback_completed',
                                                              'Message': 'rollback completed'}), running('t1'),
               (0, '', ''), (0, '', '')]
    kind, result, _calls, _left = run({'name': 'app', 'definition': DOCUMENT, 'env': {'TAG': '2', 'PASSWORD': 'x'}},
                                      outputs)
    assert kind == 'fail'
    assert 'update rollback_completed: rollback completed' in result['msg']


def test_check_mode_reports_new_and_pruned_services_without_deploying():
    kind, result, calls, _left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'a'}}}},
        [(0, 'id-app_old\n', ''), inspect(spec('app_old'))], check_mode=True)
    assert kind == 'exit' and result['changed'] is True
    assert result['services'] == {'app_web': 'created', 'app_old': 'removed'}
    assert all(cmd[1] != 'stack' for cmd, _kwargs in calls)


def test_absent_removes_the_stack_and_retries_its_networks():
    kind, result, calls, left = run(
        {'name': 'app', 'state': 'absent'},
        [QUIET, inspect(spec('app_web')), (0, 'app_net\n', ''),   # before
         (0, 'Removing service app_web\n', ''),                       # stack rm
         (0, 'app_net\n', ''), EMPTY, (0, '', ''), EMPTY])          # networks left, no services, rm, none left
    assert kind == 'exit', result
    assert result['changed'] is True and result['services'] == {'app_web': 'removed'}
    assert [DOCKER, 'network', 'rm', 'app_net'] in [cmd for cmd, _kwargs in calls]
    assert not left


def test_absent_of_an_unknown_stack_changes_nothing():
    kind, result, _calls, _left = run({'name': 'app', 'state': 'absent'}, [EMPTY, EMPTY])
    assert kind == 'exit' and result['changed'] is False


@pytest.mark.parametrize('newest, failed, code', [
    ('Ready 1 second ago', 'Failed 3 seconds ago', 3),      # restarting between two crashes
    ('Running 1 second ago', 'Failed 2 seconds ago', 1),    # caught running between two crashes
])
def test_task_lines_show_the_last_error_of_a_crashing_slot_and_skip_a_running_one(newest, failed, code):
    output = service_ps(
        {'Name': 'app_web.1', 'Node': 'worker1', 'CurrentState': newest, 'Error': ''},
        {'Name': ' \\_ app_web.1', 'Node': 'worker1', 'CurrentState': failed,
         'Error': 'task: non-zero exit (%d)' % code},
        {'Name': 'app_web.2', 'Node': 'manager1', 'CurrentState': 'Running 5 minutes ago', 'Error': ''},
        {'Name': ' \\_ app_web.2', 'Node': 'manager1', 'CurrentState': 'Shutdown 6 minutes ago', 'Error': ''},
    )
    assert swarm_stack_deploy.StackDeployer.task_lines(output) == [
        '  app_web.1 on worker1: %s' % newest,
        '    before that: %s: task: non-zero exit (%d)' % (failed, code),
    ]


def test_platforms_docker_records_from_a_registry_query_are_not_a_change():
    queried = spec('app_web', image='reg/app:1@sha256:' + 'a' * 64)
    queried['TaskTemplate']['Placement'] = {'Platforms': [{'Architecture': 'amd64', 'OS': 'linux'}]}
    dropped = spec('app_web', image='reg/app:1@sha256:' + 'a' * 64)
    kind, result, calls, _left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'reg/app:1'}}}, 'resolve_image': 'changed',
         'wait': False},
        [QUIET, inspect(queried), EMPTY, QUIET, inspect(dropped), EMPTY])
    assert kind == 'exit' and result['changed'] is False and result['services'] == {'app_web': 'unchanged'}
    assert json.loads(calls[2][1]['data'])['services']['web']['image'] == 'reg/app:1'


def test_a_new_tag_is_sent_as_named_and_the_change_is_reported_by_path():
    resolved = spec('app_web', image='reg/app:1@sha256:' + 'a' * 64)
    resolved['Labels'] = {'com.docker.stack.image': 'reg/app:1'}
    after = spec('app_web', image='reg/app:2@sha256:' + 'b' * 64)
    kind, result, calls, _left = run(
        {'name': 'app', 'definition': {'services': {'web': {'image': 'reg/app:2'}}}, 'resolve_image': 'changed',
         'wait': False},
        [QUIET, inspect(resolved), EMPTY, QUIET, inspect(after), EMPTY])
    assert json.loads(calls[2][1]['data'])['services']['web']['image'] == 'reg/app:2'
    assert result['changes'] == {'app_web': ['Labels', 'TaskTemplate.ContainerSpec.Image']}
    assert result['changed'] is True
