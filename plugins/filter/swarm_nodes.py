# -*- coding: utf-8 -*-
#
# Copyright (c) 2026, homelab.swarm maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters of the swarm_nodes role."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError


def _label_value(value):
    # As Docker stores them: strings, booleans in lower case, none as empty.
    if isinstance(value, bool):
        return str(value).lower()
    return '' if value is None else str(value)


def swarm_nodes_labels_plan(current, wanted, managed_key):
    """The node's labels after this run: labels set by hand kept, the managed keys the inventory
    dropped removed, the inventory's labels set, and the marker label listing the managed keys
    (absent when there are none). Also the inventory's keys that cannot be managed."""
    current = dict(current or {})
    if not isinstance(wanted or {}, dict):
        raise AnsibleFilterError('swarm_nodes_labels_plan: the labels must be a mapping, not %s' % type(wanted).__name__)
    wanted = dict((str(key), _label_value(value)) for key, value in (wanted or {}).items())
    bad_keys = ([key for key in wanted if ',' in key] + [key for key in wanted if key == managed_key]
                + [key for key in wanted if not key])
    previous = [key for key in current.get(managed_key, '').split(',') if key]
    labels = dict((key, value) for key, value in current.items() if key not in previous and key != managed_key)
    labels.update(wanted)
    if wanted:
        labels[managed_key] = ','.join(sorted(wanted))
    return {'bad_keys': bad_keys, 'labels': labels}


class FilterModule(object):

    def filters(self):
        return {'swarm_nodes_labels_plan': swarm_nodes_labels_plan}
