# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only callback of the faults scenario: stops a playbook run at a named play or task.

HSW_STOP_AT is part of the name of a play or task; when the first one whose name holds it starts,
the callback writes that name to HSW_STOP_MARK, then, by HSW_STOP_MODE:
  kill   SIGKILLs the run's process group at once (a closed laptop: nothing runs after it);
  hold   blocks the run there (it keeps its lock) until the test kills it;
  mark   lets the run go on, so that the test kills it when the nodes show the state it waits for.
Enabled only by the tests (ANSIBLE_CALLBACK_PLUGINS, ANSIBLE_CALLBACKS_ENABLED); never shipped.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import signal
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'hsw_stop_at'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.stop_at = os.environ.get('HSW_STOP_AT', '')
        self.mode = os.environ.get('HSW_STOP_MODE', 'kill')
        self.mark = os.environ.get('HSW_STOP_MARK', '')
        self.fired = False

    def _reached(self, name):
        if self.fired or not self.stop_at or self.stop_at not in name:
            return
        self.fired = True
        if self.mark:
            with open(self.mark, 'w') as out:
                out.write('%d %s\n' % (os.getpid(), name))
        if self.mode == 'kill':
            os.killpg(os.getpgrp(), signal.SIGKILL)
        while self.mode == 'hold':
            time.sleep(1)

    def v2_playbook_on_play_start(self, play):
        self._reached(play.get_name())

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._reached(task.get_name())
