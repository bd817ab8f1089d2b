# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for homelab.swarm.swarm_run_lock: the take-over rules, and the lock file in a temporary directory."""

from __future__ import annotations

import json

from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.homelab.swarm.plugins.modules import swarm_run_lock
from ansible_collections.homelab.swarm.tests.unit.plugins.modules.utils import (
    ExitJson, FailJson, FakeTime, exit_json, fail_json)

ME = {'run': 'laptop:42:100', 'controller': 'laptop', 'user': 'alice', 'pid': 42}
CI = {'run': 'ci:7:5', 'controller': 'ci', 'user': 'runner', 'pid': 7, 'run_name': 'deploy'}


def run(args, fake=None, check_mode=False):
    fake = fake or FakeTime(start=10000.0)
    warnings = []
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json), \
            mock.patch.object(basic.AnsibleModule, 'warn', lambda self, msg: warnings.append(msg)), \
            mock.patch.object(swarm_run_lock, 'time', fake):
        try:
            swarm_run_lock.main()
        except ExitJson as exc:
            return 'exit', exc.args[0], warnings
        except FailJson as exc:
            return 'fail', exc.args[0], warnings
    raise AssertionError('no exit')


@pytest.fixture
def lock(tmp_path):
    return tmp_path / 'homelab-swarm' / 'run.lock'


def held(lock, holder):
    lock.parent.mkdir(exist_ok=True)
    lock.write_text(json.dumps(holder))


@pytest.mark.parametrize('holder, take_over, expected', [
    (None, None, (True, None)),
    (dict(ME, since=9990), None, (True, None)),
    (dict(CI, since=9990), None, (False, None)),
    (dict(CI, since=9990), 'ci:7:5', (True, 'its process on ci has ended without releasing it')),
    (dict(CI, since=9990), 'ci:8:5', (False, None)),
    (dict(CI, since=5000), None, (True, 'taken 5000 s ago, more than stale_after (3600 s)')),
    ({'run': None, 'since': None}, None, (True, 'the lock file does not say when it was taken')),
])
def test_who_may_take_the_lock(holder, take_over, expected):
    assert swarm_run_lock.decide(holder, ME, 10000, 3600, take_over) == expected


def test_a_free_lock_is_taken_and_names_this_run(lock):
    kind, result, _warnings = run({'path': str(lock), 'owner': ME, 'run_name': 'site'})
    assert kind == 'exit', result
    assert result['acquired'] is True and result['changed'] is False
    written = json.loads(lock.read_text())
    assert written['run'] == ME['run'] and written['run_name'] == 'site' and written['since'] == 10000


def test_a_lock_held_by_a_live_run_waits_then_fails_naming_it(lock):
    held(lock, dict(CI, since=9900))
    fake = FakeTime(start=10000.0)
    kind, result, _warnings = run({'path': str(lock), 'owner': ME, 'wait_timeout': 20, 'poll_interval': 5}, fake)
    assert kind == 'fail'
    assert 'deploy by runner@ci (process 7, run ci:7:5)' in result['msg']
    assert 'Nothing was changed' in result['msg']
    assert result['waited'] >= 20
    assert json.loads(lock.read_text())['run'] == CI['run'], 'the holder keeps its lock'


def test_a_lock_released_while_waiting_is_taken(lock):
    held(lock, dict(CI, since=9900))
    fake = FakeTime(start=10000.0)
    sleep = fake.sleep

    def released_after_the_first_look(seconds):
        if lock.exists():
            lock.unlink()
        sleep(seconds)

    fake.sleep = released_after_the_first_look
    kind, result, _warnings = run({'path': str(lock), 'owner': ME, 'wait_timeout': 60}, fake)
    assert kind == 'exit', result
    assert result['acquired'] is True and result['waited'] == 5
    assert json.loads(lock.read_text())['run'] == ME['run']


def test_a_stale_lock_is_taken_over_saying_why(lock):
    held(lock, dict(CI, since=1000))
    kind, result, _warnings = run({'path': str(lock), 'owner': ME, 'wait_timeout': 0})
    assert kind == 'exit', result
    assert result['taken_over']['holder']['run'] == CI['run']
    assert result['taken_over']['reason'] == 'taken 9000 s ago, more than stale_after (3600 s)'


def test_taking_it_again_keeps_the_time_it_was_first_taken(lock):
    held(lock, dict(ME, since=9000, run_name='site'))
    kind, result, _warnings = run({'path': str(lock), 'owner': ME, 'run_name': 'site'})
    assert kind == 'exit' and 'taken_over' not in result
    assert json.loads(lock.read_text())['since'] == 9000


def test_release_removes_only_this_runs_lock(lock):
    held(lock, dict(CI, since=9900))
    kind, result, warnings = run({'path': str(lock), 'owner': ME, 'state': 'released'})
    assert kind == 'exit' and result['released'] is False
    assert lock.exists() and 'left alone' in warnings[0]
    held(lock, dict(ME, since=9900))
    kind, result, warnings = run({'path': str(lock), 'owner': ME, 'state': 'released'})
    assert kind == 'exit' and result['released'] is True
    assert not lock.exists()


def test_check_mode_only_reads(lock):
    kind, result, _warnings = run({'path': str(lock), 'owner': ME}, check_mode=True)
    assert kind == 'exit' and result['acquired'] is False
    assert not lock.exists()
    held(lock, dict(CI, since=9900))
    kind, result, warnings = run({'path': str(lock), 'owner': ME}, check_mode=True)
    assert kind == 'exit' and result['holder']['run'] == CI['run']
    assert 'is held' in warnings[0]


def test_without_an_owner_the_module_says_to_use_the_action(lock):
    kind, result, _warnings = run({'path': str(lock)})
    assert kind == 'fail' and 'action plugin' in result['msg']
