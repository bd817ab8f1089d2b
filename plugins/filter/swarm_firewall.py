# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the swarm_firewall role: the node addresses and each firewall's plan
(plugins/module_utils/firewall_plan.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.swarm.plugins.module_utils import firewall_plan


def swarm_firewall_nodes(hosts, hostvars):
    """The cluster hosts' addresses: addresses (host to address, '' when unknown), unknown (the hosts
    without one), ipv4 and ipv6 (the addresses, sorted, without duplicates)."""
    addresses = firewall_plan.node_addresses(hosts, hostvars)
    ipv4, ipv6 = firewall_plan.split_addresses(addresses.values())
    return {
        'addresses': addresses,
        'unknown': [host for host in hosts or [] if not addresses[host]],
        'ipv4': ipv4,
        'ipv6': ipv6,
    }


class FilterModule(object):

    def filters(self):
        return {
            'swarm_firewall_nodes': swarm_firewall_nodes,
            'swarm_firewall_ufw_plan': firewall_plan.ufw_plan,
            'swarm_firewall_firewalld_plan': firewall_plan.firewalld_plan,
            'swarm_firewall_nft_targets': firewall_plan.nft_targets,
            'swarm_firewall_nft_plan': firewall_plan.nft_plan,
        }
