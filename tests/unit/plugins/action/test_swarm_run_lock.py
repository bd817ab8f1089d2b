# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the controller side of homelab.swarm.swarm_run_lock: naming this run, and telling a gone run."""

from __future__ import annotations

import os
import subprocess
import sys

from ansible_collections.homelab.swarm.plugins.action.swarm_run_lock import process_start, run_is_gone, this_run


def test_this_run_is_the_same_for_every_task_of_one_process():
    first, second = this_run(os.getpid()), this_run(os.getpid())
    assert first == second
    assert first['run'].startswith('%s:%d:' % (first['controller'], os.getpid()))


def test_a_run_of_this_controller_is_gone_once_its_process_ended():
    child = subprocess.Popen([sys.executable, '-c', 'pass'])
    holder = this_run(child.pid)
    child.wait()
    assert run_is_gone(holder, holder['controller'])


def test_a_live_run_and_a_run_of_another_controller_are_not_gone():
    me = this_run(os.getpid())
    assert not run_is_gone(me, me['controller'])
    assert not run_is_gone(dict(me, controller='elsewhere'), me['controller'])


def test_a_recycled_pid_is_not_the_holder():
    me = this_run(os.getpid())
    if process_start(os.getpid()) is None:  # no /proc: only the pid can be compared
        assert not run_is_gone(dict(me, run=me['run'] + '0'), me['controller'])
    else:
        assert run_is_gone(dict(me, run=me['run'] + '0'), me['controller'])
