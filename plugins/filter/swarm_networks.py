# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the swarm_networks role: the networks' plan and what it refuses
(plugins/module_utils/network_plan.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.swarm.plugins.module_utils import network_plan


def swarm_networks_plan(overlays, lines):
    try:
        return network_plan.network_plan(overlays, lines)
    except ValueError as error:
        raise AnsibleFilterError('swarm_networks_plan: %s' % error)


class FilterModule(object):

    def filters(self):
        return {
            'swarm_networks_plan': swarm_networks_plan,
            'swarm_networks_refusals': network_plan.refusals,
        }
